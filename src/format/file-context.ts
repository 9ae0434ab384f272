import type { ByteSource } from '../io/source.js';
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
    if (this.overlay.length) {
      const e = this.overlayAt(address);
      if (e && address + length <= e.address + e.bytes.length) return e.bytes.subarray(address - e.address, address - e.address + length);
    }
    const abs = this.baseAddress + address;
    if (!(address >= 0) || !(length >= 0) || abs + length > this.source.size || !Number.isSafeInteger(abs + length)) {
      throw new H5FormatError(
        structure,
        address,
        `${length} bytes at address ${address} lie beyond the end of the file (${this.source.size - this.baseAddress} bytes after the base address)`,
      );
    }
    return this.source.read(abs, length);
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
