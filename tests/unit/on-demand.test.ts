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
import { Dataset, getFilter, type Group, H5NotLoadedError, H5UnsupportedError, loadReaders, open, openAsync, type File } from '../../src/read.js';
import { compare } from '../helpers/compare.js';
import { FIXTURES } from '../helpers/fixtures.js';
import { oracleRequired, runPython } from '../helpers/oracle.js';

const bytesOf = (rel: string): Uint8Array<ArrayBuffer> => new Uint8Array(readFileSync(join(FIXTURES, rel)));
const read = (f: File, path: string) => (f.get(path) as Dataset).read();

// Made by h5py at test time. on-demand.h5 has the default format bounds (so
// v1 B-tree chunk indexes, which the entry always reads): LZF and
// scale-offset (h5py cannot write n-bit; the registry test below covers it),
// and a virtual dataset (rows of /src in reverse order). latest.h5 is
// libver='latest' with a compact root: the layout-v4 chunk indexes, one
// index each (fixed array, extensible array, v2 B-tree), next to the
// single-chunk index the entry reads up front. h5py prints the values.
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
with h5py.File(sys.argv[2], 'w', libver='latest') as f:
    grid = np.arange(48, dtype='<i2').reshape(6, 8)
    f.create_dataset('fixed_array', data=grid, chunks=(2, 4))
    f.create_dataset('extensible_array', data=grid, chunks=(2, 4), maxshape=(None, 8))
    f.create_dataset('btree_v2', data=grid, chunks=(2, 4), maxshape=(None, None))
    f.create_dataset('single_chunk', data=grid, chunks=(6, 8))
out = {}
for path in sys.argv[1:]:
    with h5py.File(path, 'r') as f:
        out.update({k: f[k][()].tolist() for k in f if not isinstance(f[k], h5py.Group)})
print(json.dumps(out))
`;
let made: { bytes: Uint8Array<ArrayBuffer>; latest: Uint8Array<ArrayBuffer>; expected: Record<string, unknown[]> } | undefined;
function h5pyFiles() {
  if (!made) {
    const [path, latest] = [join(tmp, 'on-demand.h5'), join(tmp, 'latest.h5')];
    const expected = JSON.parse(runPython(['-c', SCRIPT, path, latest])) as Record<string, unknown[]>;
    const bytes = (p: string) => new Uint8Array(readFileSync(p)) as Uint8Array<ArrayBuffer>;
    made = { bytes: bytes(path), latest: bytes(latest), expected };
  }
  return made;
}
const flat = (v: unknown) => Array.from((ArrayBuffer.isView(v) ? v : (v as { data: ArrayLike<number> }).data) as ArrayLike<number>);

// Each on-demand module, a structure of a committed fixture that needs it,
// and what meets it: reading a dataset, listing a group or its attributes.
const keys = (f: File, path: string) => (f.get(path) as Group).keys();
const attrKeys = (f: File, path: string) => (f.get(path) as Group).attrs.keys();
const NEEDS: { module: H5NotLoadedError['module']; file: string; path: string; op: (f: File, path: string) => unknown }[] = [
  { module: 'regionReferences', file: 'classic/references.h5', path: '/refs/region', op: read },
  { module: 'sharedMessages', file: 'modern/sohm.h5', path: '/table_0', op: read },
  { module: 'denseStorage', file: 'modern/links.h5', path: '/dense', op: keys },
  { module: 'denseStorage', file: 'modern/attributes.h5', path: '/every_type', op: attrKeys },
];
// ... and in the files h5py makes.
const H5PY_NEEDS = [
  { module: 'virtual', path: '/vds', latest: false },
  { module: 'lzf', path: '/lzf', latest: false },
  { module: 'scaleoffset', path: '/scaleoffset', latest: false },
  { module: 'chunkIndexes', path: '/fixed_array', latest: true },
  { module: 'chunkIndexes', path: '/extensible_array', latest: true },
  { module: 'chunkIndexes', path: '/btree_v2', latest: true },
] as const;
const h5pyFileOf = (n: { latest: boolean }) => (n.latest ? h5pyFiles().latest : h5pyFiles().bytes);

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
      expect(notLoaded(() => n.op(open(bytesOf(n.file)), n.path)).module).toBe(n.module);
    });
  }

  for (const n of H5PY_NEEDS) {
    it.runIf(oracleRequired())(`h5py's ${n.path} stops with H5NotLoadedError('${n.module}')`, () => {
      const f = open(h5pyFileOf(n));
      expect(notLoaded(() => read(f, n.path)).module).toBe(n.module);
      // What the entry reads up front, in the same file.
      const [other, values] = n.latest ? ['/single_chunk', h5pyFiles().expected.single_chunk] : ['/src', h5pyFiles().expected.src];
      expect(flat(read(f, other))).toEqual(values.flat());
    });
  }

  it('the n-bit, scale-offset and LZF decoders are not registered yet', () => {
    for (const id of [5, 6, 32000]) expect(getFilter(id)).toBeUndefined();
  });

  it('what the entry reads by itself is unaffected in the same files', () => {
    // Compact links of new-style groups need no fractal heap.
    const expected = JSON.parse(readFileSync(join(FIXTURES, 'modern/groups.h5.json'), 'utf8')) as { path: string; children?: string[] }[];
    expect(keys(open(bytesOf('modern/groups.h5')), '/a')).toEqual(expected.find((e) => e.path === '/a')!.children);
    expect(read(open(bytesOf('classic/filters.h5')), '/shuffle_gzip_fletcher32')).toBeDefined();
  });
});

describe('openAsync() loads the readers a file turns out to need', () => {
  // First: no test before it has loaded the readers.
  it('lists dense links through a Blob in the order h5py gives', async () => {
    const expected = JSON.parse(readFileSync(join(FIXTURES, 'modern/links.h5.json'), 'utf8')) as { path: string; children?: string[] }[];
    const af = await openAsync(new Blob([bytesOf('modern/links.h5')]));
    for (const p of ['/dense', '/ordered_dense']) expect(await af.keys(p), p).toEqual(expected.find((e) => e.path === p)!.children);
  });

  it.runIf(oracleRequired())('a virtual dataset, the rare filters and the layout-v4 chunk indexes, value for value with h5py', async () => {
    const { expected } = h5pyFiles();
    for (const n of H5PY_NEEDS) {
      const af = await openAsync(new Blob([h5pyFileOf(n)]));
      expect(flat(await af.read(n.path)), n.path).toEqual(expected[n.path.slice(1)].flat());
    }
  });

  it('once openAsync has loaded them, a synchronous open() reads with them too', async () => {
    const bytes = bytesOf('modern/chunk_indexes.h5');
    const af = await openAsync(new Blob([bytes]));
    const value = await af.read('/fixed_array');
    // The same read, now synchronous: openAsync has provided the readers for everyone.
    expect(value).toEqual(read(open(bytes), '/fixed_array'));
  });
});

describe('after loadReaders(), a synchronous open() reads them all', () => {
  for (const name of ['modern/chunk_indexes.h5', 'modern/links.h5', 'modern/attributes.h5', 'modern/filters.h5', 'classic/references.h5', 'modern/sohm.h5', 'modern/sohm_btree.h5']) {
    it(`${name} matches h5py`, async () => {
      await loadReaders();
      for (const id of [5, 6, 32000]) expect(getFilter(id)?.id).toBe(id);
      const expected = JSON.parse(readFileSync(join(FIXTURES, name + '.json'), 'utf8'));
      const diffs = compare(expected, describeFile(open(bytesOf(name)), { summaryThreshold: /(chunk_indexes|attributes)\.h5$/.test(name) ? 1000 : 100000 }));
      expect(diffs, diffs.join('\n')).toEqual([]);
    });
  }
});
