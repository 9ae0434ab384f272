import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import type { ByteSink } from '../io/sink.js';

/** Writes smaller than this are gathered while they follow each other (one pwrite per run instead of one per structure). */
const GATHER_LIMIT = 64 * 1024;
const GATHER_BUFFER = 1 << 20;

/**
 * A file on disk being written with positioned writes (no size limit but
 * the disk's). Small writes that continue one another (a writer emits a
 * dataset's header, heap and data back to back) are gathered in a 1 MiB
 * buffer and written in one call; any other write, a read, `sync()` and
 * `close()` write the gathered bytes out first, so reads and write order
 * are as without the buffer.
 */
export class FileSink implements ByteSink {
  private fd: number | undefined;
  private end: number;
  private gather: Uint8Array | undefined;
  private gatherAt = 0;
  private gatherLength = 0;

  /**
   * `durable: false` makes `sync()` a no-op: faster, and still ordered for
   * every other process (the page cache), but a power loss may lose or tear
   * the last writes.
   */
  constructor(
    readonly path: string,
    mode: 'w' | 'r+' = 'w',
    private readonly options: { readonly durable?: boolean } = {},
  ) {
    this.fd = openSync(path, mode === 'w' ? 'w+' : 'r+');
    this.end = fstatSync(this.fd).size;
  }

  get size(): number {
    return this.end;
  }

  write(offset: number, bytes: Uint8Array): void {
    if (offset + bytes.length > this.end) this.end = offset + bytes.length;
    if (bytes.length < GATHER_LIMIT) {
      if (this.gatherLength > 0 && offset === this.gatherAt + this.gatherLength && this.gatherLength + bytes.length <= GATHER_BUFFER) {
        this.gather!.set(bytes, this.gatherLength);
        this.gatherLength += bytes.length;
        return;
      }
      this.flush();
      this.gather ??= new Uint8Array(GATHER_BUFFER);
      this.gather.set(bytes, 0);
      this.gatherAt = offset;
      this.gatherLength = bytes.length;
      return;
    }
    this.flush();
    this.writeOut(offset, bytes);
  }

  private writeOut(offset: number, bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd!, bytes, done, bytes.length - done, offset + done);
  }

  /** Write out gathered small writes. */
  flush(): void {
    if (this.gatherLength === 0) return;
    const n = this.gatherLength;
    this.gatherLength = 0;
    this.writeOut(this.gatherAt, this.gather!.subarray(0, n));
  }

  /** Bytes never written read as zeros (a sparse region of the file). */
  read(offset: number, length: number): Uint8Array {
    this.flush();
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd!, out, done, length - done, offset + done);
      if (n <= 0) break;
      done += n;
    }
    return out;
  }

  sync(): void {
    this.flush();
    if (this.fd !== undefined && this.options.durable !== false) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== undefined) {
      this.flush();
      closeSync(this.fd);
      this.fd = undefined;
    }
  }
}
