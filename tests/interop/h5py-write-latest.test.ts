import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  File,
  H5ValueError,
  describeFile,
  open,
  type Dataset,
  type WritableFile,
  type WritableNamedType,
} from '../../src/index.js';
import { compare } from '../helpers/compare.js';
import { h5dump, oracleRequired, runPython } from '../helpers/oracle.js';
import { writeSample } from '../helpers/sample-file.js';

// Files written with libver 'latest' (superblock 3, object header 2, dense
// links and attributes, the v4 chunk indexes) must open in h5dump without
// error and read in h5py exactly as h5kit's own reader describes them.
const dir = mkdtempSync(join(tmpdir(), 'h5kit-write-latest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const DESCRIBE = join(__dirname, '..', 'fixtures', 'describe.py');

type Entry = { path: string; info?: Record<string, unknown>; children?: string[] };

/** h5dump accepts the file; h5py's description equals ours. Returns h5py's description. */
function checkWithOracle(name: string, bytes: Uint8Array): Entry[] {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return checkPath(path);
}

function checkPath(path: string): Entry[] {
  const dump = h5dump([path]);
  expect(dump.status, dump.stderr).toBe(0);
  const h5py = JSON.parse(runPython([DESCRIBE, '--threshold', '100000', path])) as Entry[];
  const ours = describeFile(open(new Uint8Array(readFileSync(path))), { summaryThreshold: 100000 });
  expect(compare(h5py as never, ours)).toEqual([]);
  return h5py;
}

function info(entries: Entry[], path: string): Record<string, unknown> {
  const e = entries.find((x) => x.path === path);
  if (!e) throw new Error(`no entry ${path}`);
  return e.info ?? {};
}

const latest = () => File.create(undefined, { libver: 'latest' });

/** The classic sample (tests/interop/h5py-write.test.ts) plus what only the latest format holds. */
function sample(): WritableFile {
  const f = latest();
  const g = writeSample(f);
  const t = f.get('types/point') as WritableNamedType;
  f.createDataset('points2', { data: [{ x: 3, y: 4 }], committedType: t });
  f.externalLink('elsewhere', 'other.h5', '/some/object');

  // Dense links: 20 and 1500 links, names inserted out of name order, with and without creation order.
  for (const [name, n, track] of [['links20', 20, false], ['links20_ordered', 20, true], ['links1500', 1500, false], ['links1500_ordered', 1500, true]] as const) {
    const lg = f.createGroup(name, { trackOrder: track });
    for (let i = 0; i < n; i++) {
      const k = (i * 7919) % n;
      if (i % 3 === 0) lg.softLink(`s${k}`, `/target/${k}`);
      else if (i % 3 === 1) lg.hardLink(`h${k}`, g);
      else lg.externalLink(`é${k}`, 'other.h5', `/x/${k}`);
    }
  }
  const small = f.createGroup('compact_ordered', { trackOrder: true });
  for (const name of ['zeta', 'alpha', 'mu']) small.createGroup(name);
  small.attrs.set('z', 1);
  small.attrs.set('a', 2);

  // Dense attributes: 30 on a dataset (name order), 30 on a group tracking creation order, one of 100 KiB.
  const a30 = f.createDataset('attrs30', { data: 1 });
  for (let i = 0; i < 30; i++) a30.attrs.set(`attr${(i * 17) % 30}`, i % 2 ? i : `value ${i}`);
  const o30 = f.createGroup('attrs30_ordered', { trackOrder: true });
  for (let i = 0; i < 30; i++) o30.attrs.set(`attr${(i * 17) % 30}`, new Float64Array([i, -i]));
  const big = f.createDataset('big_attr', { data: 2 });
  big.attrs.set('big', Float64Array.from({ length: 12800 }, (_, i) => i * 0.5));
  big.attrs.set('small', 'next to a huge one');

  // Every chunk index libhdf5 uses with the latest format.
  const grid = (n: number) => Int32Array.from({ length: n }, (_, i) => i * 3 - 7);
  f.createDataset('idx_single', { data: grid(100), shape: [10, 10], chunks: [10, 10] });
  f.createDataset('idx_single_gzip', { data: grid(100), shape: [10, 10], chunks: [10, 10], compression: 'gzip' });
  f.createDataset('idx_single_empty', { shape: [4, 4], chunks: [4, 4], dtype: '<i4', fillValue: 5 });
  f.createDataset('idx_fixed', { data: grid(100), shape: [10, 10], chunks: [3, 4] });
  f.createDataset('idx_fixed_max', { data: grid(20), shape: [20], maxshape: [50], chunks: [6], compression: 'gzip', shuffle: true });
  const paged = f.createDataset('idx_fixed_paged', { shape: [50, 60], dtype: '<i2', chunks: [1, 2] });
  paged.write(Int16Array.from({ length: 10 * 60 }, (_, i) => i), [[0, 10], [0, 60]]);
  paged.write(Int16Array.from({ length: 60 }, (_, i) => -i), [[45, 46], [0, 60]]);
  const ea = f.createDataset('idx_ext', { shape: [3000], maxshape: [null], chunks: [1], dtype: 'i1', compression: 'gzip' });
  ea.write(Int8Array.from({ length: 3000 }, (_, i) => (i % 200) - 100));
  const ea2 = f.createDataset('idx_ext_2d', { shape: [7, 5], maxshape: [7, null], chunks: [3, 2], dtype: '<u4' });
  ea2.write(Uint32Array.from({ length: 35 }, (_, i) => i));
  const eaSparse = f.createDataset('idx_ext_sparse', { shape: [200000], maxshape: [null], chunks: [1], dtype: 'i1' });
  eaSparse.write(new Int8Array([5]), [[3, 4]]);
  eaSparse.write(new Int8Array([6]), [[140000, 140001]]);
  f.createDataset('idx_ext_empty', { shape: [10], maxshape: [null], chunks: [5], dtype: '<f8' });
  const bt = f.createDataset('idx_btree', { data: grid(100), shape: [10, 10], maxshape: [null, null], chunks: [5, 5] });
  bt.resize([30, 12]);
  bt.write(grid(24), [[28, 30], [0, 12]]);
  f.createDataset('idx_btree_gzip', { data: grid(4000), shape: [40, 100], maxshape: [null, null], chunks: [2, 3], compression: 'gzip' });
  return f;
}

describe.runIf(oracleRequired())("files h5kit writes with libver 'latest' read back in libhdf5", () => {
  it('a sample of every feature', () => {
    const h5py = checkWithOracle('sample.h5', sample().toBytes());
    expect(h5py[0]).toMatchObject({ file: { superblock_version: 3 } });
    expect(info(h5py, '/').object_header_version).toBe(2);
    for (const p of ['/links20', '/links20_ordered', '/links1500', '/links1500_ordered', '/many']) expect(info(h5py, p).link_storage, p).toBe('dense');
    expect(info(h5py, '/compact_ordered').link_storage).toBe('compact');
    expect(info(h5py, '/links1500_ordered').link_creation_order_indexed).toBe(true);
    for (const p of ['/attrs30', '/attrs30_ordered', '/big_attr']) expect(info(h5py, p).attr_storage, p).toBe('dense');
    const index: Record<string, string> = {
      '/idx_single': 'single_chunk', '/idx_single_gzip': 'single_chunk', '/idx_single_empty': 'single_chunk',
      '/idx_fixed': 'fixed_array', '/idx_fixed_max': 'fixed_array', '/idx_fixed_paged': 'fixed_array', '/chunked': 'fixed_array',
      '/idx_ext': 'extensible_array', '/idx_ext_2d': 'extensible_array', '/idx_ext_sparse': 'extensible_array', '/growing': 'extensible_array',
      '/idx_btree': 'v2_btree', '/idx_btree_gzip': 'v2_btree',
    };
    for (const [p, kind] of Object.entries(index)) expect(info(h5py, p).chunk_index, p).toBe(kind);
    for (const p of ['/compact', '/u8', '/ints']) expect(info(h5py, p).layout_message_version, p).toBe(4);
    // Tracked groups list their children in creation order.
    const ordered = h5py.find((e) => e.path === '/links20_ordered')!.children!;
    expect(ordered.slice(0, 3)).toEqual(['s0', 'h19', 'é18']);
    expect(h5py.find((e) => e.path === '/compact_ordered')!.children).toEqual(['zeta', 'alpha', 'mu']);
  });

  it('values read back equal what was written', () => {
    const r = open(sample().toBytes());
    expect(Array.from((r.get('/data/raw/matrix') as Dataset).read() as Float64Array)).toEqual(Array.from({ length: 12 }, (_, i) => i / 3));
    expect(Array.from((r.get('/growing') as Dataset).read() as BigInt64Array)).toEqual(Array.from({ length: 50 }, (_, i) => BigInt(i * i)));
    const ch = (r.get('/chunked') as Dataset).read([[4, 7], [2, 5]]) as Float32Array;
    expect(Array.from(ch)).toEqual([-1, -1, -1, -1, 0, 1, -1, 10, 11]);
    const big = (r.get('/big_attr') as Dataset).attrs.get('big') as Float64Array;
    expect(big.length).toBe(12800);
    expect(big[12799]).toBe(6399.5);
    expect((r.get('/attrs30') as Dataset).attrs.get('attr4')).toBe('value 2'); // i = 2: (2 × 17) mod 30 = 4
    expect(Array.from((r.get('/idx_ext_sparse') as Dataset).read([[139999, 140002]]) as Int8Array)).toEqual([0, 6, 0]);
    expect(Array.from((r.get('/idx_single_empty') as Dataset).read() as Int32Array)).toEqual(new Array(16).fill(5));
  });

  it('is deterministic: the same input gives the same bytes', () => {
    expect(Buffer.from(sample().toBytes()).equals(Buffer.from(sample().toBytes()))).toBe(true);
  });

  it('libhdf5 can go on modifying the file (dense links, dense attributes, chunk indexes)', () => {
    const path = join(dir, 'modified.h5');
    writeFileSync(path, sample().toBytes());
    runPython(
      ['-c', [
        'import sys, h5py, numpy as np',
        "with h5py.File(sys.argv[1], 'a') as f:",
        "    g = f['links1500_ordered']",
        "    for name in list(g)[::4]: del g[name]",
        "    for i in range(40): g['new%d' % i] = h5py.SoftLink('/x')",
        "    g2 = f['links20']",
        "    for name in list(g2)[:15]: del g2[name]",
        "    a = f['attrs30'].attrs",
        "    for i in range(0, 30, 2): del a['attr%d' % i]",
        "    a['added'] = np.arange(5000)",
        "    del f['big_attr'].attrs['big']",
        "    f['attrs30_ordered'].attrs['last'] = 1",
        "    f['idx_ext'].resize((5000,)); f['idx_ext'][2990:] = 1",
        "    f['idx_btree'].resize((40, 40)); f['idx_btree'][35:, 35:] = 9",
        "    f['idx_fixed_paged'][20] = 3",
        "    f['many'].create_group('after')",
      ].join('\n'), path],
    );
    const h5py = checkPath(path);
    expect(h5py.find((e) => e.path === '/links1500_ordered')!.children!.slice(-1)).toEqual(['new39']);
    // 5 links left, below min_dense (6): libhdf5 moved them back into the header.
    expect(info(h5py, '/links20').link_storage).toBe('compact');
  });

  for (let seed = 1; seed <= 6; seed++) {
    it(`random datasets, seed ${seed}`, () => {
      let s = seed * 7919;
      const rnd = (n: number) => ((s = (s * 1103515245 + 12345) >>> 0) % n);
      const f = latest();
      const types = ['<i1', '<u1', '>i2', '<u2', '<i4', '>u4', '<i8', '<f4', '>f8', '<f2'];
      for (let i = 0; i < 8; i++) {
        const dtype = types[rnd(types.length)];
        const rank = 1 + rnd(3);
        const shape = Array.from({ length: rank }, () => 1 + rnd(9));
        const n = shape.reduce((a, b) => a * b, 1);
        const big = dtype.endsWith('i8');
        const data = big ? BigInt64Array.from({ length: n }, () => BigInt(rnd(1 << 30)) - (1n << 29n)) : Array.from({ length: n }, () => (dtype.includes('f') ? rnd(2000) / 8 - 100 : rnd(100)));
        const kind = rnd(4); // contiguous, fixed, one unlimited, all unlimited
        const maxshape = kind === 2 ? shape.map((d, k) => (k === rank - 1 ? null : d)) : kind === 3 ? shape.map(() => null) : undefined;
        const chunked = kind > 0;
        const ds = f.createDataset(`d${i}`, {
          data,
          shape,
          dtype,
          ...(maxshape ? { maxshape } : {}),
          ...(chunked ? { chunks: shape.map((d) => 1 + rnd(d)), compression: rnd(2) ? 'gzip' : false, shuffle: rnd(2) === 1 } : {}),
        } as never);
        for (let k = rnd(12); k > 0; k--) ds.attrs.set(`a${rnd(1000)}`, rnd(1000));
      }
      checkWithOracle(`random-${seed}.h5`, f.toBytes());
    });
  }
});

/**
 * The fractal heap and v2 B-tree headers of an object's dense storage as
 * h5debug prints them, minus addresses: h5kit builds them at once, libhdf5
 * by inserting one object at a time, and the result must be the same. Only
 * the root node's record count may differ: h5kit fills B-tree nodes evenly
 * where libhdf5's splits leave them where insertion put them.
 */
const DENSE_SUMMARY = `
import sys, subprocess, json, h5py
path, name, kind = sys.argv[1:4]
with h5py.File(path, 'r') as f:
    addr = h5py.h5o.get_info(f[name].id).addr
def debug(*args):
    out = subprocess.run(['h5debug', path] + [str(a) for a in args], capture_output=True, text=True).stdout
    skip = ('ddress', 'Dirty', 'records in root node')
    return [l.strip() for l in out.splitlines() if ':' in l and not any(k in l for k in skip)]
hdr = subprocess.run(['h5debug', path, str(addr)], capture_output=True, text=True).stdout
found = {}
for line in hdr.splitlines():
    if kind + ' storage' in line and 'address' in line:
        key, value = line.rsplit(':', 1)
        found[key.strip()] = int(value)
heap = [v for k, v in found.items() if 'fractal heap' in k][0]
out = {'heap': debug(heap)}
for k, v in sorted(found.items()):
    if 'B-tree' in k and v != 2**64 - 1:
        out[k] = debug(v, heap)
print(json.dumps(out))
`;

function denseSummary(path: string, name: string, kind: 'link' | 'attribute'): unknown {
  return JSON.parse(runPython(['-c', DENSE_SUMMARY, path, name, kind === 'link' ? "'Dense' link" : "'Dense' attribute"]));
}

describe.runIf(oracleRequired())('dense storage is laid out as libhdf5 lays it out', () => {
  it('link heaps and name/creation-order indexes, attribute heaps with managed and huge objects', () => {
    const f = latest();
    const script = [
      'import sys, h5py, numpy as np',
      "with h5py.File(sys.argv[1], 'w', libver='latest') as f:",
    ];
    for (const [name, n, track] of [['links20', 20, false], ['links1500', 1500, true]] as const) {
      const g = f.createGroup(name, { trackOrder: track });
      script.push(`    g = f.create_group('${name}', track_order=${track ? 'True' : 'False'})`);
      for (let i = 0; i < n; i++) g.softLink(`item${i}`, `/t${i % 7}`);
      script.push(`    for i in range(${n}): g['item%d' % i] = h5py.SoftLink('/t%d' % (i % 7))`);
    }
    const d = f.createDataset('attrs', { data: 1 });
    script.push("    d = f.create_dataset('attrs', data=1)");
    for (let i = 0; i < 200; i++) d.attrs.set(`attr${i}`, Float64Array.from({ length: 380 }, (_, k) => k + i));
    script.push("    for i in range(200): d.attrs['attr%d' % i] = np.arange(380.0) + i");
    d.attrs.set('huge', new Float64Array(12800));
    script.push("    d.attrs['huge'] = np.zeros(12800)");
    const ours = join(dir, 'dense-ours.h5');
    const theirs = join(dir, 'dense-h5py.h5');
    writeFileSync(ours, f.toBytes());
    runPython(['-c', script.join('\n'), theirs]);
    for (const name of ['links20', 'links1500']) expect(denseSummary(ours, name, 'link'), name).toEqual(denseSummary(theirs, name, 'link'));
    const attrs = denseSummary(ours, 'attrs', 'attribute');
    expect(attrs).toEqual(denseSummary(theirs, 'attrs', 'attribute'));
    expect(JSON.stringify(attrs)).toContain('Current # of rows in root indirect block:       16');
    checkPath(ours);
  });

  it('a link message of 64 KiB or more makes its group dense (a header message cannot hold it), in both families', () => {
    const script = ['import sys, h5py', "with h5py.File(sys.argv[1], 'w', libver=sys.argv[2]) as f:"];
    const build = (libver: 'earliest' | 'latest') => {
      const f = File.create(undefined, { libver });
      // Classic: only a new-style group (link creation order tracked) holds link messages.
      const g = f.createGroup('long', { trackOrder: true });
      g.createGroup('short');
      g.softLink('x'.repeat(70000), '/long/short');
      return f.toBytes();
    };
    script.push("    g = f.create_group('long', track_order=True)", "    g.create_group('short')", "    g['x' * 70000] = h5py.SoftLink('/long/short')");
    for (const libver of ['earliest', 'latest'] as const) {
      const ours = join(dir, `longlink-ours-${libver}.h5`);
      const theirs = join(dir, `longlink-h5py-${libver}.h5`);
      writeFileSync(ours, build(libver));
      runPython(['-c', script.join('\n'), theirs, libver]);
      expect(denseSummary(ours, 'long', 'link'), libver).toEqual(denseSummary(theirs, 'long', 'link'));
      const d = checkPath(ours);
      expect(d.find((e) => e.path === '/long')!.info).toMatchObject({ link_storage: 'dense' });
    }
  });
});

describe("libver 'latest' writing", () => {
  it('stores attributes above 64 KiB only in the latest format', () => {
    const value = new Float64Array(10000);
    const classic = File.create();
    classic.attrs.set('big', value);
    expect(() => classic.toBytes()).toThrow(H5ValueError);
    const f = latest();
    f.attrs.set('big', value);
    expect((open(f.toBytes()).attrs.get('big') as Float64Array).length).toBe(10000);
  });

  it('keeps creation order of links and attributes when tracked', () => {
    const f = File.create(undefined, { libver: 'latest', trackOrder: true });
    const names = Array.from({ length: 40 }, (_, i) => `n${(i * 13) % 40}`);
    for (const n of names) f.createGroup(n);
    for (const n of names.slice(0, 12)) f.attrs.set(n, 1);
    const r = open(f.toBytes());
    expect(r.keys()).toEqual(names);
    expect(r.attrs.keys()).toEqual(names.slice(0, 12));
  });
});
