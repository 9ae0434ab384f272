import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  File,
  H5KeyExistsError,
  H5TypeError,
  H5ValueError,
  describeFile,
  open,
  type Dataset,
  type WritableFile,
} from '../../src/index.js';
import { compare } from '../helpers/compare.js';
import { h5dump, oracleRequired, runPython } from '../helpers/oracle.js';
import { writeSample } from '../helpers/sample-file.js';

// Files written by h5kit must open in h5dump without error and read in h5py
// exactly as h5kit's own reader describes them; h5kit's reader is checked
// against h5py separately (h5py-read.test.ts, fixture tests).
const dir = mkdtempSync(join(tmpdir(), 'h5kit-write-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const DESCRIBE = join(__dirname, '..', 'fixtures', 'describe.py');

function checkWithOracle(name: string, bytes: Uint8Array): void {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  const dump = h5dump([path]);
  expect(dump.status, dump.stderr).toBe(0);
  const h5py = JSON.parse(runPython([DESCRIBE, '--threshold', '100000', path]));
  const ours = describeFile(open(bytes), { summaryThreshold: 100000 });
  expect(compare(h5py, ours)).toEqual([]);
}

function sample(): WritableFile {
  const f = File.create();
  writeSample(f);
  return f;
}

describe.runIf(oracleRequired())('files h5kit writes (classic format) read back in libhdf5', () => {
  it('a sample of every feature', () => {
    checkWithOracle('sample.h5', sample().toBytes());
  });

  it('values read back equal what was written', () => {
    const r = open(sample().toBytes());
    expect(Array.from((r.get('/data/raw/matrix') as Dataset).read() as Float64Array)).toEqual(Array.from({ length: 12 }, (_, i) => i / 3));
    expect((r.get('/strings') as Dataset).read()).toEqual(['alpha', 'βeta', '']);
    expect(Array.from((r.get('/growing') as Dataset).read() as BigInt64Array)).toEqual(Array.from({ length: 50 }, (_, i) => BigInt(i * i)));
    const ch = (r.get('/chunked') as Dataset).read([[4, 7], [2, 5]]) as Float32Array;
    expect(Array.from(ch)).toEqual([-1, -1, -1, -1, 0, 1, -1, 10, 11]);
    expect(r.attrs.get('title')).toBe('written by h5kit');
  });

  it('is deterministic: the same input gives the same bytes', () => {
    expect(Buffer.from(sample().toBytes()).equals(Buffer.from(sample().toBytes()))).toBe(true);
  });

  for (let seed = 1; seed <= 8; seed++) {
    it(`random datasets, seed ${seed}`, () => {
      let s = seed * 7919;
      const rnd = (n: number) => ((s = (s * 1103515245 + 12345) >>> 0) % n);
      const f = File.create();
      const types = ['<i1', '<u1', '>i2', '<u2', '<i4', '>u4', '<i8', '<f4', '>f8', '<f2'];
      for (let i = 0; i < 6; i++) {
        const dtype = types[rnd(types.length)];
        const rank = 1 + rnd(3);
        const shape = Array.from({ length: rank }, () => 1 + rnd(9));
        const n = shape.reduce((a, b) => a * b, 1);
        const big = dtype.endsWith('i8');
        const data = big ? BigInt64Array.from({ length: n }, () => BigInt(rnd(1 << 30)) - (1n << 29n)) : Array.from({ length: n }, () => (dtype.includes('f') ? rnd(2000) / 8 - 100 : rnd(100)));
        const chunked = rnd(2) === 1;
        f.createDataset(`d${i}`, {
          data,
          shape,
          dtype,
          ...(chunked ? { chunks: shape.map((d) => 1 + rnd(d)), compression: rnd(2) ? 'gzip' : false, shuffle: rnd(2) === 1 } : {}),
        } as never);
      }
      checkWithOracle(`random-${seed}.h5`, f.toBytes());
    });
  }
});

describe.runIf(oracleRequired())('groups a symbol table cannot be, in the classic family', () => {
  it('are new-style groups in version 1 headers (version 2 when tracking attribute order), as libhdf5 writes them', () => {
    const path = join(dir, 'new-style.h5');
    writeFileSync(path, sample().toBytes());
    const d = JSON.parse(runPython([DESCRIBE, path])) as Record<string, any>[];
    const info = (p: string) => d.find((e) => e.path === p)!.info;
    expect(info('/').link_storage).toBe('symbol_table');
    expect(info('/ordered')).toMatchObject({ object_header_version: 2, link_storage: 'compact' });
    expect(info('/external')).toMatchObject({ object_header_version: 1, link_storage: 'compact' });
    expect(info('/external_many')).toMatchObject({ object_header_version: 1, link_storage: 'dense' });
    expect(info('/external/near').link_storage).toBe('symbol_table');
  });

  it('a root tracking creation order: superblock 0 caches nothing in its entry', () => {
    const f = File.create(undefined, { trackOrder: true });
    for (const name of ['b', 'a', 'c']) f.createGroup(name);
    checkWithOracle('root-ordered.h5', f.toBytes());
    const path = join(dir, 'root-ordered.h5');
    const d = JSON.parse(runPython([DESCRIBE, path])) as Record<string, any>[];
    expect(d[0]).toMatchObject({ track_order: true, file: { superblock_version: 0 } });
    expect(d[0].children).toEqual(['b', 'a', 'c']);
  });
});

describe('bad input is refused before anything is written', () => {
  it('names, shapes, types and clashes', () => {
    const f = File.create();
    f.createDataset('a', { data: [1, 2, 3] });
    expect(() => f.createDataset('a', { data: [1] })).toThrow(H5KeyExistsError);
    expect(() => f.createGroup('')).toThrow(H5ValueError);
    expect(() => f.createDataset('b', { data: [1, 2, 3], shape: [2, 2] })).toThrow(H5ValueError);
    expect(() => f.createDataset('c', { data: [300], dtype: 'u1' })).toThrow(H5TypeError);
    expect(() => f.createDataset('d', { data: [1], dtype: 'x9' })).toThrow(H5TypeError);
    expect(() => f.attrs.set('bad\0name', 1)).toThrow(H5ValueError);
    expect(f.keys()).toEqual(['a']);
  });
});
