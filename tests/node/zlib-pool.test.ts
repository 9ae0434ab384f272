import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { H5FormatError, createFile, openFile, type Dataset } from '../../src/node/index.js';
import { zlibMany } from '../../src/node/zlib-pool.js';
import { deflateFilter } from '../../src/filters/deflate.js';
import { nodeDeflateFilter } from '../../src/node/zlib-deflate.js';

const dir = mkdtempSync(join(tmpdir(), 'h5kit-zpool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Compressible, not trivial: a slow sine plus a little pattern noise. */
function signal(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.sin((i + seed) / 700) * 50 + ((i * 7919 + seed) % 17) / 16;
  return a;
}

describe('zlib on worker threads behind the synchronous API', () => {
  it('a batch gives the bytes the calling thread gives, in order', () => {
    const inputs = Array.from({ length: 9 }, (_, k) => new Uint8Array(signal(65536 + k * 1000, k).buffer));
    const deflated = zlibMany('deflate', inputs.map((input) => ({ input, param: 4 })));
    deflated.forEach((d, k) => expect(Buffer.from(d).equals(deflateSync(inputs[k], { level: 4 }))).toBe(true));
    const inflated = zlibMany('inflate', deflated.map((input, k) => ({ input, param: inputs[k].length })));
    inflated.forEach((d, k) => expect(Buffer.from(d).equals(Buffer.from(inputs[k]))).toBe(true));
  });

  it('a chunked gzip dataset written and read in batches equals what pako reads and writes', () => {
    const data = signal(1 << 21, 3); // 8 MiB: 32 chunks of 256 KiB, several batches' worth of parallel work
    const p = join(dir, 'gz.h5');
    const f = createFile(p);
    f.createDataset('x', { data, chunks: [65536], compression: 4, shuffle: true });
    f.createDataset('y', { data, chunks: [65536], compression: 6 });
    f.close();
    const g = openFile(p);
    for (const name of ['x', 'y']) {
      const ds = g.get(name) as Dataset;
      const back = ds.read() as Float32Array;
      expect(Buffer.from(back.buffer, back.byteOffset, back.byteLength).equals(Buffer.from(data.buffer))).toBe(true);
      // Every stored chunk inflates with pako (the portable decoder) to the same bytes.
      for (const c of ds.chunkInfo().slice(0, 4)) {
        const raw = ds.readDirectChunk(c.offset)!.data;
        expect(deflateFilter.decode(raw, { elementSize: 4, clientData: [4], where: 'test', decodedSize: 65536 * 4 }).length).toBe(65536 * 4);
      }
    }
    g.close();
  });

  it('a corrupt chunk in a batch is an H5FormatError naming that chunk', () => {
    // Incompressible chunks, so the batch is large enough to go to the worker threads.
    let s = 12345;
    const noise = () => Uint8Array.from({ length: 262144 }, () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24));
    const good = Array.from({ length: 4 }, () => deflateSync(noise()));
    const bad = good.slice();
    bad[3] = Buffer.from(bad[3]).fill(7, 10, 40); // the second job of the worker's share
    const ctxs = bad.map((_, k) => ({ elementSize: 4, clientData: [4], where: `chunk ${k}`, decodedSize: 262144 }));
    expect(nodeDeflateFilter.decodeMany!(good, ctxs).map((d) => d.length)).toEqual([262144, 262144, 262144, 262144]);
    expect(() => nodeDeflateFilter.decodeMany!(bad, ctxs)).toThrow(H5FormatError);
    expect(() => nodeDeflateFilter.decodeMany!(bad, ctxs)).toThrow(/chunk 3/);
  });
});
