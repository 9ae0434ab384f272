import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { File, H5NotFoundError, H5TypeError, H5ValueError, Reference, describeFile, open, referenceType, type Dataset, type WritableFile } from '../../src/index.js';
import { compare } from '../helpers/compare.js';
import { h5dump, oracleRequired, runPython } from '../helpers/oracle.js';

// References to objects of the file being written (spec-notes/references.md, "Writing"),
// and user blocks (spec-notes/superblock.md), in both format families.
const dir = mkdtempSync(join(tmpdir(), 'h5kit-refs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const DESCRIBE = join(__dirname, '..', 'fixtures', 'describe.py');
type Entry = Record<string, any>;
const FAMILIES = ['earliest', 'latest'] as const;

/** A file whose references are written before their targets exist, in every place a reference can be stored. */
function referencing(libver: 'earliest' | 'latest', userblock?: number): WritableFile {
  const f = File.create(undefined, { libver, userblock, userblockContent: userblock ? new TextEncoder().encode('MATLAB 7.3 MAT-file') : undefined });
  const table = f.createDataset('refs', { shape: [4], dtype: referenceType(), chunks: [2], compression: 'gzip', shuffle: true });
  table.write(['/a/b', '/a'], [[0, 2]]);
  const a = f.createGroup('a');
  const b = a.createDataset('b', { data: Float64Array.from({ length: 12 }, (_, i) => i), shape: [3, 4] });
  table.write([b, f], [[2, 4]]);
  f.createDataset('region', { data: [{ target: b, selection: { type: 'hyperslab', blocks: [[[1, 1], [2, 2]]] } }], dtype: referenceType('region') });
  a.attrs.set('me', a, referenceType());
  b.attrs.set('cells', [[b, '/a'], [null, '/']], referenceType());
  return f;
}

describe('references to objects of the file being written', () => {
  for (const libver of FAMILIES) {
    it(`resolve to their targets when read back by h5kit (${libver})`, () => {
      const d = describeFile(open(referencing(libver).toBytes())) as Entry[];
      const get = (p: string) => d.find((e) => e.path === p)!;
      expect(get('/refs').values).toEqual(['/a/b', '/a', '/a/b', '/']);
      expect(get('/region').values).toEqual([{ target: '/a/b', selection: { type: 'hyperslab', blocks: [[[1, 1], [2, 2]]] } }]);
      expect(get('/a').attrs[0].value).toBe('/a');
      expect(get('/a/b').attrs[0].value).toEqual([['/a/b', '/a'], [null, '/']]);
    });

    it(`keep the same input giving the same bytes (${libver})`, () => {
      expect(Buffer.from(referencing(libver).toBytes()).equals(Buffer.from(referencing(libver).toBytes()))).toBe(true);
    });
  }

  for (const libver of FAMILIES) {
    it(`are stored by an edit at commit, chunked and compressed (${libver})`, () => {
      const w = File.create(undefined, { libver });
      w.createGroup('a').createDataset('b', { data: [1, 2] });
      const bytes = w.toBytes();
      const b = open(bytes).get('/a/b') as Dataset;
      const f = File.edit(bytes);
      f.createDataset('added', { data: [new Reference(b.address), null, new Reference(b.address)], dtype: referenceType(), chunks: [2], compression: 'gzip' });
      const d = describeFile(open(f.toBytes())) as Entry[];
      expect(d.find((e) => e.path === '/added')!.values).toEqual(['/a/b', null, '/a/b']);
    });
  }

  it('refuse targets that cannot be resolved, with typed errors', () => {
    const f = File.create();
    const other = File.create().createGroup('x');
    expect(() => f.createDataset('a', { data: [other], dtype: referenceType() })).toThrowError(H5ValueError);
    expect(() => f.createDataset('b', { data: ['relative/path'], dtype: referenceType() })).toThrowError(H5ValueError);
    expect(() => f.createDataset('c', { data: [42], dtype: referenceType() })).toThrowError(H5TypeError);
    expect(() => f.attrs.set('d', [{ x: 1 }], referenceType())).toThrowError(H5TypeError);
    expect(() => f.createDataset('e', { data: [{ target: '/', selection: { type: 'all' } }], dtype: referenceType('region'), fillValue: null })).not.toThrow();
    f.createDataset('dangling', { data: ['/nowhere'], dtype: referenceType() });
    expect(() => f.close()).toThrowError(H5NotFoundError);
  });
});

describe('user blocks', () => {
  it('refuse sizes libhdf5 refuses', () => {
    for (const userblock of [100, 511, 768, -512]) expect(() => File.create(undefined, { userblock })).toThrowError(H5ValueError);
    expect(() => File.create(undefined, { userblock: 512, userblockContent: new Uint8Array(513) })).toThrowError(H5ValueError);
  });

  for (const libver of FAMILIES) {
    it(`put the superblock after the user block; h5kit reads it back (${libver})`, () => {
      const bytes = referencing(libver, 1024).toBytes();
      expect(new TextDecoder().decode(bytes.subarray(0, 19))).toBe('MATLAB 7.3 MAT-file');
      expect(bytes.subarray(19, 1024).every((x) => x === 0)).toBe(true);
      const r = open(bytes);
      expect(r.superblock.baseAddress).toBe(1024);
      expect(Array.from((r.get('/a/b') as Dataset).read() as Float64Array)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    });
  }
});

describe.runIf(oracleRequired())('references and user blocks h5kit writes, read by libhdf5', () => {
  for (const libver of FAMILIES) {
    for (const userblock of [undefined, 512, 4096]) {
      it(`${libver}, user block ${userblock ?? 0}`, () => {
        const bytes = referencing(libver, userblock).toBytes();
        const path = join(dir, `refs-${libver}-${userblock ?? 0}.h5`);
        writeFileSync(path, bytes);
        const dump = h5dump([path]);
        expect(dump.status, dump.stderr).toBe(0);
        const h5py = JSON.parse(runPython([DESCRIBE, '--threshold', '100000', path])) as Entry[];
        expect(compare(h5py, describeFile(open(bytes)))).toEqual([]);
        expect(h5py[0].file.userblock_size).toBe(userblock ?? 0);
        // libhdf5 dereferences the region and reads the selected elements.
        const sel = runPython(['-c', `import h5py, json; f = h5py.File(${JSON.stringify(path)}, 'r'); r = f['region'][0]; print(json.dumps(f[r][r].ravel().tolist()))`]);
        const box = (open(bytes).get('/a/b') as Dataset).read([[1, 3], [1, 3]]) as Float64Array;
        expect(JSON.parse(sel)).toEqual(Array.from(box));
      });
    }
  }
});
