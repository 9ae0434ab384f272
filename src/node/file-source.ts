import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { ByteSource } from '../io/source.js';
import { SourceRangeError } from '../io/memory-source.js';

/** Reads up to this size are served from cached extents: metadata walks make many tiny reads. */
const SMALL_READ = 16 * 1024;
/** A lone small read fetches one page around it... */
const PAGE = 4 * 1024;
/** ...a read close after the previous fetch (a walk through neighbouring structures) fetches this much. */
const READ_AHEAD = 64 * 1024;
const MAX_EXTENTS = 32;

/**
 * A file on disk read with positioned reads: only the ranges the parser asks
 * for are read, so files larger than memory can be opened. Small reads go
 * through a few cached extents: a lone read (a symbol table node far from
 * anything else) fetches its 4 KiB page, a read just after the previous
 * fetch (walking headers laid out one after another) fetches 64 KiB, so a
 * listing costs one small syscall per node and a full walk one per 64 KiB.
 * Every read still returns a buffer of its own.
 */
export class FileSource implements ByteSource {
  readonly size: number;
  readonly freshReads = true;
  private fd: number | undefined;
  /** Most recently used last. */
  private readonly extents: { start: number; data: Uint8Array }[] = [];
  private lastFetchEnd = -1;

  constructor(readonly path: string, fd?: number) {
    this.fd = fd ?? openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
  }

  read(offset: number, length: number): Uint8Array {
    if (this.fd === undefined) throw new SourceRangeError(offset, length, 0);
    if (offset < 0 || length < 0 || offset + length > this.size) throw new SourceRangeError(offset, length, this.size);
    if (length > SMALL_READ) return this.direct(offset, length);
    const x = this.extentFor(offset, length);
    return x.data.slice(offset - x.start, offset - x.start + length);
  }

  private extentFor(offset: number, length: number): { start: number; data: Uint8Array } {
    const list = this.extents;
    for (let i = list.length - 1; i >= 0; i--) {
      const x = list[i];
      if (offset >= x.start && offset + length <= x.start + x.data.length) {
        if (i !== list.length - 1) list.push(list.splice(i, 1)[0]);
        return x;
      }
    }
    const sequential = this.lastFetchEnd >= 0 && offset >= this.lastFetchEnd - PAGE && offset < this.lastFetchEnd + READ_AHEAD;
    const start = offset - (offset % PAGE);
    const want = Math.max(sequential ? READ_AHEAD : PAGE, offset + length - start);
    const x = { start, data: this.direct(start, Math.min(want, this.size - start)) };
    this.lastFetchEnd = x.start + x.data.length;
    if (list.length >= MAX_EXTENTS) list.shift();
    list.push(x);
    return x;
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
      this.extents.length = 0;
    }
  }
}
