/**
 * Deflate chunks inflated by the runtime's own zlib (the Compression Streams
 * API's `DecompressionStream('deflate')`: browsers, Deno, Bun, workerd,
 * Node), for reads through an async source, where waiting is allowed. The
 * synchronous reader cannot await a stream, so it works like the block
 * cache's NeedBytes (spec-notes/io-sources.md): storage asks this session
 * for each chunk whose first decoding stage is the built-in deflate; a chunk
 * not inflated yet is queued and the run stops with NeedInflate; the driver
 * (AsyncFile.run) inflates the queue, all chunks at once, and runs the
 * operation again, which now finds them here.
 *
 * h5kit's own inflate stays the authority: a stream that the runtime rejects
 * (trailing bytes after the zlib stream, which zlib and libhdf5 ignore; a
 * preset dictionary; corruption) or that inflates past its limit is marked
 * for synchronous decoding, which accepts it or raises the proper error.
 * Measured on Node 20 (64 chunks of 1 MiB): ~200–400 ms with
 * DecompressionStream against ~800 ms with h5kit's inflate.
 */

import { grow } from './inflate.js';

/** Internal signal: chunks are queued for inflating. Never an H5Error, so no handler swallows it. */
export class NeedInflate extends Error {
  override name = 'NeedInflate';
  constructor(readonly session: DeferredInflate) {
    super('needs chunks inflated');
  }
}

interface Job {
  readonly input: Uint8Array<ArrayBuffer>;
  readonly limit: number;
  readonly expected: number;
}

type StreamCtor = new (format: 'deflate') => TransformStream<Uint8Array, Uint8Array>;

function decompressionStream(): StreamCtor | undefined {
  const ctor = (globalThis as { DecompressionStream?: StreamCtor }).DecompressionStream;
  return typeof ctor === 'function' && typeof Blob === 'function' ? ctor : undefined;
}

export class DeferredInflate {
  /** Inflated chunks by file address; null: inflate it synchronously. */
  private readonly results = new Map<number, Uint8Array | null>();
  private readonly pending = new Map<number, Job>();
  private held = 0;

  /** `budget`: most inflated bytes held at once (beyond it chunks are inflated synchronously). */
  constructor(private readonly budget: number) {}

  /** Whether this runtime has DecompressionStream. */
  static available(): boolean {
    return decompressionStream() !== undefined;
  }

  /** The chunk at `address` inflated; null: decode it synchronously; undefined: not asked for yet. */
  result(address: number): Uint8Array | null | undefined {
    return this.results.get(address);
  }

  /** Queue a chunk (its stored bytes are copied: blocks may be evicted before the stream runs). False when over budget. */
  request(address: number, input: Uint8Array, limit: number, expected: number): boolean {
    if (this.pending.has(address)) return true;
    const size = expected >= 0 ? expected : input.length * 4;
    if (this.held + size > this.budget) return false;
    this.held += size;
    this.pending.set(address, { input: input.slice(), limit, expected });
    return true;
  }

  /** Inflate every queued chunk, concurrently. */
  async inflatePending(): Promise<void> {
    const jobs = [...this.pending];
    this.pending.clear();
    const results = await Promise.all(jobs.map(([, job]) => inflateStream(job)));
    jobs.forEach(([address], k) => this.results.set(address, results[k]));
  }

  /** The operation is over: drop what it held. */
  clear(): void {
    this.results.clear();
    this.pending.clear();
    this.held = 0;
  }
}

/** One zlib stream through DecompressionStream, or null when the runtime rejects it or it exceeds its limit. */
async function inflateStream(job: Job): Promise<Uint8Array | null> {
  const Ctor = decompressionStream();
  if (!Ctor) return null;
  try {
    const reader = new Blob([job.input]).stream().pipeThrough(new Ctor('deflate')).getReader();
    let out: Uint8Array = new Uint8Array(job.expected >= 0 ? Math.min(job.expected, job.limit) : Math.min(job.limit, Math.max(4096, job.input.length * 4)));
    let n = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (n + value.length > job.limit) {
        await reader.cancel();
        return null;
      }
      if (n + value.length > out.length) out = grow(out, n, value.length, job.limit);
      out.set(value, n);
      n += value.length;
    }
    return n === out.length ? out : out.slice(0, n);
  } catch {
    return null;
  }
}
