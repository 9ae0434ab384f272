import { decodeUtf8, type FieldSizes } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';
import type { FileContext } from './file-context.js';
import { H5FormatError } from '../errors.js';

/**
 * Local heap "HEAP" (spec III.D): the names of a symbol-table group's links
 * (and soft link values), addressed by offset into one data segment.
 */
export class LocalHeap {
  private constructor(
    readonly address: number,
    readonly data: Uint8Array,
    readonly dataAddress: number,
  ) {}

  static read(ctx: FileContext, address: number): LocalHeap {
    return ctx.cached('HEAP', address, () => {
      const r = ctx.reader(address, 8 + 2 * ctx.sizes.lengthSize + ctx.sizes.offsetSize, 'local heap');
      r.signature('HEAP');
      const version = r.u8();
      if (version !== 0) r.fail(`unsupported version ${version}`);
      r.skip(3);
      const dataSize = r.lengthField();
      r.lengthField(); // offset to head of free list
      const dataAddress = r.offset();
      return new LocalHeap(address, ctx.bytes(dataAddress, dataSize, 'local heap data segment'), dataAddress);
    });
  }

  /** The NUL-terminated string at `offset` in the data segment. */
  string(offset: number): string {
    if (offset < 0 || offset >= this.data.length) {
      throw new H5FormatError('local heap', this.address, `string offset ${offset} outside the ${this.data.length}-byte data segment`);
    }
    let end = offset;
    while (end < this.data.length && this.data[end] !== 0) end++;
    return decodeUtf8(this.data.subarray(offset, end));
  }
}

/**
 * Builds a local heap's data segment (spec III.D): offset 0 holds the empty
 * string (libhdf5 puts it there for the root's name), every string is
 * NUL-terminated and padded to a multiple of 8.
 */
export class LocalHeapBuilder {
  private readonly parts: Uint8Array[] = [];
  private used = 0;

  constructor() {
    this.add('');
  }

  /** Offset of `s` in the data segment. */
  add(s: string): number {
    const b = new TextEncoder().encode(s);
    const len = Math.ceil((b.length + 1) / 8) * 8;
    const padded = new Uint8Array(len);
    padded.set(b);
    const at = this.used;
    this.parts.push(padded);
    this.used += len;
    return at;
  }

  get size(): number {
    return this.used;
  }

  /** The data segment, at least `minSize` bytes; the unused tail is one free block. */
  segment(minSize: number): { data: Uint8Array; freeOffset: number } {
    const size = Math.max(minSize, this.used);
    const data = new Uint8Array(size);
    let at = 0;
    for (const p of this.parts) {
      data.set(p, at);
      at += p.length;
    }
    let freeOffset = UNDEFINED_ADDRESS_OFFSET;
    // A free block needs room for its own header (next offset + size: two lengths).
    if (size - this.used >= 16) {
      freeOffset = this.used;
      const v = new DataView(data.buffer);
      v.setBigUint64(this.used, 1n, true); // 1 = end of free list
      v.setBigUint64(this.used + 8, BigInt(size - this.used), true);
    }
    return { data, freeOffset };
  }
}

/** "No free block" in a local heap header is the undefined address (all ones). */
const UNDEFINED_ADDRESS_OFFSET = -1;

/** The "HEAP" header (spec III.D). */
export function encodeLocalHeapHeader(sizes: FieldSizes, dataSize: number, freeOffset: number, dataAddress: number): Uint8Array {
  const w = new ByteWriter(sizes, 32);
  // libhdf5 marks "no free block" with offset 1 (H5HL_FREE_NULL), not the undefined address.
  w.bytes(new TextEncoder().encode('HEAP')).u8(0).zeros(3).length(dataSize).length(freeOffset < 0 ? 1 : freeOffset);
  w.offset(dataAddress);
  return w.finish();
}

export function localHeapHeaderSize(sizes: FieldSizes): number {
  return 8 + 2 * sizes.lengthSize + sizes.offsetSize;
}
