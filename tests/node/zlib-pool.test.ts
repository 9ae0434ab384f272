import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { H5ChecksumError, H5Error, H5FormatError, createFile, open, openFile, registerFilter, type Dataset } from '../../src/node/index.js';
import { FileSource } from '../../src/node/file-source.js';
import { SourceRangeError } from '../../src/io/memory-source.js';
import { sharedInputBuffer, zlibMany } from '../../src/node/zlib-pool.js';
import { deflateFilter } from '../../src/filters/deflate.js';
import { encodeChunk, encodeChunks, H5FilterDeclinedError, shuffle, unregisterFilter } from '../../src/filters/index.js';
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

describe('later filter stages run as each chunk is inflated', () => {
  it('a checksum error in a pooled batch is an H5ChecksumError, and the next batch is unaffected', () => {
    const data = signal(1 << 20, 5); // 4 MiB: 16 chunks of 256 KiB, enough for the worker threads
    const p = join(dir, 'fl.h5');
    const f = createFile(p);
    f.createDataset('x', { data, chunks: [65536], compression: 4, shuffle: true, fletcher32: true });
    f.close();
    const bytes = readFileSync(p);
    const g = openFile(p);
    const ds = g.get('x') as Dataset;
    // Flip one byte inside the stored (deflated) bytes of the 12th chunk: its zlib stream may still
    // inflate, but the Fletcher-32 checksum (checked first on read) no longer matches.
    const c = ds.chunkInfo()[11];
    g.close();
    const corrupt = Uint8Array.from(bytes);
    corrupt[c.address + 100] ^= 0x55;
    const q = join(dir, 'fl-bad.h5');
    writeFileSync(q, corrupt);
    const h = openFile(q);
    expect(() => (h.get('x') as Dataset).read()).toThrow(H5ChecksumError);
    h.close();
    // The pool drained that failed batch: a good read right after gets every value right.
    const again = openFile(p);
    const back = (again.get('x') as Dataset).read() as Float32Array;
    expect(Buffer.from(back.buffer, back.byteOffset, back.byteLength).equals(Buffer.from(data.buffer))).toBe(true);
    again.close();
  });

  it('zlibMany passes each output to `then` and rethrows what `then` throws after the workers finish', () => {
    const inputs = Array.from({ length: 8 }, (_, k) => deflateSync(new Uint8Array(signal(65536, k).buffer)));
    const seen: number[] = [];
    const lengths = zlibMany('inflate', inputs.map((input) => ({ input, param: 1 << 20, expected: 262144 })), (k, o) => {
      seen.push(k);
      return o.subarray(0, k);
    });
    expect(lengths.map((o) => o.length)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    class Stop extends Error {}
    expect(() =>
      zlibMany('inflate', inputs.map((input) => ({ input, param: 1 << 20 })), (k, o) => {
        if (k === 5) throw new Stop('stage failed');
        return o;
      }),
    ).toThrow(Stop);
    // Nothing of the failed batch is left on the workers' ports: the next batch (other inputs) gets its own results.
    const next = inputs.slice().reverse();
    const ok = zlibMany('inflate', next.map((input) => ({ input, param: 1 << 20 })));
    expect(ok.length).toBe(8);
    ok.forEach((o, k) => expect(Buffer.from(o).equals(Buffer.from(signal(65536, 7 - k).buffer))).toBe(true));
  });
});

describe("a read's stored chunks go straight into the pool's shared buffer", () => {
  it('from a file: one SharedArrayBuffer, not copied; from memory: views of the file bytes; same values', () => {
    const data = signal(1 << 20, 9); // 16 chunks, enough for the worker threads
    const p = join(dir, 'batch-input.h5');
    const f = createFile(p);
    f.createDataset('x', { data, chunks: [65536], compression: 4, shuffle: true });
    f.close();
    const seen: ArrayBufferLike[][] = [];
    registerFilter({
      ...nodeDeflateFilter,
      decodeMany(inputs, ctxs, each) {
        seen.push(inputs.map((i) => i.buffer));
        return nodeDeflateFilter.decodeMany!(inputs, ctxs, each);
      },
    });
    try {
      const fromFile = openFile(p);
      const a = (fromFile.get('x') as Dataset).read() as Float32Array;
      fromFile.close();
      const fromMemory = open(new Uint8Array(readFileSync(p)));
      const b = (fromMemory.get('x') as Dataset).read() as Float32Array;
      for (const r of [a, b]) expect(Buffer.from(r.buffer, r.byteOffset, r.byteLength).equals(Buffer.from(data.buffer))).toBe(true);
      expect(seen.length).toBe(2);
      const [file, memory] = seen;
      expect(file[0]).toBeInstanceOf(SharedArrayBuffer);
      expect(new Set(file).size).toBe(1);
      expect(memory.every((buf) => !(buf instanceof SharedArrayBuffer))).toBe(true);
    } finally {
      registerFilter(nodeDeflateFilter);
    }
  });

  it('FileSource.readInto fills the target with the bytes read() returns and rejects ranges past the end', () => {
    const p = join(dir, 'read-into.bin');
    const bytes = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 31) & 255);
    writeFileSync(p, bytes);
    const src = new FileSource(p);
    const target = new Uint8Array(new SharedArrayBuffer(70_000)).subarray(5, 60_005);
    src.readInto(1234, target);
    expect(Buffer.from(target).equals(Buffer.from(src.read(1234, 60_000)))).toBe(true);
    expect(() => src.readInto(50_000, new Uint8Array(60_000))).toThrow(SourceRangeError);
    src.close();
  });
});

describe('corrupt metadata on the batched file path', () => {
  it('byte flips outside the chunk data raise H5Error or read, never anything else', () => {
    let s = 99;
    const noise = Float32Array.from({ length: 1 << 18 }, () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) / 65536);
    const p = join(dir, 'fuzz-src.h5');
    const f = createFile(p);
    f.createDataset('x', { data: noise, chunks: [16384], compression: 4, shuffle: true, fletcher32: true });
    f.createDataset('y', { data: noise, chunks: [32768], compression: 1 });
    f.close();
    const orig = new Uint8Array(readFileSync(p));
    const g = openFile(p);
    const data = (['x', 'y'] as const).flatMap((n) => (g.get(n) as Dataset).chunkInfo().map((c) => [c.address, c.address + c.size]));
    g.close();
    const isData = (i: number) => data.some(([a, b]) => i >= a && i < b);
    const meta = Array.from({ length: orig.length }, (_, i) => i).filter((i) => !isData(i));
    let x = 7;
    const rand = (n: number) => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) % n);
    const q = join(dir, 'fuzz.h5');
    let failures = 0;
    for (let k = 0; k < 120; k++) {
      const b = orig.slice();
      for (let j = 0; j < 1 + rand(4); j++) b[meta[rand(meta.length)]] = rand(256);
      writeFileSync(q, b);
      try {
        const h = openFile(q);
        try {
          for (const n of h.keys()) {
            const o = h.get(n);
            if ('read' in o) (o as Dataset).read();
          }
        } finally {
          h.close();
        }
      } catch (e) {
        if (!(e instanceof H5Error)) throw e;
        failures++;
      }
    }
    // Most flips land in checked structures: the loop did exercise the error paths.
    expect(failures).toBeGreaterThan(10);
  });
});

describe('inputs that are views of the kept shared buffer', () => {
  it('are not overwritten when the other inputs are copied in', () => {
    const raw = [1, 2, 3, 4].map((k) => new Uint8Array(signal(65536, k).buffer));
    const streams = raw.map((r) => new Uint8Array(deflateSync(r)));
    // The last input lives at the start of the pool's buffer, where copying the others would land.
    const shared = sharedInputBuffer(streams.reduce((n, s) => n + s.length, 0));
    shared.set(streams[3], 0);
    const inputs = [streams[0], streams[1], streams[2], shared.subarray(0, streams[3].length)];
    const out = zlibMany('inflate', inputs.map((input) => ({ input, param: 1 << 20 })));
    out.forEach((o, k) => expect(Buffer.from(o).equals(Buffer.from(raw[k]))).toBe(true));
  });
});

describe('a per-chunk stage feeding the pool while it deflates (encodeMany with produce)', () => {
  const chunks = Array.from({ length: 12 }, (_, k) => new Uint8Array(signal(65536, 10 + k).buffer)); // 12 × 256 KiB
  const info = { elementSize: 4, chunkBytes: 262144, where: 'test' };
  const SIZER = 32111;
  afterEach(() => unregisterFilter(SIZER));

  it('zlibMany: the workers take only produced inputs, and the bytes equal the calling thread\'s', () => {
    const shared = sharedInputBuffer(chunks.length * 262144);
    const views = chunks.map((_, k) => shared.subarray(k * 262144, (k + 1) * 262144));
    views.forEach((v) => v.fill(0)); // what a worker would deflate if it did not wait
    const order: number[] = [];
    const out = zlibMany('deflate', views.map((input) => ({ input, param: 4 })), undefined, (k) => {
      order.push(k);
      // A slow stage: without waiting, a worker would take an input before it is there.
      const until = performance.now() + 2;
      while (performance.now() < until);
      views[k].set(chunks[k]);
    });
    expect(order).toEqual(chunks.map((_, k) => k));
    out.forEach((d, k) => expect(Buffer.from(d).equals(deflateSync(chunks[k], { level: 4 }))).toBe(true));
  });

  it('zlibMany: an error while producing ends the batch with that error, and the pool stays usable', () => {
    const shared = sharedInputBuffer(chunks.length * 262144);
    const views = chunks.map((_, k) => shared.subarray(k * 262144, (k + 1) * 262144));
    class Broke extends Error {}
    expect(() =>
      zlibMany('deflate', views.map((input) => ({ input, param: 4 })), undefined, (k) => {
        if (k === 5) throw new Broke('stage failed');
        views[k].set(chunks[k]);
      }),
    ).toThrow(Broke);
    const again = zlibMany('deflate', chunks.map((input) => ({ input, param: 1 })));
    again.forEach((d, k) => expect(Buffer.from(d).equals(deflateSync(chunks[k], { level: 1 }))).toBe(true));
  });

  it('shuffle + deflate in one batch gives the bytes of encoding each chunk on its own', () => {
    // h5kit/node's deflate under another id, to see that the batch went through `produce`.
    let produced = 0;
    registerFilter({
      ...nodeDeflateFilter,
      id: SIZER,
      encodeMany: (inputs, ctxs, produce) => nodeDeflateFilter.encodeMany!(inputs, ctxs, produce && ((k) => (produce(k), produced++))),
    });
    const viaProduce = encodeChunks([{ id: 2, clientData: [4] }, { id: SIZER, clientData: [4] }], chunks, info);
    expect(produced).toBe(chunks.length);
    const pipeline = [{ id: 2, clientData: [4] }, { id: 1, clientData: [4] }];
    const batch = encodeChunks(pipeline, chunks, info);
    batch.forEach((o, k) => expect(Buffer.from(o.data).equals(Buffer.from(viaProduce[k].data))).toBe(true));
    batch.forEach((o, k) => {
      const alone = encodeChunk(pipeline, chunks[k], info);
      expect(o.filterMask).toBe(0);
      expect(Buffer.from(o.data).equals(Buffer.from(alone.data))).toBe(true);
    });
    // ... and it is what libhdf5's order means: deflate of the shuffled bytes.
    expect(Buffer.from(batch[3].data).equals(deflateSync(shuffle(chunks[3], 4), { level: 4 }))).toBe(true);
  });

  it('a stage that changes the size, or declines some chunks, gives the same bytes as chunk by chunk', () => {
    // Appends one byte to odd chunks and declines even ones (optional): neither can be fused in place.
    registerFilter({
      id: SIZER,
      name: 'sizer',
      decode: (b) => b.subarray(0, b.length - 1),
      encode: (b, ctx) => {
        if ((b[0] ^ b[1]) & 1) throw new H5FilterDeclinedError(`even ${ctx.where}`);
        const o = new Uint8Array(b.length + 1);
        o.set(b);
        return o;
      },
    });
    const pipeline = [{ id: SIZER, flags: 1, clientData: [] }, { id: 1, clientData: [6] }];
    const batch = encodeChunks(pipeline, chunks, info);
    const masks = new Set<number>();
    batch.forEach((o, k) => {
      const alone = encodeChunk(pipeline, chunks[k], info);
      masks.add(o.filterMask);
      expect(o.filterMask).toBe(alone.filterMask);
      expect(Buffer.from(o.data).equals(Buffer.from(alone.data))).toBe(true);
    });
    expect([...masks].sort()).toEqual([0, 1]); // both kinds of chunk were in the batch
  });
});
