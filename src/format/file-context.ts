import type { ByteSource } from '../io/source.js';
import type { DeferredInflate } from '../filters/deferred-inflate.js';
import { H5FormatError } from '../errors.js';
import { ByteReader, type FieldSizes } from './byte-reader.js';

/**
 * What every structure parser needs: the byte source, the base address that
 * all stored addresses are relative to, and the field sizes from the
 * superblock. Reads are bounds-checked against the source, so a corrupt
 * length can never make h5kit allocate more than the file holds.
 */
export class FileContext {
  /** Parsed-structure caches keyed by address, so shared structures are decoded once. */
  readonly cache = new Map<string, unknown>();
  /** Reads through an async source: deflate chunks are inflated by the runtime between runs (AsyncFile). */
  deferredInflate?: DeferredInflate;

  constructor(
    readonly source: ByteSource,
    readonly baseAddress: number,
    readonly sizes: FieldSizes,
    /** Salvage reads: checksum mismatches are not reported (off by default). */
    readonly relaxChecksums = false,
  ) {}

  /** Metadata served from a cache image instead of the file, sorted by address. */
  private overlay: { address: number; bytes: Uint8Array }[] = [];

  /** Serve these entries' addresses from memory (metadata cache image). */
  setOverlay(entries: { address: number; bytes: Uint8Array }[]): void {
    this.overlay = entries.slice().sort((a, b) => a.address - b.address);
    this.cache.clear();
  }

  private overlayAt(address: number): { address: number; bytes: Uint8Array } | undefined {
    const o = this.overlay;
    let lo = 0, hi = o.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (o[mid].address > address) hi = mid - 1;
      else if (o[mid].address + o[mid].bytes.length <= address) lo = mid + 1;
      else return o[mid];
    }
    return undefined;
  }

  /** Bytes at a (base-relative) file address. */
  bytes(address: number, length: number, structure: string): Uint8Array {
    const e = this.overlaid(address, length);
    if (e) return e;
    return this.source.read(this.absolute(address, length, structure), length);
  }

  /**
   * The bytes at `address` copied into `target` (its whole length): read
   * straight into it when the source can (a file), else copied from a read.
   */
  bytesInto(address: number, target: Uint8Array, structure: string): Uint8Array {
    const e = this.overlaid(address, target.length);
    if (e) target.set(e);
    else {
      const abs = this.absolute(address, target.length, structure);
      if (this.source.readInto) this.source.readInto(abs, target);
      else target.set(this.source.read(abs, target.length));
    }
    return target;
  }

  /** Hint that these (base-relative) ranges are about to be read (ByteSource.want); bad ranges are ignored here and reported when read. */
  want(ranges: readonly { address: number; length: number }[]): void {
    if (!this.source.want) return;
    this.source.want(ranges.map((r) => ({ offset: this.baseAddress + r.address, length: r.length })));
  }

  /** Bytes served from the cache-image overlay, when it holds the whole range. */
  private overlaid(address: number, length: number): Uint8Array | undefined {
    if (!this.overlay.length) return undefined;
    const e = this.overlayAt(address);
    if (e && address + length <= e.address + e.bytes.length) return e.bytes.subarray(address - e.address, address - e.address + length);
    return undefined;
  }

  /** The absolute source offset of a range, which must lie inside the file. */
  private absolute(address: number, length: number, structure: string): number {
    const abs = this.baseAddress + address;
    if (!(address >= 0) || !(length >= 0) || abs + length > this.source.size || !Number.isSafeInteger(abs + length)) {
      throw new H5FormatError(
        structure,
        address,
        `${length} bytes at address ${address} lie beyond the end of the file (${this.source.size - this.baseAddress} bytes after the base address)`,
      );
    }
    return abs;
  }

  /** A reader over `length` bytes at `address`. */
  reader(address: number, length: number, structure: string): ByteReader {
    return new ByteReader(this.bytes(address, length, structure), address, structure, this.sizes);
  }

  /** A reader over at most `length` bytes at `address`, clipped at the end of the file. */
  readerUpTo(address: number, length: number, structure: string): ByteReader {
    const e = this.overlay.length ? this.overlayAt(address) : undefined;
    const avail = e ? e.address + e.bytes.length - address : this.source.size - this.baseAddress - address;
    return this.reader(address, Math.max(0, Math.min(length, avail)), structure);
  }

  /** Memoise a parsed structure by kind and address. */
  cached<T>(kind: string, address: number, parse: () => T): T {
    const key = `${kind}@${address}`;
    let v = this.cache.get(key) as T | undefined;
    if (v === undefined) {
      v = parse();
      this.cache.set(key, v);
    }
    return v;
  }
}
