import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { ByteSource } from '../io/source.js';
import { SourceRangeError } from '../io/memory-source.js';

/** Reads up to this size are served from cached blocks: metadata walks make many tiny reads. */
const SMALL_READ = 16 * 1024;
const BLOCK = 64 * 1024;
const MAX_BLOCKS = 32;

/**
 * A file on disk read with positioned reads: only the ranges the parser asks
 * for are read, so files larger than memory can be opened. Small reads go
 * through a few cached 64 KiB blocks (one syscall serves a whole object
 * header, heap or B-tree node and its neighbours); every read still returns
 * a buffer of its own.
 */
export class FileSource implements ByteSource {
  readonly size: number;
  readonly freshReads = true;
  private fd: number | undefined;
  private readonly blocks = new Map<number, Uint8Array>();

  constructor(readonly path: string, fd?: number) {
    this.fd = fd ?? openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
  }

  read(offset: number, length: number): Uint8Array {
    if (this.fd === undefined) throw new SourceRangeError(offset, length, 0);
    if (offset < 0 || length < 0 || offset + length > this.size) throw new SourceRangeError(offset, length, this.size);
    if (length > SMALL_READ) return this.direct(offset, length);
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const at = offset + done;
      const b = Math.floor(at / BLOCK);
      const blk = this.block(b);
      const from = at - b * BLOCK;
      const n = Math.min(length - done, blk.length - from);
      out.set(blk.subarray(from, from + n), done);
      done += n;
    }
    return out;
  }

  private block(b: number): Uint8Array {
    let blk = this.blocks.get(b);
    if (blk) {
      this.blocks.delete(b);
    } else {
      const start = b * BLOCK;
      blk = this.direct(start, Math.min(BLOCK, this.size - start));
      if (this.blocks.size >= MAX_BLOCKS) this.blocks.delete(this.blocks.keys().next().value!);
    }
    this.blocks.set(b, blk);
    return blk;
  }

  private direct(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd!, out, done, length - done, offset + done);
      if (n <= 0) throw new SourceRangeError(offset + done, length - done, this.size);
      done += n;
    }
    return out;
  }

  close(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
      this.blocks.clear();
    }
  }
}
