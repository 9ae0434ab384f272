/**
 * A random-access source of file bytes. The parser asks only for
 * `(offset, length)` ranges, so a file never needs to be in one buffer.
 *
 * `read` is synchronous: the parser is written once against this interface.
 * Async sources (HTTP ranges, Blob) are served through a prefetching cache
 * that satisfies these calls; see spec-notes/io-sources.md.
 */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /**
   * Exactly `length` bytes starting at `offset`. The result may be a view
   * into a shared buffer: callers must not modify it.
   */
  read(offset: number, length: number): Uint8Array;
  /**
   * True when a `read` whose result spans its whole ArrayBuffer returns a
   * new buffer the caller may keep and modify (a file read), so decoded data
   * can use it without another copy. Views of part of a buffer stay shared.
   */
  readonly freshReads?: boolean;
  /**
   * Optional: fill `target` with the bytes from `offset` (sources whose
   * reads copy anyway, such as a file). Lets a reader place several ranges
   * in one buffer of its choosing without a second copy.
   */
  readInto?(offset: number, target: Uint8Array): void;
  /**
   * Optional hint: these ranges are about to be read. A source that fetches
   * asynchronously (BlockCache) fetches them in the same round as the next
   * range it misses, instead of one round per range. Never throws.
   */
  want?(ranges: readonly { offset: number; length: number }[]): void;
  /** Release the underlying resource (file handle). Optional. */
  close?(): void;
}
