import { H5FormatError } from '../errors.js';

/** The "undefined address" of the spec (all bits set), as h5kit represents it. */
export const UNDEFINED_ADDRESS = -1;

export function isUndefinedAddress(a: number): boolean {
  return a === UNDEFINED_ADDRESS;
}

/** Sizes of offsets and lengths declared by the superblock (spec III.A). */
export interface FieldSizes {
  readonly offsetSize: number;
  readonly lengthSize: number;
}


/**
 * A little-endian cursor over one block of file bytes. Every failure is an
 * `H5FormatError` naming the structure and the file offset where it happened,
 * so callers never see a RangeError from a DataView.
 */
export class ByteReader {
  pos = 0;
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    /** File address of `bytes[0]` (relative to the base address), for messages. */
    readonly address: number,
    readonly structure: string,
    readonly sizes: FieldSizes = { offsetSize: 8, lengthSize: 8 },
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.length;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** Absolute file address of the cursor. */
  get here(): number {
    return this.address + this.pos;
  }

  fail(detail: string, at = this.pos): never {
    throw new H5FormatError(this.structure, this.address + at, detail);
  }

  need(n: number): void {
    if (n < 0 || this.pos + n > this.bytes.length) {
      this.fail(`truncated: needs ${n} more bytes, ${this.bytes.length - this.pos} left`);
    }
  }

  seek(pos: number): this {
    if (pos < 0 || pos > this.bytes.length) this.fail(`position ${pos} outside the structure`);
    this.pos = pos;
    return this;
  }

  skip(n: number): this {
    this.need(n);
    this.pos += n;
    return this;
  }

  /** Advance to the next multiple of `n` relative to the start of the block. */
  align(n: number): this {
    const r = this.pos % n;
    if (r) this.pos = Math.min(this.bytes.length, this.pos + n - r);
    return this;
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.pos++];
  }

  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** Unsigned little-endian integer of 1..8 bytes as a number; fails above 2^53. */
  uint(n: number): number {
    this.need(n);
    let v = 0;
    let mul = 1;
    for (let i = 0; i < n; i++) {
      v += this.bytes[this.pos + i] * mul;
      mul *= 256;
    }
    if (v > Number.MAX_SAFE_INTEGER) this.fail(`${n}-byte value does not fit in 53 bits`);
    this.pos += n;
    return v;
  }

  u64(): number {
    return this.uint(8);
  }

  /** Unsigned 64-bit value as a bigint (for values that may exceed 2^53). */
  u64big(): bigint {
    this.need(8);
    const lo = this.view.getUint32(this.pos, true);
    const hi = this.view.getUint32(this.pos + 4, true);
    this.pos += 8;
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** A file address; all-ones is the undefined address. */
  offset(): number {
    return this.addressOf(this.sizes.offsetSize);
  }

  /** A length field of the declared size. */
  lengthField(): number {
    return this.uint(this.sizes.lengthSize);
  }

  /** An address of `n` bytes (all-ones → UNDEFINED_ADDRESS). */
  addressOf(n: number): number {
    this.need(n);
    let allOnes = true;
    for (let i = 0; i < n; i++) {
      if (this.bytes[this.pos + i] !== 0xff) {
        allOnes = false;
        break;
      }
    }
    if (allOnes) {
      this.pos += n;
      return UNDEFINED_ADDRESS;
    }
    return this.uint(n);
  }

  /** Variable-size unsigned integer (e.g. v2 B-tree record counts). */
  varUint(n: number): number {
    if (n === 0) return 0;
    return this.uint(n);
  }

  bytesView(n: number): Uint8Array {
    this.need(n);
    const b = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** ASCII signature check, e.g. "TREE", "HEAP", "OHDR". */
  signature(sig: string): void {
    this.need(sig.length);
    for (let i = 0; i < sig.length; i++) {
      if (this.bytes[this.pos + i] !== sig.charCodeAt(i)) {
        const got = String.fromCharCode(...this.bytes.subarray(this.pos, this.pos + sig.length));
        this.fail(`bad signature ${JSON.stringify(got)}, expected ${JSON.stringify(sig)}`);
      }
    }
    this.pos += sig.length;
  }

  /** NUL-terminated string starting at the cursor (UTF-8), cursor moved past the NUL. */
  cString(maxLen = this.remaining): string {
    const end = Math.min(this.bytes.length, this.pos + maxLen);
    let i = this.pos;
    while (i < end && this.bytes[i] !== 0) i++;
    if (i >= end) this.fail('string is not NUL-terminated');
    const s = decodeUtf8(this.bytes.subarray(this.pos, i));
    this.pos = i + 1;
    return s;
  }
}

const utf8 = new TextDecoder('utf-8');
export function decodeUtf8(b: Uint8Array): string {
  return utf8.decode(b);
}

export function littleEndianUint(bytes: Uint8Array, at: number, n: number): number {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < n; i++) {
    v += bytes[at + i] * mul;
    mul *= 256;
  }
  return v;
}

