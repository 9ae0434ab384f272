import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Dataset, File, describeFile, open, repack, save } from '../../src/index.js';
import { repackFile } from '../../src/node/index.js';
import { compare } from '../helpers/compare.js';
import { bundleEntry } from '../helpers/bundle.js';
import { oracleRequired, runPython } from '../helpers/oracle.js';
import { writeSample } from '../helpers/sample-file.js';

const dir = mkdtempSync(join(tmpdir(), 'h5kit-repack-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const DESCRIBE = join(__dirname, '..', 'fixtures', 'describe.py');

/** The description minus what repack may change (addresses, storage sizes). */
function content(bytes: Uint8Array) {
  return describeFile(open(bytes), { summaryThreshold: 100000 });
}

function sampleBytes(libver: 'earliest' | 'latest'): Uint8Array {
  const f = File.create(undefined, { libver });
  writeSample(f);
  return f.toBytes();
}

describe('repack', () => {
  for (const libver of ['earliest', 'latest'] as const) {
    it(`keeps every object, attribute and value (${libver})`, () => {
      const src = sampleBytes(libver);
      const out = repack(src);
      expect(compare(content(src), content(out))).toEqual([]);
      expect(open(out).superblock.version >= 2).toBe(libver === 'latest');
    });
  }

  it('copies chunks as stored: the same bytes, even for a filter h5kit cannot encode', () => {
    const f = File.create();
    const ds = f.createDataset('x', { shape: [4, 6], dtype: '<i4', chunks: [2, 3], filters: [{ id: 32015, name: 'zstd', optional: false, clientData: [3] }] });
    const stored = [new Uint8Array([1, 2, 3]), new Uint8Array([9, 8]), new Uint8Array([7])];
    ds.writeDirectChunk([0, 0], stored[0]);
    ds.writeDirectChunk([2, 3], stored[1], 1);
    ds.writeDirectChunk([0, 3], stored[2]);
    const g = f.createDataset('gz', { data: Float64Array.from({ length: 5000 }, (_, i) => Math.sin(i)), chunks: [1000], compression: 6, shuffle: true });
    void g;
    const src = f.toBytes();
    const out = open(repack(src));
    const x = out.get('x') as Dataset;
    expect(x.filters.map((p) => [p.id, p.clientData])).toEqual([[32015, [3]]]);
    expect(x.readDirectChunk([0, 0])).toEqual({ filterMask: 0, data: stored[0] });
    expect(x.readDirectChunk([2, 3])).toEqual({ filterMask: 1, data: stored[1] });
    expect(x.readDirectChunk([0, 3])).toEqual({ filterMask: 0, data: stored[2] });
    expect(x.readDirectChunk([2, 0])).toBeUndefined();
    const before = open(src).get('gz') as Dataset;
    const after = out.get('gz') as Dataset;
    expect(after.chunkInfo().length).toBe(5);
    for (const c of before.chunkInfo()) expect(after.readDirectChunk(c.offset)).toEqual(before.readDirectChunk(c.offset));
    expect(after.read()).toEqual(before.read());
  });

  it('hard links stay one object; the repacked file is smaller after replaces and equal in content', () => {
    let bytes = save(null, { keep: new Float64Array(1000).fill(2), g: { a: 1 } });
    const e = File.edit(bytes);
    e.hardLink('alias', 'g');
    bytes = e.toBytes();
    for (let i = 0; i < 50; i++) bytes = save(bytes, new Float64Array(128).fill(i), { key: 'k', override: true });
    const out = repack(bytes);
    expect(out.length).toBeLessThan(bytes.length / 3);
    expect(compare(content(bytes), content(out))).toEqual([]);
    const f = open(out);
    expect((f.get('alias') as { address: number }).address).toBe((f.get('g') as { address: number }).address);
  });
});

describe('repack on disk', () => {
  it('repackFile and `h5kit repack` write a new file; the input is refused as output', () => {
    const a = join(dir, 'a.h5');
    writeFileSync(a, sampleBytes('earliest'));
    const b = join(dir, 'b.h5');
    repackFile(a, b);
    expect(compare(content(readFileSync(a)), content(readFileSync(b)))).toEqual([]);
    expect(() => repackFile(a, a)).toThrow(/other than the input/);
    const cli = bundleEntry(join(__dirname, '..', '..', 'src', 'node', 'cli.ts'), mkdtempSync(join(dir, 'cli-')));
    const c = join(dir, 'c.h5');
    const r = spawnSync(process.execPath, [cli, 'repack', a, c, '--libver', 'latest'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(open(readFileSync(c)).superblock.version).toBe(3);
    // Only the format family differs.
    expect(compare(content(readFileSync(a)), content(readFileSync(c)))).toEqual(['/: file.superblock_version: expected 0, got 3']);
    expect(statSync(c).size).toBeGreaterThan(0);
  });

  it.runIf(oracleRequired())('h5py reads the repacked file as h5kit does', () => {
    for (const libver of ['earliest', 'latest'] as const) {
      const p = join(dir, `h5py-${libver}.h5`);
      writeFileSync(p, repack(sampleBytes(libver)));
      const h5py = JSON.parse(runPython([DESCRIBE, '--threshold', '100000', p]));
      expect(compare(h5py, content(readFileSync(p)))).toEqual([]);
    }
  });
});
