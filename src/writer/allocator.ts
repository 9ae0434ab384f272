import type { ByteSink } from '../io/sink.js';

/**
 * Space in a file being written: everything is appended at the end of file,
 * so an address, once handed out, never moves.
 */
export class Allocator {
  constructor(
    readonly sink: ByteSink,
    public end: number,
  ) {}

  alloc(size: number): number {
    const at = this.end;
    this.end += size;
    return at;
  }

  /** Allocate and write. */
  put(bytes: Uint8Array): number {
    const at = this.alloc(bytes.length);
    this.sink.write(at, bytes);
    return at;
  }
}
