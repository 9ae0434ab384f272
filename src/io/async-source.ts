import type { ByteSource } from './source.js';
import { SourceRangeError } from './memory-source.js';
import { H5Error } from '../errors.js';

/**
 * Async byte sources (HTTP range requests, Blobs) feed the one synchronous
 * parser through a block cache: a read that misses the cache stops the
 * operation with a NeedBytes signal, the driver fetches the missing blocks
 * and runs the operation again. Parsed structures are memoised by address,
 * so a re-run replays finished work and stops at the next unread range.
 * See spec-notes/io-sources.md.
 */
export interface AsyncByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** Exactly `length` bytes at `offset`. */
  read(offset: number, length: number): Promise<Uint8Array>;
  close?(): void | Promise<void>;
}

/** Internal signal: the operation needs these byte ranges. Never an H5Error, so no handler swallows it. */
export class NeedBytes extends Error {
  override name = 'NeedBytes';
  constructor(readonly ranges: { offset: number; length: number }[]) {
    super(`needs ${ranges.length} byte range(s)`);
  }
}

export interface BlockCacheOptions {
  /** Block size in bytes (default 64 KiB); fetches are aligned to blocks. */
  readonly blockSize?: number;
  /** Cache budget in bytes (default 256 MiB); least recently used blocks go first. */
  readonly maxBytes?: number;
}

/** A synchronous ByteSource over the blocks fetched so far. */
export class BlockCache implements ByteSource {
  readonly size: number;
  readonly blockSize: number;
  readonly maxBytes: number;
  private readonly blocks = new Map<number, Uint8Array>();
  /** Ranges asked for during the current run (collected so one round fetches them all). */
  private pending: { offset: number; length: number }[] = [];
  /** Blocks the running operation has used: never evicted mid-run. */
  private pinned = new Set<number>();

  constructor(
    private readonly source: AsyncByteSource,
    options: BlockCacheOptions = {},
  ) {
    this.size = source.size;
    this.blockSize = options.blockSize ?? 64 * 1024;
    this.maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
  }

  read(offset: number, length: number): Uint8Array {
    if (offset < 0 || length < 0 || offset + length > this.size) throw new SourceRangeError(offset, length, this.size);
    const bs = this.blockSize;
    const first = Math.floor(offset / bs);
    const last = length === 0 ? first : Math.floor((offset + length - 1) / bs);
    let missing = false;
    for (let b = first; b <= last; b++) {
      this.pinned.add(b);
      if (!this.blocks.has(b)) missing = true;
    }
    if (missing) {
      this.pending.push({ offset, length });
      throw new NeedBytes(this.pending.slice());
    }
    if (first === last) {
      const blk = this.touch(first);
      return blk.subarray(offset - first * bs, offset - first * bs + length);
    }
    const out = new Uint8Array(length);
    let at = 0;
    for (let b = first; b <= last; b++) {
      const blk = this.touch(b);
      const start = b === first ? offset - first * bs : 0;
      const end = Math.min(blk.length, offset + length - b * bs);
      out.set(blk.subarray(start, end), at);
      at += end - start;
    }
    return out;
  }

  want(ranges: readonly { offset: number; length: number }[]): void {
    const bs = this.blockSize;
    for (const r of ranges) {
      if (!(r.offset >= 0 && r.length > 0 && r.offset + r.length <= this.size)) continue;
      const first = Math.floor(r.offset / bs);
      const last = Math.floor((r.offset + r.length - 1) / bs);
      for (let b = first; b <= last; b++) {
        if (!this.blocks.has(b)) {
          this.pending.push({ offset: r.offset, length: r.length });
          break;
        }
      }
    }
  }

  private touch(b: number): Uint8Array {
    const blk = this.blocks.get(b)!;
    this.blocks.delete(b);
    this.blocks.set(b, blk);
    return blk;
  }

  /** Fetch every block the given ranges touch, coalescing neighbours into one request each; the number of blocks fetched. */
  async fetch(ranges: { offset: number; length: number }[]): Promise<number> {
    const bs = this.blockSize;
    const want = new Set<number>();
    for (const r of ranges) {
      const first = Math.floor(r.offset / bs);
      const last = Math.floor((r.offset + Math.max(r.length, 1) - 1) / bs);
      for (let b = first; b <= last; b++) if (!this.blocks.has(b)) want.add(b);
    }
    const sorted = [...want].sort((a, b) => a - b);
    const runs: [number, number][] = [];
    for (const b of sorted) {
      const run = runs[runs.length - 1];
      if (run && run[1] === b - 1) run[1] = b;
      else runs.push([b, b]);
    }
    await Promise.all(
      runs.map(async ([a, z]) => {
        const start = a * bs;
        const end = Math.min(this.size, (z + 1) * bs);
        const bytes = await this.source.read(start, end - start);
        for (let b = a; b <= z; b++) this.blocks.set(b, bytes.subarray((b - a) * bs, Math.min(bytes.length, (b - a + 1) * bs)));
      }),
    );
    this.evict();
    return want.size;
  }

  /** Fetch the whole file when it fits the cache budget (an operation about to read nearly all of it). */
  async fetchAllIfFits(): Promise<void> {
    if (this.size <= this.maxBytes) await this.fetch([{ offset: 0, length: this.size }]);
  }

  private evict(): void {
    let total = this.blocks.size * this.blockSize;
    for (const b of this.blocks.keys()) {
      if (total <= this.maxBytes) break;
      if (this.pinned.has(b)) continue;
      this.blocks.delete(b);
      total -= this.blockSize;
    }
  }

  /** @internal Start a new run of an operation. */
  beginRun(): void {
    this.pending = [];
  }

  /** @internal The operation finished: its blocks may be evicted again. */
  endOperation(): void {
    this.pinned.clear();
    this.pending = [];
  }
}

/**
 * Most fetch rounds one operation may take. Every round fetches at least one
 * block the operation then keeps pinned (a round that fetches nothing is an
 * error), so an operation ends within the file's block count; this bound
 * only caps the re-runs a huge walk could cost. Readers hint the ranges they
 * are about to read (ByteSource.want), so a round usually fetches a whole
 * B-tree level or batch of chunks.
 */
const MAX_ROUNDS = 4096;

/** Run a synchronous operation against a BlockCache, fetching what it misses, until it completes. */
export async function runWithCache<T>(cache: BlockCache, op: () => T): Promise<T> {
  try {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      cache.beginRun();
      try {
        return op();
      } catch (e) {
        if (!(e instanceof NeedBytes)) throw e;
        if ((await cache.fetch(e.ranges)) === 0) throw new H5Error(`operation asked again for bytes it already has (${e.ranges.length} range(s)); giving up`);
      }
    }
    throw new H5Error(`operation still needed more bytes after ${MAX_ROUNDS} fetch rounds`);
  } finally {
    cache.endOperation();
  }
}

/** A Blob (browser File, fetch response blob) as an async source. */
export function blobSource(blob: Blob): AsyncByteSource {
  return {
    size: blob.size,
    read: async (offset, length) => new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer()),
  };
}

/**
 * A URL read with HTTP Range requests (`fetch` must be available: browsers,
 * Deno, Bun, workerd, Node 18+). The server must support byte ranges.
 */
export async function httpSource(url: string, init: { fetch?: typeof fetch; headers?: Record<string, string> } = {}): Promise<AsyncByteSource> {
  const f = init.fetch ?? fetch;
  const head = await f(url, { method: 'GET', headers: { ...init.headers, Range: 'bytes=0-0' } });
  if (head.status !== 206) throw new H5Error(`${url}: the server does not answer range requests (status ${head.status})`);
  const total = /\/(\d+)\s*$/.exec(head.headers.get('content-range') ?? '');
  if (!total) throw new H5Error(`${url}: no total size in Content-Range`);
  await head.arrayBuffer();
  const size = Number(total[1]);
  return {
    size,
    read: async (offset, length) => {
      const r = await f(url, { headers: { ...init.headers, Range: `bytes=${offset}-${offset + length - 1}` } });
      if (r.status !== 206) throw new H5Error(`${url}: range request answered with status ${r.status}`);
      const b = new Uint8Array(await r.arrayBuffer());
      if (b.length !== length) throw new H5Error(`${url}: asked for ${length} bytes at ${offset}, got ${b.length}`);
      return b;
    },
  };
}
