import { H5FormatError } from '../../errors.js';
import { ByteReader, isUndefinedAddress } from '../byte-reader.js';
import { log2Floor } from '../btree-v2.js';
import { verifyTrailingChecksum } from '../checksum.js';
import type { FileContext } from '../file-context.js';
import {
  ChunkEntryBuilder,
  chunkElementFormat,
  decodeChunkElements,
  pageInitialized,
  type ChunkElementFormat,
  type ChunkEntries,
} from './fixed-array.js';

/** Per super block geometry (libhdf5 H5EA__hdr_init). */
interface SuperBlockInfo {
  /** Data blocks in this super block. */
  dataBlocks: number;
  /** Elements in each of its data blocks. */
  dataBlockElements: number;
  /** Index of its first element, counted after the index block's elements. */
  startIndex: number;
  /** Index of its first data block over the whole array. */
  startDataBlock: number;
}

/**
 * Extensible array chunk index (spec III.C: header "EAHD", index block
 * "EAIB", super blocks "EASB", data blocks "EADB"). Elements 0.. sit first
 * in the index block, then in data blocks grouped by super block; super
 * block `s` has 2^floor(s/2) data blocks of 2^floor((s+1)/2) × (minimum
 * data block elements) elements each. The index block points directly to
 * the data blocks of the first 2·log2(minimum pointers) super blocks and to
 * the super blocks after that. Data blocks larger than a page are split
 * into checksummed pages whose initialisation bits sit in the super block.
 */
export class ExtensibleArray {
  readonly superBlocks: SuperBlockInfo[] = [];
  /** Bytes of the "block offset" field of super and data blocks. */
  readonly arrayOffsetSize: number;
  readonly pageElements: number;
  /** Super blocks whose data block addresses live in the index block. */
  readonly indexBlockSuperBlocks: number;
  readonly indexBlockDataBlockAddresses: number;
  readonly indexBlockSuperBlockAddresses: number;

  private constructor(
    readonly address: number,
    readonly format: ChunkElementFormat,
    readonly maxElementBits: number,
    readonly indexBlockElements: number,
    readonly dataBlockMinElements: number,
    readonly superBlockMinDataPointers: number,
    readonly pageBits: number,
    readonly maxIndexSet: number,
    readonly indexBlockAddress: number,
  ) {
    const bad = (detail: string): never => {
      throw new H5FormatError('extensible array header', address, detail);
    };
    const pow2 = (n: number) => n > 0 && 2 ** log2Floor(n) === n;
    if (!pow2(dataBlockMinElements)) bad(`minimum data block elements ${dataBlockMinElements} is not a power of two`);
    if (!pow2(superBlockMinDataPointers) || superBlockMinDataPointers < 2) bad(`minimum data block pointers ${superBlockMinDataPointers} is not a power of two ≥ 2`);
    if (maxElementBits === 0 || maxElementBits > 64 || maxElementBits < log2Floor(dataBlockMinElements)) {
      bad(`maximum element bits ${maxElementBits} inconsistent with ${dataBlockMinElements} elements per data block`);
    }
    if (pageBits > 32) bad(`page size of 2^${pageBits} elements`);
    const count = 1 + maxElementBits - log2Floor(dataBlockMinElements);
    let startIndex = 0;
    let startDataBlock = 0;
    for (let s = 0; s < count; s++) {
      const dataBlocks = 2 ** Math.floor(s / 2);
      const dataBlockElements = 2 ** Math.floor((s + 1) / 2) * dataBlockMinElements;
      this.superBlocks.push({ dataBlocks, dataBlockElements, startIndex, startDataBlock });
      startIndex += dataBlocks * dataBlockElements;
      startDataBlock += dataBlocks;
    }
    this.arrayOffsetSize = Math.ceil(maxElementBits / 8);
    this.pageElements = 2 ** pageBits;
    this.indexBlockSuperBlocks = 2 * log2Floor(superBlockMinDataPointers);
    this.indexBlockDataBlockAddresses = 2 * (superBlockMinDataPointers - 1);
    this.indexBlockSuperBlockAddresses = count - this.indexBlockSuperBlocks;
    if (this.indexBlockSuperBlockAddresses < 0) bad(`${count} super blocks, fewer than the index block's ${this.indexBlockSuperBlocks}`);
  }

  static read(ctx: FileContext, address: number): ExtensibleArray {
    return ctx.cached('EAHD', address, () => {
      const structure = 'extensible array header';
      if (isUndefinedAddress(address)) throw new H5FormatError(structure, address, 'undefined address');
      const o = ctx.sizes.offsetSize;
      const l = ctx.sizes.lengthSize;
      const r = ctx.reader(address, 4 + 1 + 1 + 6 + 6 * l + o + 4, structure);
      r.signature('EAHD');
      const version = r.u8();
      if (version !== 0) r.fail(`unknown extensible array header version ${version}`);
      const clientId = r.u8();
      const elementSize = r.u8();
      const maxElementBits = r.u8();
      const indexBlockElements = r.u8();
      const dataBlockMinElements = r.u8();
      const superBlockMinDataPointers = r.u8();
      const pageBits = r.u8();
      r.lengthField(); // number of super blocks created
      r.lengthField(); // size of super blocks created
      r.lengthField(); // number of data blocks created
      r.lengthField(); // size of data blocks created
      const maxIndexSet = r.lengthField();
      r.lengthField(); // number of elements realised
      const indexBlockAddress = r.offset();
      verifyTrailingChecksum(ctx, r.bytes, address, structure);
      const format = chunkElementFormat(r, clientId, elementSize);
      return new ExtensibleArray(
        address, format, maxElementBits, indexBlockElements, dataBlockMinElements, superBlockMinDataPointers, pageBits, maxIndexSet, indexBlockAddress,
      );
    });
  }

  private checkBlockHeader(r: ByteReader, signature: string): void {
    r.signature(signature);
    const version = r.u8();
    if (version !== 0) r.fail(`unknown version ${version}`);
    const clientId = r.u8();
    if (clientId !== (this.format.filtered ? 1 : 0)) r.fail(`client class ${clientId} differs from the header's`);
    const owner = r.offset();
    if (owner !== this.address) r.fail(`belongs to the extensible array at ${owner}, not ${this.address}`);
  }

  /** The allocated chunks, in index order. */
  entries(ctx: FileContext): ChunkEntries {
    const out = new ChunkEntryBuilder();
    if (isUndefinedAddress(this.indexBlockAddress)) return out.done();
    const o = ctx.sizes.offsetSize;
    const esz = this.format.elementSize;
    const structure = 'extensible array index block';
    const size =
      10 + o + this.indexBlockElements * esz + this.indexBlockDataBlockAddresses * o + this.indexBlockSuperBlockAddresses * o;
    const r = ctx.reader(this.indexBlockAddress, size, structure);
    this.checkBlockHeader(r, 'EAIB');
    verifyTrailingChecksum(ctx, r.bytes, this.indexBlockAddress, structure);
    decodeChunkElements(r, this.format, this.indexBlockElements, 0, out);
    const dataBlockAddresses: number[] = [];
    for (let i = 0; i < this.indexBlockDataBlockAddresses; i++) dataBlockAddresses.push(r.offset());
    const superBlockAddresses: number[] = [];
    for (let i = 0; i < this.indexBlockSuperBlockAddresses; i++) superBlockAddresses.push(r.offset());

    const base = this.indexBlockElements;
    const seen = new Set<number>();
    for (let s = 0; s < this.superBlocks.length; s++) {
      const info = this.superBlocks[s];
      if (s < this.indexBlockSuperBlocks) {
        for (let j = 0; j < info.dataBlocks; j++) {
          const a = dataBlockAddresses[info.startDataBlock + j];
          if (isUndefinedAddress(a)) continue;
          this.dataBlock(ctx, a, info.dataBlockElements, base + info.startIndex + j * info.dataBlockElements, undefined, seen, out);
        }
        continue;
      }
      const sa = superBlockAddresses[s - this.indexBlockSuperBlocks];
      if (isUndefinedAddress(sa)) continue;
      this.superBlock(ctx, sa, info, base, seen, out);
    }
    return out.done();
  }

  private superBlock(ctx: FileContext, address: number, info: SuperBlockInfo, base: number, seen: Set<number>, out: ChunkEntryBuilder): void {
    const structure = 'extensible array super block';
    if (seen.has(address)) throw new H5FormatError(structure, address, 'block reached twice');
    seen.add(address);
    const o = ctx.sizes.offsetSize;
    const paged = info.dataBlockElements > this.pageElements;
    const pages = paged ? info.dataBlockElements / this.pageElements : 0;
    const bitmapSize = paged ? Math.ceil(pages / 8) : 0;
    const size = 10 + o + this.arrayOffsetSize + info.dataBlocks * bitmapSize + info.dataBlocks * o;
    const r = ctx.reader(address, size, structure);
    this.checkBlockHeader(r, 'EASB');
    r.uint(this.arrayOffsetSize); // block offset
    verifyTrailingChecksum(ctx, r.bytes, address, structure);
    const bitmaps = r.bytesView(info.dataBlocks * bitmapSize);
    for (let j = 0; j < info.dataBlocks; j++) {
      const a = r.offset();
      if (isUndefinedAddress(a)) continue;
      // One bitmap for the whole super block: bit (data block × pages + page) (H5EA__lookup_elmt).
      const bitmap = paged ? { bits: bitmaps, first: j * pages } : undefined;
      this.dataBlock(ctx, a, info.dataBlockElements, base + info.startIndex + j * info.dataBlockElements, bitmap, seen, out);
    }
  }

  private dataBlock(
    ctx: FileContext,
    address: number,
    elements: number,
    firstIndex: number,
    pageBitmap: { bits: Uint8Array; first: number } | undefined,
    seen: Set<number>,
    out: ChunkEntryBuilder,
  ): void {
    const structure = 'extensible array data block';
    if (seen.has(address)) throw new H5FormatError(structure, address, 'block reached twice');
    seen.add(address);
    const o = ctx.sizes.offsetSize;
    const esz = this.format.elementSize;
    const prefix = 10 + o + this.arrayOffsetSize;
    const paged = elements > this.pageElements;
    if (!paged) {
      const r = ctx.reader(address, prefix + elements * esz, structure);
      this.checkBlockHeader(r, 'EADB');
      r.uint(this.arrayOffsetSize); // block offset
      verifyTrailingChecksum(ctx, r.bytes, address, structure);
      decodeChunkElements(r, this.format, elements, firstIndex, out);
      return;
    }
    const r = ctx.reader(address, prefix, structure);
    this.checkBlockHeader(r, 'EADB');
    r.uint(this.arrayOffsetSize);
    verifyTrailingChecksum(ctx, r.bytes, address, structure);
    const pages = elements / this.pageElements;
    const pageSize = this.pageElements * esz + 4;
    for (let p = 0; p < pages; p++) {
      // Data blocks reached from the index block have no page bitmap (libhdf5 never pages them).
      if (pageBitmap && !pageInitialized(pageBitmap.bits, pageBitmap.first + p)) continue;
      const at = address + prefix + p * pageSize;
      const bytes = ctx.bytes(at, pageSize, 'extensible array data block page');
      verifyTrailingChecksum(ctx, bytes, at, 'extensible array data block page');
      decodeChunkElements(new ByteReader(bytes, at, 'extensible array data block page', ctx.sizes), this.format, this.pageElements, firstIndex + p * this.pageElements, out);
    }
  }
}
