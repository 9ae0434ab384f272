import { H5FormatError } from '../../errors.js';
import { ByteReader, isUndefinedAddress } from '../byte-reader.js';
import { verifyTrailingChecksum } from '../checksum.js';
import type { FileContext } from '../file-context.js';

/**
 * The allocated chunks of an array-style chunk index, as parallel typed
 * arrays: the element's linear index in the chunk grid, the chunk's
 * address, its stored size (-1 when the index is unfiltered: the chunk has
 * the full chunk size) and its filter mask.
 */
export interface ChunkEntries {
  count: number;
  index: Float64Array;
  address: Float64Array;
  size: Float64Array;
  mask: Uint32Array;
}

/** Collects chunk entries, growing its typed arrays by doubling. */
export class ChunkEntryBuilder {
  private n = 0;
  private index = new Float64Array(16);
  private address = new Float64Array(16);
  private size = new Float64Array(16);
  private mask = new Uint32Array(16);

  add(index: number, address: number, size: number, mask: number): void {
    if (this.n === this.index.length) {
      const grow = <T extends Float64Array | Uint32Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      this.index = grow(this.index);
      this.address = grow(this.address);
      this.size = grow(this.size);
      this.mask = grow(this.mask);
    }
    this.index[this.n] = index;
    this.address[this.n] = address;
    this.size[this.n] = size;
    this.mask[this.n] = mask;
    this.n++;
  }

  done(): ChunkEntries {
    const n = this.n;
    return { count: n, index: this.index.subarray(0, n), address: this.address.subarray(0, n), size: this.size.subarray(0, n), mask: this.mask.subarray(0, n) };
  }
}

/**
 * How the elements of a fixed or extensible array for chunks are encoded
 * (libhdf5 H5Dfarray.c / H5Dearray.c): class 0 = an address; class 1
 * (filtered) = address, chunk size in `elementSize - offsetSize - 4` bytes,
 * filter mask.
 */
export interface ChunkElementFormat {
  readonly filtered: boolean;
  readonly elementSize: number;
  readonly chunkSizeLength: number;
}

export function chunkElementFormat(r: ByteReader, clientId: number, elementSize: number): ChunkElementFormat {
  const o = r.sizes.offsetSize;
  if (clientId === 0) {
    if (elementSize !== o) r.fail(`unfiltered chunk elements of ${elementSize} bytes, expected ${o}`);
    return { filtered: false, elementSize, chunkSizeLength: 0 };
  }
  if (clientId === 1) {
    const chunkSizeLength = elementSize - o - 4;
    if (chunkSizeLength < 1 || chunkSizeLength > 8) r.fail(`filtered chunk elements of ${elementSize} bytes leave ${chunkSizeLength} bytes for the chunk size`);
    return { filtered: true, elementSize, chunkSizeLength };
  }
  r.fail(`unknown array client class ${clientId}`);
}

/** Decode `n` elements at the reader's position, adding the allocated ones (defined address) to `out`. */
export function decodeChunkElements(r: ByteReader, fmt: ChunkElementFormat, n: number, firstIndex: number, out: ChunkEntryBuilder): void {
  r.need(n * fmt.elementSize);
  for (let i = 0; i < n; i++) {
    const address = r.offset();
    let size = -1;
    let mask = 0;
    if (fmt.filtered) {
      size = r.uint(fmt.chunkSizeLength);
      mask = r.u32();
    }
    if (!isUndefinedAddress(address)) out.add(firstIndex + i, address, size, mask);
  }
}

/** Bit `i` of a libhdf5 "page init" bitmap (most significant bit first, H5VM_bit_get). */
export function pageInitialized(bitmap: Uint8Array, i: number): boolean {
  return (bitmap[i >> 3] & (0x80 >> (i & 7))) !== 0;
}

/**
 * Fixed array chunk index (spec III.B "Fixed Array Header" "FAHD" and
 * "Fixed Array Data Block" "FADB"): one element per chunk of the grid of
 * maximum dimensions. Above 2^pageBits elements the data block is split
 * into checksummed pages, with an initialisation bitmap in the block.
 */
export class FixedArray {
  private constructor(
    readonly address: number,
    readonly format: ChunkElementFormat,
    readonly pageBits: number,
    readonly elementCount: number,
    readonly dataBlockAddress: number,
  ) {}

  static read(ctx: FileContext, address: number): FixedArray {
    return ctx.cached('FAHD', address, () => {
      const structure = 'fixed array header';
      if (isUndefinedAddress(address)) throw new H5FormatError(structure, address, 'undefined address');
      const o = ctx.sizes.offsetSize;
      const l = ctx.sizes.lengthSize;
      const r = ctx.reader(address, 4 + 1 + 1 + 1 + 1 + l + o + 4, structure);
      r.signature('FAHD');
      const version = r.u8();
      if (version !== 0) r.fail(`unknown fixed array header version ${version}`);
      const clientId = r.u8();
      const elementSize = r.u8();
      const pageBits = r.u8();
      const elementCount = r.lengthField();
      const dataBlockAddress = r.offset();
      verifyTrailingChecksum(ctx, r.bytes, address, structure);
      const format = chunkElementFormat(r, clientId, elementSize);
      if (pageBits > 32) r.fail(`page size of 2^${pageBits} elements`);
      return new FixedArray(address, format, pageBits, elementCount, dataBlockAddress);
    });
  }

  /** The allocated chunks, in index order. */
  entries(ctx: FileContext): ChunkEntries {
    const out = new ChunkEntryBuilder();
    const addr = this.dataBlockAddress;
    if (isUndefinedAddress(addr) || this.elementCount === 0) return out.done();
    const structure = 'fixed array data block';
    const o = ctx.sizes.offsetSize;
    const esz = this.format.elementSize;
    const n = this.elementCount;
    const pageElements = 2 ** this.pageBits;
    const paged = n > pageElements;
    const pages = paged ? Math.ceil(n / pageElements) : 0;
    const bitmapSize = paged ? Math.ceil(pages / 8) : 0;
    const prefix = 4 + 1 + 1 + o + bitmapSize + 4;
    // Whole-block size check first: a hostile element count must not make us allocate.
    const total = prefix + n * esz + pages * 4;
    if (!Number.isSafeInteger(total)) throw new H5FormatError(structure, addr, `${n} elements cannot be stored`);
    const head = ctx.reader(addr, paged ? prefix : total, structure);
    head.signature('FADB');
    const version = head.u8();
    if (version !== 0) head.fail(`unknown fixed array data block version ${version}`);
    const clientId = head.u8();
    if (clientId !== (this.format.filtered ? 1 : 0)) head.fail(`client class ${clientId} differs from the header's`);
    const owner = head.offset();
    if (owner !== this.address) head.fail(`belongs to the fixed array at ${owner}, not ${this.address}`);
    if (!paged) {
      verifyTrailingChecksum(ctx, head.bytes, addr, structure);
      decodeChunkElements(head, this.format, n, 0, out);
      return out.done();
    }
    const bitmap = head.bytesView(bitmapSize);
    verifyTrailingChecksum(ctx, head.bytes, addr, structure);
    ctx.bytes(addr, total, structure); // the pages must all lie in the file
    const pageSize = pageElements * esz + 4;
    for (let p = 0; p < pages; p++) {
      if (!pageInitialized(bitmap, p)) continue;
      const count = p === pages - 1 ? n - p * pageElements : pageElements;
      const at = addr + prefix + p * pageSize;
      const bytes = ctx.bytes(at, count * esz + 4, 'fixed array data block page');
      verifyTrailingChecksum(ctx, bytes, at, "fixed array data block page");
      decodeChunkElements(new ByteReader(bytes, at, 'fixed array data block page', ctx.sizes), this.format, count, p * pageElements, out);
    }
    return out.done();
  }
}
