import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { ByteSource } from '../io/source.js';
import { SourceRangeError } from '../io/memory-source.js';

/**
 * A file on disk read with positioned reads: only the ranges the parser asks
 * for are read, so files larger than memory can be opened.
 */
export class FileSource implements ByteSource {
  readonly size: number;
  readonly freshReads = true;
  private fd: number | undefined;

  constructor(readonly path: string, fd?: number) {
    this.fd = fd ?? openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
  }

  read(offset: number, length: number): Uint8Array {
    if (this.fd === undefined) throw new SourceRangeError(offset, length, 0);
    if (offset < 0 || length < 0 || offset + length > this.size) throw new SourceRangeError(offset, length, this.size);
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, out, done, length - done, offset + done);
      if (n <= 0) throw new SourceRangeError(offset + done, length - done, this.size);
      done += n;
    }
    return out;
  }

  close(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }
}
