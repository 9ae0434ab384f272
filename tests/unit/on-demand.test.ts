// 'h5kit/read' keeps the readers of rare structures out of its bundle
// (src/on-demand/). This file imports only what that entry exports, so
// nothing is provided up front: a synchronous open() must stop at each such
// structure with H5NotLoadedError, openAsync() must load the readers by
// itself, and after loadReaders() a synchronous open() must read the files
// value for value with h5py. The tests run in order and share that state.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeFile } from '../../src/dump/describe.js';
import { Dataset, getFilter, H5NotLoadedError, H5UnsupportedError, loadReaders, open, openAsync, type File } from '../../src/read.js';
import { compare } from '../helpers/compare.js';
import { FIXTURES } from '../helpers/fixtures.js';
import { oracleRequired, runPython } from '../helpers/oracle.js';

const bytesOf = (rel: string): Uint8Array<ArrayBuffer> => new Uint8Array(readFileSync(join(FIXTURES, rel)));
const read = (f: File, path: string) => (f.get(path) as Dataset).read();

// Made by h5py at test time with the default format bounds (so v1 B-tree
// chunk indexes, which the entry always reads): LZF and scale-offset (h5py
// cannot write n-bit; the registry test below covers it), and a virtual dataset (rows of /src in reverse order). h5py prints the values.
const tmp = mkdtempSync(join(tmpdir(), 'h5kit-on-demand-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const SCRIPT = `
import h5py, json, numpy as np, sys
with h5py.File(sys.argv[1], 'w') as f:
    f['src'] = np.arange(12, dtype='<i4').reshape(3, 4)
    layout = h5py.VirtualLayout(shape=(3, 4), dtype='<i4')
    src = h5py.VirtualSource('.', 'src', shape=(3, 4))
    for i in range(3):
        layout[i] = src[2 - i]
    f.create_virtual_dataset('vds', layout)
    f.create_dataset('lzf', data=np.repeat(np.arange(5, dtype='<f4'), 100), chunks=(100,), compression='lzf')
    f.create_dataset('scaleoffset', data=np.arange(500, dtype='<i4') * 3 - 700, chunks=(100,), scaleoffset=0)
with h5py.File(sys.argv[1], 'r') as f:
    print(json.dumps({k: f[k][()].tolist() for k in ('src', 'vds', 'lzf', 'scaleoffset')}))
`;
let made: { bytes: Uint8Array<ArrayBuffer>; expected: Record<string, unknown[]> } | undefined;
function h5pyFile() {
  if (!made) {
    const path = join(tmp, 'on-demand.h5');
    const expected = JSON.parse(runPython(['-c', SCRIPT, path])) as Record<string, unknown[]>;
    made = { bytes: new Uint8Array(readFileSync(path)) as Uint8Array<ArrayBuffer>, expected };
  }
  return made;
}
const flat = (v: unknown) => Array.from((ArrayBuffer.isView(v) ? v : (v as { data: ArrayLike<number> }).data) as ArrayLike<number>);

// Each on-demand module, a structure of a committed fixture that needs it.
const NEEDS: { module: H5NotLoadedError['module']; file: string; path: string }[] = [
  { module: 'chunkArrays', file: 'modern/chunk_indexes.h5', path: '/fixed_array' },
  { module: 'chunkArrays', file: 'modern/chunk_indexes.h5', path: '/extensible_array' },
  { module: 'regionReferences', file: 'classic/references.h5', path: '/refs/region' },
  { module: 'sharedMessages', file: 'modern/sohm.h5', path: '/table_0' },
];
// ... and in the file h5py makes.
const H5PY_NEEDS = [
  { module: 'virtual', path: '/vds' },
  { module: 'lzf', path: '/lzf' },
  { module: 'scaleoffset', path: '/scaleoffset' },
] as const;

function notLoaded(op: () => unknown): H5NotLoadedError {
  try {
    op();
  } catch (e) {
    expect(e).toBeInstanceOf(H5NotLoadedError);
    expect(e).toBeInstanceOf(H5UnsupportedError);
    expect((e as Error).message).toMatch(/loadReaders\(\)/);
    return e as H5NotLoadedError;
  }
  throw new Error('no error');
}

describe("'h5kit/read' before its on-demand readers are loaded", () => {
  for (const n of NEEDS) {
    it(`${n.file} ${n.path} stops with H5NotLoadedError('${n.module}')`, () => {
      expect(notLoaded(() => read(open(bytesOf(n.file)), n.path)).module).toBe(n.module);
    });
  }

  for (const n of H5PY_NEEDS) {
    it.runIf(oracleRequired())(`h5py's ${n.path} stops with H5NotLoadedError('${n.module}')`, () => {
      const f = open(h5pyFile().bytes);
      expect(notLoaded(() => read(f, n.path)).module).toBe(n.module);
      expect(flat(read(f, '/src'))).toEqual(h5pyFile().expected.src.flat());
    });
  }

  it('the n-bit, scale-offset and LZF decoders are not registered yet', () => {
    for (const id of [5, 6, 32000]) expect(getFilter(id)).toBeUndefined();
  });

  it('what the entry reads by itself is unaffected in the same files', () => {
    const chunks = open(bytesOf('modern/chunk_indexes.h5'));
    for (const p of ['/btree_v2', '/implicit', '/single_chunk']) expect(read(chunks, p)).toBeDefined();
    expect(read(open(bytesOf('classic/filters.h5')), '/shuffle_gzip_fletcher32')).toBeDefined();
  });
});

describe('openAsync() loads the readers a file turns out to need', () => {
  it.runIf(oracleRequired())('a virtual dataset and the rare filters, value for value with h5py', async () => {
    const { bytes, expected } = h5pyFile();
    const af = await openAsync(new Blob([bytes]));
    for (const n of H5PY_NEEDS) expect(flat(await af.read(n.path)), n.path).toEqual(expected[n.path.slice(1)].flat());
  });

  it('reads a fixed array chunk index through a Blob without loadReaders()', async () => {
    const bytes = bytesOf('modern/chunk_indexes.h5');
    const af = await openAsync(new Blob([bytes]));
    const value = await af.read('/fixed_array');
    // The same read, now synchronous: openAsync has provided the readers for everyone.
    expect(value).toEqual(read(open(bytes), '/fixed_array'));
  });
});

describe('after loadReaders(), a synchronous open() reads them all', () => {
  for (const name of ['modern/chunk_indexes.h5', 'modern/filters.h5', 'classic/references.h5', 'modern/sohm.h5', 'modern/sohm_btree.h5']) {
    it(`${name} matches h5py`, async () => {
      await loadReaders();
      for (const id of [5, 6, 32000]) expect(getFilter(id)?.id).toBe(id);
      const expected = JSON.parse(readFileSync(join(FIXTURES, name + '.json'), 'utf8'));
      const diffs = compare(expected, describeFile(open(bytesOf(name)), { summaryThreshold: name.endsWith('chunk_indexes.h5') ? 1000 : 100000 }));
      expect(diffs, diffs.join('\n')).toEqual([]);
    });
  }
});
