import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { open } from '../../src/index.js';
import { describeFile } from '../../src/dump/describe.js';
import { H5UnsupportedError, H5ValueError } from '../../src/errors.js';
import { createBytesFromDescription } from '../../src/node/create-from-json.js';
import { compare } from '../helpers/compare.js';
import { describedFixtures, FIXTURES } from '../helpers/fixtures.js';
import { assertOracle, oracleRequired, PYTHON, runPython } from '../helpers/oracle.js';

type Entry = Record<string, any>;

const root = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'h5kit-create-'));
// A private bundle of the CLI: the shared dist/ may be rebuilt by other tests meanwhile.
const cli = join(dir, 'cli.mjs');

beforeAll(() => {
  const r = spawnSync(join(root, 'node_modules', '.bin', 'esbuild'), ['src/node/cli.ts', '--bundle', '--platform=node', '--format=esm', `--outfile=${cli}`, '--log-level=error'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`bundling the CLI failed: ${r.stderr}`);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function hasSummary(desc: Entry[]): boolean {
  return desc.some((e) => 'values_summary' in e || (e.attrs ?? []).some((a: Entry) => 'value_summary' in a));
}

/**
 * The part of a description the classic writer can reproduce: without
 * external links (its symbol-table groups cannot hold them; checked
 * separately below).
 */
function writable(desc: Entry[]): { desc: Entry[]; dropped: string[] } {
  const dropped: string[] = [];
  const keep = desc.filter((e) => {
    const drop = e.kind === 'externallink';
    if (drop) dropped.push(e.path);
    return !drop;
  });
  const gone = new Set(dropped);
  const out = keep.map((e) => {
    const c: Entry = { ...e };
    if (Array.isArray(c.children)) c.children = c.children.filter((n: string) => !gone.has(e.path === '/' ? `/${n}` : `${e.path}/${n}`));
    return c;
  });
  return { desc: out, dropped };
}

const fixtures = describedFixtures('classic');
const IGNORE: string[] = [];

function fullDescription(path: string, expected: Entry[]): Entry[] {
  if (!hasSummary(expected)) return expected;
  // The committed description summarises large data: describe the fixture again with full values.
  // (Run beside the fixture: its external raw-data files are found relative to the working directory.)
  if (oracleRequired()) {
    assertOracle();
    const r = spawnSync(PYTHON, [join(FIXTURES, 'describe.py'), '--threshold', '100000000', path], { cwd: dirname(path), encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(`describe.py ${path} failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
  }
  const f = open(new Uint8Array(readFileSync(path)));
  try {
    return describeFile(f, { summaryThreshold: 1e9 }) as Entry[];
  } finally {
    f.close();
  }
}

describe('createFromDescription: classic fixtures round-trip', () => {
  it('finds the fixtures', () => {
    expect(fixtures.length).toBeGreaterThan(5);
  });

  for (const fx of fixtures) {
    it(fx.name, () => {
      const expectedAll = fx.expected as Entry[];
      const source = writable(fullDescription(fx.path, expectedAll));
      const expected = writable(expectedAll).desc;
      // The description records a user block's hash only: its bytes come from the fixture.
      const bytes = createBytesFromDescription(source.desc, { source: `${fx.name}.json`, userblock: new Uint8Array(readFileSync(fx.path)) });

      // h5kit's own reader: no oracle needed.
      const f = open(bytes);
      let ours: Entry[];
      try {
        ours = describeFile(f) as Entry[];
      } finally {
        f.close();
      }
      // Attributes h5py could not read carry "error" instead of a value; h5kit reads them.
      expect(compare(expected, ours, { contentOnly: true, ignore: [...IGNORE, 'error'] })).toEqual([]);

      // The reference implementation reads the written file the same way.
      if (oracleRequired()) {
        const out = join(dir, fx.name);
        writeFileSync(out, bytes);
        const theirs = JSON.parse(runPython([join(FIXTURES, 'describe.py'), out]));
        expect(compare(expected, theirs, { contentOnly: true, ignore: IGNORE })).toEqual([]);
      }
    });
  }

  it('drops only what the writer cannot store (external links)', () => {
    const dropped = fixtures.flatMap((fx) => writable(fx.expected as Entry[]).dropped.map((p) => `${fx.name}:${p}`));
    expect(dropped.every((p) => /^groups\.h5:/.test(p))).toBe(true);
  });

  it('writes a user block of the recorded size; without its bytes, zeros and a warning', () => {
    const fx = fixtures.find((f) => f.name === 'userblock_512.h5')!;
    const warnings: string[] = [];
    const bytes = createBytesFromDescription(fx.expected, { warn: (m) => warnings.push(m) });
    const f = open(bytes);
    expect(f.superblock.baseAddress).toBe((fx.expected as Entry[])[0].file.userblock_size);
    f.close();
    expect(bytes.subarray(0, 512).every((b) => b === 0)).toBe(true);
    expect(warnings.some((w) => /user block is written as zeros; its sha256 differs/.test(w))).toBe(true);
  });
});

describe('createFromDescription: what it cannot build is a clear error', () => {
  const load = (name: string) => fixtures.find((f) => f.name === name)!.expected as Entry[];

  it('a reference to a path the description does not hold names both', () => {
    const desc = load('references.h5').map((e) => (e.path === '/refs' ? { ...e, attrs: e.attrs.map((a: Entry) => (a.name === 'attr_object' ? { ...a, value: '/missing' } : a)) } : e));
    expect(() => createBytesFromDescription(desc)).toThrowError(/^\/refs \(attribute "attr_object"\): object reference to \/missing, which the description does not contain/);
  });

  it('a summary-only value names the path', () => {
    expect(() => createBytesFromDescription(load('layouts.h5'), { source: 'layouts.h5.json' })).toThrowError(H5ValueError);
    expect(() => createBytesFromDescription(load('layouts.h5'), { source: 'layouts.h5.json' })).toThrowError(
      'layouts.h5.json gives only a summary for /summary_float32; regenerate with H5_SUMMARY_THRESHOLD=100000000',
    );
  });

  const ds = (extra: Entry): Entry[] => [
    { path: '/', kind: 'group', track_order: false, children: ['d'], attrs: [] },
    { path: '/d', kind: 'dataset', shape: [2], maxshape: [2], dtype: { class: 'integer', size: 2, order: 'LE', signed: true }, layout: 'chunked', chunks: [2], filters: [], values: [1, 2], attrs: [], ...extra },
  ];

  it('filters without an encoder', () => {
    const szip = ds({ filters: [{ id: 4, name: 'szip', optional: true, params: [141, 32, 16, 2] }] });
    expect(() => createBytesFromDescription(szip)).toThrowError(/^\/d: the szip filter \(4\) has no encoder/);
    const blosc = ds({ filters: [{ id: 32001, name: 'blosc', optional: true, params: [] }] });
    expect(() => createBytesFromDescription(blosc)).toThrowError(H5UnsupportedError);
    // The E-scale method of scaleoffset was never implemented by libhdf5.
    const escale = ds({ dtype: { class: 'float', size: 4, order: 'LE' }, filters: [{ id: 6, name: 'scaleoffset', optional: true, params: [1, 3] }] });
    expect(() => createBytesFromDescription(escale)).toThrowError(/E-scale/);
  });

  it('virtual datasets', () => {
    expect(() => createBytesFromDescription(ds({ layout: 'other', chunks: null }))).toThrowError(/^\/d: layout "other" \(a virtual dataset\) cannot be created/);
  });

  it('the CLI exits 1 with the message and writes nothing', () => {
    const out = join(dir, 'summary.h5');
    const json = join(FIXTURES, 'classic', 'layouts.h5.json');
    const r = spawnSync(process.execPath, [cli, 'create', out, '--from-json', json], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`h5kit: H5ValueError: ${json} gives only a summary for /summary_float32; regenerate with H5_SUMMARY_THRESHOLD=100000000\n`);
    expect(existsSync(out)).toBe(false);
  });

  it('the CLI prints usage for bad arguments', () => {
    expect(spawnSync(process.execPath, [cli, 'create', join(dir, 'x.h5')], { encoding: 'utf8' }).status).toBe(2);
    expect(spawnSync(process.execPath, [cli, 'create', join(dir, 'x.h5'), '--from-json', 'd.json', '--libver', 'v9'], { encoding: 'utf8' }).status).toBe(2);
  });
});

describe('createFromDescription: values the writer takes only through a workaround', () => {
  const build = (entries: Entry[]) => {
    const f = open(createBytesFromDescription(entries));
    try {
      return describeFile(f) as Entry[];
    } finally {
      f.close();
    }
  };

  it('opaque and non-UTF-8 fixed-string elements, "/" in attribute names, zero-size leading dimensions', () => {
    const opaque = { class: 'opaque', size: 3, tag: 't' };
    const fixed = { class: 'string', size: 4, padding: 'nullpad', charset: 'ascii' };
    const desc: Entry[] = [
      {
        path: '/', kind: 'group', track_order: false, children: ['o', 's'], attrs: [
          { name: 'a/b', shape: [2, 2], dtype: opaque, value: [['010203', '000000'], ['ff00ff', '7a7a7a']] },
          { name: 'empty', shape: [0, 3], dtype: { class: 'integer', size: 4, order: 'LE', signed: true }, value: [] },
          { name: 'raw', shape: [], dtype: fixed, value: 'ff61' },
        ],
      },
      { path: '/o', kind: 'dataset', shape: [2, 1], maxshape: [2, 1], dtype: opaque, layout: 'contiguous', chunks: null, filters: [], fillvalue: '000000', values: [['616263'], ['000102']], attrs: [] },
      { path: '/s', kind: 'dataset', shape: [3], maxshape: [null], dtype: fixed, layout: 'chunked', chunks: [2], filters: [{ id: 2, name: 'shuffle', optional: true, params: [4] }, { id: 1, name: 'deflate', optional: true, params: [6] }], fillvalue: '', values: ['c3', '61', 'e697a5'], attrs: [] },
    ];
    expect(compare(desc, build(desc))).toEqual([]);
  });

  it('compound offsets and size are honoured, with variable-length members at their file size', () => {
    const desc: Entry[] = [
      { path: '/', kind: 'group', track_order: false, children: ['c'], attrs: [] },
      {
        path: '/c', kind: 'dataset', shape: [2], maxshape: [2], layout: 'compact', chunks: null, filters: [], attrs: [],
        // As libhdf5 reports it: the vlen string a char* of 8 bytes, the int after a 4-byte gap.
        dtype: { class: 'compound', size: 24, members: [
          { name: 's', offset: 0, type: { class: 'string', variable: true, charset: 'utf8' } },
          { name: 'x', offset: 12, type: { class: 'integer', size: 8, order: 'BE', signed: false } },
        ] },
        values: [{ s: 'é', x: '18446744073709551615' }, { s: '', x: '0' }],
      },
    ];
    expect(compare(desc, build(desc))).toEqual([]);
  });

  it('nbit and scaleoffset filters are rebuilt with the client data libhdf5 stored', () => {
    const i12 = { class: 'integer', size: 2, order: 'BE', signed: true, precision: 12, bit_offset: 3 };
    const nbitParams = [8, 0, 4, 1, 2, 1, 12, 3];
    const so = (fill: unknown, params: number[]) => ({ path: '/s', kind: 'dataset', shape: [6], maxshape: [6], dtype: { class: 'integer', size: 4, order: 'LE', signed: true }, layout: 'chunked', chunks: [4], filters: [{ id: 6, name: 'scaleoffset', optional: true, params }], fillvalue: fill, values: [5, -3, 900, 7, 5, 5], attrs: [] });
    const soDefined = [2, 0, 4, 0, 4, 1, 0, 1, 5, ...Array(11).fill(0)];
    const soUndefined = [2, 0, 4, 0, 4, 1, 0, 0, ...Array(12).fill(0)];
    for (const [fill, params] of [[5, soDefined], [null, soUndefined]] as const) {
      const desc: Entry[] = [
        { path: '/', kind: 'group', track_order: false, children: ['n', 's'], attrs: [] },
        { path: '/n', kind: 'dataset', shape: [5], maxshape: [5], dtype: i12, layout: 'chunked', chunks: [4], filters: [{ id: 5, name: 'nbit', optional: true, params: nbitParams }], fillvalue: 0, values: [-2048, 2047, 0, 1, -1], attrs: [] },
        so(fill, params),
      ];
      const built = build(desc);
      expect(compare(desc, built)).toEqual([]);
      expect(built.find((e) => e.path === '/n')!.filters).toEqual(desc[1].filters);
      expect(built.find((e) => e.path === '/s')!.filters).toEqual(desc[2].filters);
    }
  });

  it('an undefined fill value stays undefined', () => {
    const desc: Entry[] = [
      { path: '/', kind: 'group', track_order: false, children: ['u'], attrs: [] },
      { path: '/u', kind: 'dataset', shape: [2], maxshape: [2], dtype: { class: 'float', size: 2, order: 'BE' }, layout: 'contiguous', chunks: null, filters: [], fillvalue: null, values: ['-0.0', 'NaN'], attrs: [] },
    ];
    expect(compare(desc, build(desc))).toEqual([]);
  });
});
