/**
 * The modern-format fixtures (tests/fixtures/gen_modern.py, written by
 * libhdf5 through h5py with libver "latest") must describe exactly as h5py
 * describes them: dense groups and attributes (fractal heap + v2 B-trees),
 * every layout-v4 chunk index, shared object header messages.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeType } from '../../src/dump/describe.js';
import { describeFile, MemorySource, open, type Datatype } from '../../src/index.js';
import { compare } from '../helpers/compare.js';
import { sharedMessageIndexRecords } from '../../src/format/sohm.js';
import type { SharedMessages } from '../../src/model/shared-messages.js';

const dir = fileURLToPath(new URL('../fixtures/modern/', import.meta.url));
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.h5') && existsSync(join(dir, f + '.json'))) : [];

/** gen_modern.py summarises numeric data above 1000 elements in these files, above 100000 elsewhere. */
const SUMMARISED = new Set(['attributes.h5', 'layouts.h5', 'chunk_indexes.h5']);

function describeFixture(name: string) {
  const file = open(new Uint8Array(readFileSync(join(dir, name))), {
    openExternal: (n) => new MemorySource(new Uint8Array(readFileSync(join(dir, n)))),
  });
  return describeFile(file, { summaryThreshold: SUMMARISED.has(name) ? 1000 : 100000 });
}

describe.skipIf(files.length === 0)('modern fixtures match h5py', () => {
  for (const name of files) {
    it(name, () => {
      const expected = JSON.parse(readFileSync(join(dir, name + '.json'), 'utf8'));
      const diffs = compare(expected, describeFixture(name));
      expect(diffs, diffs.join('\n')).toEqual([]);
    });
  }
});

describe.skipIf(!files.includes('chunk_indexes.h5'))('chunk indexes', () => {
  it('reads partial selections through every index type', () => {
    const f = open(new Uint8Array(readFileSync(join(dir, "chunk_indexes.h5"))));
    const expected = JSON.parse(readFileSync(join(dir, 'chunk_indexes.h5.json'), 'utf8')) as { path: string; values?: unknown }[];
    const full = new Map(expected.map((e) => [e.path, e.values]));
    let checked = 0;
    for (const name of ['implicit', 'fixed_array', 'fixed_array_gzip', 'extensible_array_2d', 'btree_v2_gzip', 'btree_v2_sparse']) {
      const ds = f.get(name) as unknown as { read(sel?: unknown): unknown; shape: number[] };
      const all = full.get('/' + name) as unknown[][] | undefined;
      if (!Array.isArray(all)) continue;
      // A strided 2-D window: exercises findChunks with a box that is not the whole grid.
      const rows = [1, Math.min(all.length, 9), 3] as const;
      const part = ds.read([[rows[0], rows[1], rows[2]], [1, 4]]) as ArrayLike<number> | number[][];
      const want: unknown[] = [];
      for (let i = rows[0]; i < rows[1]; i += rows[2]) for (let j = 1; j < 4; j++) want.push(all[i][j]);
      const got = Array.isArray(part) ? (part as unknown[][]).flat() : Array.from(part as ArrayLike<number>);
      expect(got.map(Number), name).toEqual(want.map(Number));
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(4);
  });
});

describe.skipIf(!files.includes('sohm.h5'))('shared object header messages', () => {
  for (const name of ['sohm.h5', 'sohm_btree.h5']) {
    it(`${name}: datatypes and dataspaces come from the SOHM heap`, () => {
      const f = open(new Uint8Array(readFileSync(join(dir, name))));
      const store = f.sharedMessages as unknown as { indexes: { indexType: string; messageTypeFlags: number }[] };
      expect(store).toBeDefined();
      expect(store.indexes.length).toBe(1);
      expect(store.indexes[0].indexType).toBe(name === 'sohm.h5' ? 'list' : 'btree');
      const expected = JSON.parse(readFileSync(join(dir, name + '.json'), 'utf8')) as { path: string; dtype?: unknown; shape?: unknown; value?: unknown }[];
      for (const e of expected.filter((x) => x.path.startsWith('/table_') || x.path.startsWith('/grid/'))) {
        const ds = f.get(e.path) as unknown as { shape: number[]; dtype: Datatype; read(): unknown };
        expect(compare([{ path: e.path, dtype: e.dtype, shape: e.shape }], [{ path: e.path, dtype: describeType(ds.dtype), shape: ds.shape }])).toEqual([]);
      }
    });

    it(`${name}: the index (${name === 'sohm.h5' ? 'SMLI list' : 'type 7 v2 B-tree'}) lists every shared message`, () => {
      const f = open(new Uint8Array(readFileSync(join(dir, name))));
      const store = f.sharedMessages as SharedMessages;
      const index = store.indexes[0];
      const records = sharedMessageIndexRecords(f.context, index);
      expect(records.length).toBe(index.messageCount);
      expect(records.length).toBeGreaterThan(2);
      // Messages used once stay in their object header; the index then records where.
      let inHeap = 0;
      for (const r of records) {
        if (r.location === 'heap') {
          inHeap++;
          expect(r.referenceCount).toBeGreaterThan(0);
          expect(store.read(r.heapId).length).toBeGreaterThan(0);
        } else {
          expect([1, 3, 5, 11, 12]).toContain(r.messageType);
          expect(r.objectHeaderAddress).toBeGreaterThan(0);
        }
      }
      expect(inHeap).toBeGreaterThan(2);
    });
  }
});
