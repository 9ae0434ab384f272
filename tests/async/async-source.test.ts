import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dataset, File, H5FormatError, openAsync, open, type AsyncByteSource } from '../../src/index.js';
import { deflateSync } from 'node:zlib';
import { FIXTURES } from '../helpers/fixtures.js';

const big = new Uint8Array(readFileSync(join(FIXTURES, 'selection', 'big_chunked.h5')));
const expected = JSON.parse(readFileSync(join(FIXTURES, 'selection', 'big_chunked.json'), 'utf8'));

/** An in-memory async source that counts what is fetched. */
function counting(bytes: Uint8Array) {
  const stats = { requests: 0, bytes: 0 };
  const src: AsyncByteSource = {
    size: bytes.length,
    read: async (offset, length) => {
      stats.requests++;
      stats.bytes += length;
      return bytes.slice(offset, offset + length);
    },
  };
  return { src, stats };
}

describe('async sources run the same parser through a block cache', () => {
  it('reads a slice fetching only part of the file', async () => {
    const { src, stats } = counting(big);
    const f = await openAsync(src, { blockSize: 1024 });
    // One element: one of the six stored chunks (plus metadata) is fetched.
    const one = (await f.read('/data', [4000, 1000])) as Float32Array;
    expect(one[0]).toBe(expected.slice_a[0]);
    expect(stats.bytes).toBeLessThan(big.length / 2);
    const got = (await f.read('/data', [[4000, 4100], [1000, 1100]])) as Float32Array;
    expect(Array.from(got)).toEqual(expected.slice_a);
  });

  it('agrees with the synchronous reader on every fixture file', async () => {
    for (const name of ['groups.h5', 'datatypes.h5', 'attributes.h5', 'filters.h5']) {
      const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'classic', name)));
      const { src } = counting(bytes);
      const af = await openAsync(src, { blockSize: 512 });
      const sync = open(bytes);
      const paths: string[] = [];
      sync.visit((p, o) => {
        if (o instanceof Dataset) paths.push(p);
      });
      for (const p of paths) {
        expect(await af.read(p), `${name} ${p}`).toEqual((sync.get(p) as Dataset).read());
      }
      expect(await af.keys('/')).toEqual(sync.keys());
    }
  });
});

describe('HTTP range requests', () => {
  let server: Server;
  let url = '';
  let rangeRequests = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
      if (!m) {
        res.writeHead(200, { 'content-length': big.length });
        res.end(Buffer.from(big));
        return;
      }
      rangeRequests++;
      const a = Number(m[1]);
      const b = Math.min(Number(m[2]), big.length - 1);
      res.writeHead(206, { 'content-range': `bytes ${a}-${b}/${big.length}`, 'content-length': b - a + 1 });
      res.end(Buffer.from(big.subarray(a, b + 1)));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address() as { port: number };
    url = `http://127.0.0.1:${addr.port}/big_chunked.h5`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('opens a URL and reads a slice', async () => {
    const f = await openAsync(url, { blockSize: 4096 });
    expect(await f.keys()).toEqual(['data']);
    const got = (await f.read('/data', [[3890, 3910, 3], [1290, 1310, 7]])) as Float32Array;
    expect(Array.from(got)).toEqual(expected.slice_b);
    expect(rangeRequests).toBeGreaterThan(1);
  });
});

describe('async reads fetch what they need in few rounds', () => {
  // 400 gzip chunks and a group of 300 links: more separate ranges than rounds an operation may take
  // one range at a time, so this fails unless readers hint what they are about to read.
  const f = File.create();
  const data = Float64Array.from({ length: 400 * 256 }, (_, i) => Math.sin(i / 50) * 1000 + (i % 7));
  f.createDataset('x', { data, chunks: [256], compression: 'gzip', shuffle: true });
  const g = f.createGroup('many');
  for (let i = 0; i < 300; i++) g.createDataset(`d${String(i).padStart(3, '0')}`, { data: Float64Array.of(i, i + 0.5) });
  const bytes = f.toBytes();

  it('a 400-chunk dataset: every value, in a handful of requests', async () => {
    const { src, stats } = counting(bytes);
    const af = await openAsync(src, { blockSize: 4096 });
    const got = (await af.read('/x')) as Float64Array;
    expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(data.buffer))).toBe(true);
    expect(stats.requests).toBeLessThan(40);
  });

  it('listing and loading a group of 300 objects', async () => {
    const { src, stats } = counting(bytes);
    const af = await openAsync(src, { blockSize: 4096 });
    const names = await af.keys('/many');
    expect(names.length).toBe(300);
    expect(names[299]).toBe('d299');
    expect(stats.requests).toBeLessThan(40);
    const all = (await af.load()) as { many: Record<string, Float64Array> };
    expect(Array.from(all.many.d123)).toEqual([123, 123.5]);
    expect(Object.keys(all.many).length).toBe(300);
  });
});

describe('async reads inflate deflate chunks with the runtime (DecompressionStream)', () => {
  const CHUNK = 32768; // float64: 256 KiB per chunk, above the size where a stream pays
  const data = Float64Array.from({ length: 6 * CHUNK }, (_, i) => Math.sin(i / 300) * 100 + (i % 11));
  const chunkBytes = (k: number) => new Uint8Array(data.buffer, k * CHUNK * 8, CHUNK * 8);
  const Native = globalThis.DecompressionStream;
  let streams = 0;
  class Counting extends Native {
    constructor(format: CompressionFormat) {
      super(format);
      streams++;
    }
  }
  const withCounting = async <T>(fn: () => Promise<T>): Promise<T> => {
    streams = 0;
    globalThis.DecompressionStream = Counting;
    try {
      return await fn();
    } finally {
      globalThis.DecompressionStream = Native;
    }
  };
  /** A file whose chunk k is stored as `stored(k)` under a deflate pipeline. */
  const fileWith = (stored: (k: number) => Uint8Array) => {
    const f = File.create();
    const ds = f.createDataset('x', { shape: [6 * CHUNK], dtype: '<f8', chunks: [CHUNK], compression: 4 });
    for (let k = 0; k < 6; k++) ds.writeDirectChunk([k * CHUNK], stored(k));
    return f.toBytes();
  };
  const readX = async (bytes: Uint8Array) => (await openAsync(counting(bytes).src, { blockSize: 65536 })).read('/x') as Promise<Float64Array>;
  const same = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(data.buffer));

  it('gives the values h5kit inflate gives, one stream per chunk, and works without the API', async () => {
    const f = File.create();
    f.createDataset('x', { data, chunks: [CHUNK], compression: 4, shuffle: true });
    const bytes = f.toBytes();
    expect(same(await withCounting(() => readX(bytes)))).toBe(true);
    expect(streams).toBe(6);
    const saved = globalThis.DecompressionStream;
    // @ts-expect-error: a runtime without Compression Streams
    delete globalThis.DecompressionStream;
    try {
      expect(same(await readX(bytes))).toBe(true);
    } finally {
      globalThis.DecompressionStream = saved;
    }
  });

  it('a stream the runtime rejects (bytes after the zlib stream, which libhdf5 ignores) is inflated by h5kit', async () => {
    const bytes = fileWith((k) => new Uint8Array([...deflateSync(chunkBytes(k)), ...(k === 2 ? [1, 2, 3, 4, 5] : [])]));
    expect(same(await withCounting(() => readX(bytes)))).toBe(true);
    expect(streams).toBe(6);
  });

  it('a corrupt chunk or one that inflates past its size is an H5FormatError naming the chunk', async () => {
    const corrupt = fileWith((k) => (k === 4 ? deflateSync(chunkBytes(k)).fill(9, 20, 60) : deflateSync(chunkBytes(k))));
    await expect(withCounting(() => readX(corrupt))).rejects.toThrow(/chunk at \[131072\]/);
    await expect(withCounting(() => readX(corrupt))).rejects.toBeInstanceOf(H5FormatError);
    const big = fileWith((k) => deflateSync(k === 1 ? new Uint8Array(CHUNK * 8 * 3) : chunkBytes(k)));
    await expect(withCounting(() => readX(big))).rejects.toBeInstanceOf(H5FormatError);
  });
});
