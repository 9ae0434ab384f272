import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compare } from './compare';

const here = dirname(fileURLToPath(import.meta.url));
// loosely typed entries: the tests poke at arbitrary keys
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Entry = Record<string, any>;
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

const root = {
  path: '/',
  kind: 'group',
  track_order: false,
  children: ['d', 'g'],
  file: { userblock_size: 0, superblock_version: 0 },
  attrs: [
    { name: 'a', shape: [], dtype: { class: 'integer', size: 8, order: 'LE', signed: true }, value: '-9223372036854775808' },
    { name: 'b', shape: [2], dtype: { class: 'float', size: 8, order: 'LE' }, value: [1.0, 'NaN'] },
  ],
  info: { object_header_version: 1 },
};
const dset = {
  path: '/d',
  kind: 'dataset',
  shape: [2],
  maxshape: [2],
  dtype: {
    class: 'compound',
    size: 16,
    members: [
      { name: 'x', offset: 0, type: { class: 'integer', size: 4, order: 'LE', signed: true } },
      { name: 'y', offset: 8, type: { class: 'float', size: 8, order: 'LE' } },
    ],
  },
  layout: 'chunked',
  chunks: [1],
  filters: [{ id: 1, name: 'deflate', optional: false, params: [4] }],
  fillvalue: { x: 0, y: 0.0 },
  values: [{ x: 1, y: 2.5 }, { x: 3, y: '-0.0' }],
  attrs: [],
};
const group = { path: '/g', kind: 'group', track_order: false, children: [], attrs: [] };
const doc: Entry[] = [root, dset, group];

describe('compare (h5-expected/1 semantics)', () => {
  it('accepts an identical description', () => {
    expect(compare(doc, clone(doc))).toEqual([]);
  });

  it('rejects non-list documents', () => {
    expect(compare({}, [])).toHaveLength(1);
  });

  it('reports missing, unexpected and re-ordered paths', () => {
    const act = clone(doc);
    act.pop();
    expect(compare(doc, act)).toContain('/g: expected object not in actual dump');
    const extra = [...clone(doc), { path: '/z', kind: 'softlink', target: '/d' }];
    expect(compare(doc, extra)).toContain('/z: unexpected object in actual dump');
    const swapped = [clone(root), clone(group), clone(dset)];
    const diffs = compare(doc, swapped);
    expect(diffs[0]).toMatch(/traversal order differs at index 1/);
    expect(compare(doc, swapped, { ignoreOrder: true })).toEqual([]);
  });

  it('checks only keys present in the expected entry', () => {
    const partial = [{ path: '/', kind: 'group' }, { path: '/d', values: dset.values }, { path: '/g' }];
    expect(compare(partial, clone(doc))).toEqual([]);
    const act = clone(doc);
    delete act[1]!['fillvalue'];
    expect(compare(doc, act)).toEqual(['/d: fillvalue: missing (expected {"x":0,"y":0})']);
  });

  it('never compares info or keys starting with _', () => {
    const exp = clone(doc);
    exp[1]!['_note'] = 'anything';
    exp[1]!['info'] = { chunk_index: 'v1_btree' };
    expect(compare(exp, clone(doc))).toEqual([]);
  });

  it('treats the int 1 and the float 1.0 as equal', () => {
    const exp = JSON.parse('[{"path":"/","v":1.0,"w":[2.0]}]');
    const act = JSON.parse('[{"path":"/","v":1,"w":[2]}]');
    expect(compare(exp, act)).toEqual([]);
  });

  it('accepts 64-bit integers as decimal strings or numbers of equal value', () => {
    const s = [{ path: '/', v: '42', big: '18446744073709551615' }];
    expect(compare(s, [{ path: '/', v: 42, big: '18446744073709551615' }])).toEqual([]);
    expect(compare([{ path: '/', v: 42 }], [{ path: '/', v: '42' }])).toEqual([]);
    expect(compare(s, [{ path: '/', v: 43, big: '18446744073709551615' }])).toHaveLength(1);
    // 2^53 + 1 cannot be a JSON number: the rounded number is a different value
    expect(compare([{ path: '/', v: '9007199254740993' }], [{ path: '/', v: 9007199254740992 }])).toHaveLength(1);
    expect(compare([{ path: '/', v: '1.5' }], [{ path: '/', v: 1.5 }])).toHaveLength(1);
  });

  it('requires JSON booleans and exact strings', () => {
    expect(compare([{ path: '/', t: true }], [{ path: '/', t: 1 }])).toHaveLength(1);
    expect(compare([{ path: '/', t: 0 }], [{ path: '/', t: false }])).toHaveLength(1);
    expect(compare([{ path: '/', s: 'NaN' }], [{ path: '/', s: 'nan' }])).toHaveLength(1);
    expect(compare([{ path: '/', n: null }], [{ path: '/', n: 0 }])).toHaveLength(1);
    expect(compare([{ path: '/', n: null }], [{ path: '/', n: null }])).toEqual([]);
  });

  it('compares lists in full', () => {
    const act = clone(doc);
    act[1]!.values = [{ x: 1, y: 2.5 }];
    expect(compare(doc, act)[0]).toMatch(/^\/d: values: expected 2 items, got 1/);
    const act2 = clone(doc);
    act2[1]!.values[1] = { x: 3, y: 0 };
    expect(compare(doc, act2)).toEqual(['/d: values[1].y: expected "-0.0", got 0']);
  });

  it('checks attribute names in order, then each attribute by name', () => {
    const act = clone(doc);
    act[0]!.attrs.reverse();
    const diffs = compare(doc, act);
    expect(diffs).toHaveLength(1);
    expect(diffs[0]).toMatch(/attribute names\/order differ/);
    expect(compare(doc, act, { ignoreOrder: true })).toEqual([]);
    const act2 = clone(doc);
    act2[0]!.attrs[1]!.value = [1.0, 'Infinity'];
    expect(compare(doc, act2)).toEqual(['/@attr[b].value[1]: expected "NaN", got "Infinity"']);
  });

  it('contentOnly ignores layout, chunks, filters, superblock version and compound offsets/size', () => {
    const act = clone(doc);
    act[0]!.file.superblock_version = 3;
    act[1]!.layout = 'contiguous';
    act[1]!.chunks = null;
    act[1]!.filters = [];
    act[1]!.dtype.size = 12;
    act[1]!.dtype.members[1]!.offset = 4;
    expect(compare(doc, act)).toHaveLength(6);
    expect(compare(doc, act, { contentOnly: true })).toEqual([]);
    // member types and names still count
    act[1]!.dtype.members[1]!.name = 'z';
    expect(compare(doc, act, { contentOnly: true })).toEqual([
      '/d: dtype.members[1].name: expected "y", got "z"',
    ]);
  });

  it('skips ignored keys wherever they occur', () => {
    const act = clone(doc);
    act[1]!.fillvalue = { x: 9, y: 9 };
    act[2]!.track_order = true;
    expect(compare(doc, act)).toHaveLength(3);
    expect(compare(doc, act, { ignore: ['fillvalue', 'track_order'] })).toEqual([]);
  });

  it('limits the number of differences', () => {
    const exp = [{ path: '/', v: Array.from({ length: 100 }, (_, i) => i) }];
    const act = [{ path: '/', v: Array.from({ length: 100 }, (_, i) => -i - 1) }];
    expect(compare(exp, act)).toHaveLength(50);
    expect(compare(exp, act, { maxDiffs: 5 })).toHaveLength(5);
  });

  it('matches generated fixture descriptions against themselves and spots a change', () => {
    for (const name of ['classic/datatypes.h5.json', 'modern/links.h5.json']) {
      const fixture = JSON.parse(readFileSync(join(here, '..', 'fixtures', name), 'utf8')) as unknown[];
      expect(compare(fixture, clone(fixture))).toEqual([]);
    }
    const classic = JSON.parse(
      readFileSync(join(here, '..', 'fixtures', 'classic', 'named_types.h5.json'), 'utf8'),
    ) as Record<string, unknown>[];
    const modern = JSON.parse(
      readFileSync(join(here, '..', 'fixtures', 'modern', 'named_types.h5.json'), 'utf8'),
    ) as Record<string, unknown>[];
    // same content, different format
    expect(compare(classic, modern)).not.toEqual([]);
    expect(compare(classic, modern, { contentOnly: true })).toEqual([]);
  });
});
