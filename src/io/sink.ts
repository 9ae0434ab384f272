import type { ByteSource } from './source.js';

/**
 * Where a file being written goes. Writes land at explicit offsets (metadata
 * is placed after the data it points to, the superblock last); a sink can
 * also be read back, for read-modify-write of partially written chunks.
 */
export interface ByteSink extends ByteSource {
  /** `bytes` may be a view of the caller's data or of a reused buffer: copy what is kept. */
  write(offset: number, bytes: Uint8Array): void;
  /** Make written bytes durable (fsync for files). */
  sync?(): void;
}

/** A growable in-memory sink; `bytes()` is the file. */
export class MemorySink implements ByteSink {
  private buf = new Uint8Array(1 << 16);
  private end = 0;

  /** A sink holding a copy of `bytes` (an existing file to edit). */
  static from(bytes: Uint8Array): MemorySink {
    const s = new MemorySink();
    s.write(0, bytes);
    return s;
  }

  get size(): number {
    return this.end;
  }

  write(offset: number, bytes: Uint8Array): void {
    const need = offset + bytes.length;
    if (need > this.buf.length) {
      let cap = this.buf.length;
      while (cap < need) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, this.end));
      this.buf = next;
    }
    this.buf.set(bytes, offset);
    if (need > this.end) this.end = need;
  }

  /** Bytes never written read as zeros, as in a sparse file. */
  read(offset: number, length: number): Uint8Array {
    if (offset + length <= this.buf.length) return this.buf.subarray(offset, offset + length);
    const out = new Uint8Array(length);
    if (offset < this.buf.length) out.set(this.buf.subarray(offset));
    return out;
  }

  /** The written file (a copy, so the sink may be reused). */
  bytes(): Uint8Array {
    return this.buf.slice(0, this.end);
  }
}

/**
 * A view of a sink whose offset 0 is the base address (spec II.A): the
 * file's bytes after its user block, where every stored address is
 * relative to. Used to write and edit files that have a user block.
 */
export class OffsetSink implements ByteSink {
  constructor(
    private readonly inner: ByteSink,
    private readonly base: number,
  ) {}
  get size(): number {
    return Math.max(0, this.inner.size - this.base);
  }
  read(offset: number, length: number): Uint8Array {
    return this.inner.read(offset + this.base, length);
  }
  write(offset: number, bytes: Uint8Array): void {
    this.inner.write(offset + this.base, bytes);
  }
  sync(): void {
    this.inner.sync?.();
  }
  close(): void {
    this.inner.close?.();
  }
}
