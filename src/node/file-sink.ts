import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import type { ByteSink } from '../io/sink.js';

/** A file on disk being written with positioned writes (no size limit but the disk's). */
export class FileSink implements ByteSink {
  private fd: number | undefined;
  private end: number;

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
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd!, bytes, done, bytes.length - done, offset + done);
    if (offset + bytes.length > this.end) this.end = offset + bytes.length;
  }

  /** Bytes never written read as zeros (a sparse region of the file). */
  read(offset: number, length: number): Uint8Array {
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
    if (this.fd !== undefined && this.options.durable !== false) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }
}
