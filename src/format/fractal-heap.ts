import { verifyChecksum, verifyTrailingChecksum } from './checksum.js';
import { H5FormatError } from '../errors.js';
import { decodeChunk } from '../filters/pipeline.js';
import { ByteReader, isUndefinedAddress, littleEndianUint } from './byte-reader.js';
import { BTreeV2, decodeHugeObjectRecord, log2Floor, limitEncodedSize, type HugeObjectRecord } from './btree-v2.js';
import type { FileContext } from './file-context.js';
import { readFilterPipeline, type FilterDescription } from './messages/filter-pipeline.js';

/** Bound on indirect-block nesting while locating an object (the doubling table has at most 64 rows). */
const MAX_INDIRECT_DEPTH = 64;

/** Heap ID type bits (byte 0, bits 4–5). */
const ID_MANAGED = 0;
const ID_HUGE = 1;
const ID_TINY = 2;

/** Header flag bits. */
const FLAG_DIRECT_BLOCKS_CHECKSUMMED = 0x02;

/** One child entry of an indirect block. */
interface IndirectEntry {
  readonly address: number;
  /** Filtered heaps: stored size and filter mask of a child direct block. */
  readonly filteredSize: number;
  readonly filterMask: number;
}

/**
 * A fractal heap indirect block (spec III.G, "Fractal Heap Indirect Block",
 * signature "FHIB"): `rows × width` child entries, direct blocks in the
 * first rows, indirect blocks below.
 */
class FractalHeapIndirectBlock {
  constructor(
    readonly address: number,
    readonly rows: number,
    readonly blockOffset: number,
    readonly entries: IndirectEntry[],
  ) {}
}

/**
 * A fractal heap (spec III.G): a header ("FRHP") describing a doubling table
 * of direct blocks ("FHDB") and indirect blocks ("FHIB") holding "managed"
 * objects, plus "huge" objects stored separately (tracked by a v2 B-tree)
 * and "tiny" objects kept inside the heap ID itself.
 */
export class FractalHeap {
  readonly heapIdLength: number;
  readonly flags: number;
  readonly maxManagedObjectSize: number;
  readonly hugeBTreeAddress: number;
  readonly tableWidth: number;
  readonly startingBlockSize: number;
  readonly maxDirectBlockSize: number;
  /** "Maximum heap size": bits of the heap's address space. */
  readonly maxHeapSizeBits: number;
  readonly rootBlockAddress: number;
  readonly currentRootRows: number;
  readonly filters: FilterDescription[];
  readonly rootFilteredSize: number;
  readonly rootFilterMask: number;

  /** Bytes of the offset field of managed heap IDs (H5HF_SIZEOF_OFFSET_BITS of the max heap size). */
  readonly heapOffsetSize: number;
  /** Bytes of the length field of managed heap IDs. */
  readonly heapLengthSize: number;
  readonly maxDirectRows: number;
  readonly maxRootRows: number;
  private readonly startBits: number;
  private readonly firstRowBits: number;
  private readonly rowBlockSize: number[] = [];
  private readonly rowBlockOffset: number[] = [];
  private readonly tinyExtended: boolean;
  private readonly hugeIdsDirect: boolean;
  private readonly hugeIdSize: number;
  private readonly directBlocks = new Map<number, { bytes: Uint8Array; blockOffset: number }>();
  private readonly indirectBlocks = new Map<number, FractalHeapIndirectBlock>();

  private constructor(
    private readonly ctx: FileContext,
    readonly address: number,
    r: ByteReader,
  ) {
    r.signature('FRHP');
    const version = r.u8();
    if (version !== 0) r.fail(`unknown fractal heap header version ${version}`);
    this.heapIdLength = r.u16();
    const filterLength = r.u16();
    this.flags = r.u8();
    this.maxManagedObjectSize = r.u32();
    r.lengthField(); // next huge object ID
    this.hugeBTreeAddress = r.offset();
    r.lengthField(); // free space in managed blocks
    r.offset(); // free-space manager address
    r.lengthField(); // managed space
    r.lengthField(); // allocated managed space
    r.lengthField(); // direct block allocation iterator offset
    r.lengthField(); // managed object count
    r.lengthField(); // huge objects size
    r.lengthField(); // huge object count
    r.lengthField(); // tiny objects size
    r.lengthField(); // tiny object count
    this.tableWidth = r.u16();
    this.startingBlockSize = r.lengthField();
    this.maxDirectBlockSize = r.lengthField();
    this.maxHeapSizeBits = r.u16();
    r.u16(); // starting rows of the root indirect block
    this.rootBlockAddress = r.offset();
    this.currentRootRows = r.u16();
    this.rootFilteredSize = 0;
    this.rootFilterMask = 0;
    this.filters = [];
    if (filterLength > 0) {
      this.rootFilteredSize = r.lengthField();
      this.rootFilterMask = r.u32();
      const at = r.here;
      this.filters = readFilterPipeline(new ByteReader(r.bytesView(filterLength), at, 'fractal heap I/O filter information', r.sizes));
    }
    verifyTrailingChecksum(this.ctx, r.bytes.subarray(0, r.pos + 4), address, 'fractal heap header');

    const bad = (detail: string): never => {
      throw new H5FormatError('fractal heap header', address, detail);
    };
    // Validate the doubling table parameters (libhdf5 H5HF__hdr_create checks the same).
    const pow2 = (n: number) => n > 0 && Number.isSafeInteger(n) && 2 ** log2Floor(n) === n;
    if (this.heapIdLength < 1) bad('heap ID length 0');
    if (this.tableWidth === 0 || !pow2(this.tableWidth)) bad(`table width ${this.tableWidth} is not a power of two`);
    if (!pow2(this.startingBlockSize)) bad(`starting block size ${this.startingBlockSize} is not a power of two`);
    if (!pow2(this.maxDirectBlockSize) || this.maxDirectBlockSize < this.startingBlockSize || this.maxDirectBlockSize > 2 ** 31) {
      bad(`invalid maximum direct block size ${this.maxDirectBlockSize}`);
    }
    if (this.maxHeapSizeBits === 0 || this.maxHeapSizeBits > 64) bad(`invalid maximum heap size ${this.maxHeapSizeBits} bits`);

    // Doubling table (libhdf5 H5HF__dtable_init).
    this.startBits = log2Floor(this.startingBlockSize);
    this.firstRowBits = this.startBits + log2Floor(this.tableWidth);
    if (this.maxHeapSizeBits < this.firstRowBits) bad(`maximum heap size ${this.maxHeapSizeBits} bits is smaller than the first row`);
    this.maxRootRows = this.maxHeapSizeBits - this.firstRowBits + 1;
    this.maxDirectRows = log2Floor(this.maxDirectBlockSize) - this.startBits + 2;
    if (this.currentRootRows > this.maxRootRows) bad(`root indirect block has ${this.currentRootRows} rows, at most ${this.maxRootRows} allowed`);
    let size = this.startingBlockSize;
    let offset = this.startingBlockSize * this.tableWidth;
    this.rowBlockSize.push(this.startingBlockSize);
    this.rowBlockOffset.push(0);
    for (let row = 1; row < this.maxRootRows; row++) {
      this.rowBlockSize.push(size);
      this.rowBlockOffset.push(offset);
      size *= 2;
      offset *= 2;
    }

    // Heap ID field sizes (H5HF__hdr_finish_init_phase1).
    this.heapOffsetSize = Math.ceil(this.maxHeapSizeBits / 8);
    this.heapLengthSize = Math.min(Math.ceil(log2Floor(this.maxDirectBlockSize) / 8), limitEncodedSize(this.maxManagedObjectSize));

    // Tiny objects (H5HF__tiny_init): a second length byte once the ID exceeds 18 bytes.
    this.tinyExtended = this.heapIdLength - 1 > 17;

    // Huge objects (H5HF__huge_init): address/length in the ID when it fits, else an ID into the B-tree.
    const o = r.sizes.offsetSize;
    const l = r.sizes.lengthSize;
    if (filterLength > 0) {
      this.hugeIdsDirect = this.heapIdLength - 1 >= o + l + 4 + l;
    } else {
      this.hugeIdsDirect = this.heapIdLength - 1 >= o + l;
    }
    this.hugeIdSize = this.hugeIdsDirect ? 0 : Math.min(this.heapIdLength - 1, 8);
  }

  /** Read (once per file) the fractal heap whose header is at `address`. */
  static read(ctx: FileContext, address: number): FractalHeap {
    return ctx.cached('FRHP', address, () => {
      if (isUndefinedAddress(address)) throw new H5FormatError('fractal heap header', address, 'undefined address');
      const o = ctx.sizes.offsetSize;
      const l = ctx.sizes.lengthSize;
      const fixed = 4 + 1 + 2 + 2 + 1 + 4 + l + o + l + o + 8 * l + 2 + l + l + 2 + 2 + o + 2;
      const head = ctx.reader(address, fixed, 'fractal heap header');
      head.seek(5);
      head.u16();
      const filterLength = head.u16();
      const total = fixed + (filterLength > 0 ? l + 4 + filterLength : 0) + 4;
      return new FractalHeap(ctx, address, ctx.reader(address, total, 'fractal heap header'));
    });
  }

  /** Whether direct blocks carry a checksum (header flag bit 1). */
  get directBlocksChecksummed(): boolean {
    return (this.flags & FLAG_DIRECT_BLOCKS_CHECKSUMMED) !== 0;
  }

  /** The object a heap ID names. */
  get(heapId: Uint8Array): Uint8Array {
    return this.read(heapId).data;
  }

  /** The object a heap ID names and, when it sits unfiltered in the file, its address (else -1). */
  read(heapId: Uint8Array): { data: Uint8Array; address: number } {
    if (heapId.length < 1) throw new H5FormatError('fractal heap ID', this.address, 'empty heap ID');
    const flags = heapId[0];
    const version = flags >> 6;
    if (version !== 0) throw new H5FormatError('fractal heap ID', this.address, `unknown heap ID version ${version}`);
    const type = (flags >> 4) & 3;
    switch (type) {
      case ID_MANAGED:
        return this.managed(heapId);
      case ID_TINY:
        return { data: this.tiny(heapId), address: -1 };
      case ID_HUGE:
        return this.huge(heapId);
      default:
        throw new H5FormatError('fractal heap ID', this.address, `unknown heap ID type ${type}`);
    }
  }

  // -- tiny ------------------------------------------------------------------

  private tiny(id: Uint8Array): Uint8Array {
    let length: number;
    let start: number;
    if (!this.tinyExtended) {
      length = (id[0] & 0x0f) + 1;
      start = 1;
    } else {
      if (id.length < 2) throw new H5FormatError('fractal heap ID', this.address, 'truncated tiny object ID');
      length = (((id[0] & 0x0f) << 8) | id[1]) + 1;
      start = 2;
    }
    if (start + length > id.length) {
      throw new H5FormatError('fractal heap ID', this.address, `tiny object of ${length} bytes does not fit in a ${id.length}-byte heap ID`);
    }
    return id.subarray(start, start + length);
  }

  // -- huge ------------------------------------------------------------------

  private huge(id: Uint8Array): { data: Uint8Array; address: number } {
    const o = this.ctx.sizes.offsetSize;
    const l = this.ctx.sizes.lengthSize;
    const filtered = this.filters.length > 0;
    let rec: HugeObjectRecord;
    if (this.hugeIdsDirect) {
      const need = 1 + o + l + (filtered ? 4 + l : 0);
      if (id.length < need) throw new H5FormatError('fractal heap ID', this.address, `huge object ID of ${id.length} bytes, ${need} needed`);
      const r = new ByteReader(id, this.address, 'fractal heap ID', this.ctx.sizes).seek(1);
      rec = decodeHugeObjectRecord(filtered ? 4 : 3, r);
    } else {
      if (id.length < 1 + this.hugeIdSize) throw new H5FormatError('fractal heap ID', this.address, 'truncated huge object ID');
      const key = littleEndianUint(id, 1, this.hugeIdSize);
      if (isUndefinedAddress(this.hugeBTreeAddress)) {
        throw new H5FormatError('fractal heap header', this.address, 'huge object ID used but the heap has no huge-object B-tree');
      }
      const bt = BTreeV2.read(this.ctx, this.hugeBTreeAddress);
      const type = filtered ? 2 : 1;
      if (bt.type !== type) throw new H5FormatError('v2 B-tree header', bt.address, `huge-object B-tree has record type ${bt.type}, expected ${type}`);
      const found = bt.find(
        (r) => key - decodeHugeObjectRecord(type, r).id,
        (r) => decodeHugeObjectRecord(type, r),
      );
      if (!found) throw new H5FormatError('fractal heap', this.address, `huge object ${key} not found in its v2 B-tree`);
      rec = found;
    }
    if (isUndefinedAddress(rec.address)) throw new H5FormatError('fractal heap', this.address, 'huge object at an undefined address');
    const stored = this.ctx.bytes(rec.address, rec.length, 'fractal heap huge object');
    if (!filtered) return { data: stored, address: rec.address };
    const data = decodeChunk(this.filters, stored, rec.filterMask, {
      elementSize: 1,
      chunkBytes: rec.objectSize,
      where: `huge object at ${rec.address} of the fractal heap at ${this.address}`,
    });
    return { data, address: -1 };
  }

  // -- managed ---------------------------------------------------------------

  private managed(id: Uint8Array): { data: Uint8Array; address: number } {
    const need = 1 + this.heapOffsetSize + this.heapLengthSize;
    if (id.length < need) throw new H5FormatError('fractal heap ID', this.address, `managed object ID of ${id.length} bytes, ${need} needed`);
    const offset = littleEndianUint(id, 1, this.heapOffsetSize);
    const length = littleEndianUint(id, 1 + this.heapOffsetSize, this.heapLengthSize);
    if (!Number.isSafeInteger(offset)) throw new H5FormatError('fractal heap ID', this.address, 'object offset beyond 2^53');
    if (length === 0 || length > this.maxManagedObjectSize) {
      throw new H5FormatError('fractal heap ID', this.address, `managed object length ${length} outside 1..${this.maxManagedObjectSize}`);
    }
    if (isUndefinedAddress(this.rootBlockAddress)) {
      throw new H5FormatError('fractal heap header', this.address, 'managed object requested from an empty heap');
    }
    let block: { bytes: Uint8Array; blockOffset: number; address: number };
    if (this.currentRootRows === 0) {
      // The root is a single direct block of the starting size.
      block = this.directBlock(this.rootBlockAddress, this.startingBlockSize, this.rootFilteredSize, this.rootFilterMask);
    } else {
      block = this.locate(offset);
    }
    const rel = offset - block.blockOffset;
    const prefix = 5 + this.ctx.sizes.offsetSize + this.heapOffsetSize + (this.directBlocksChecksummed ? 4 : 0);
    if (rel < prefix || rel + length > block.bytes.length) {
      throw new H5FormatError(
        'fractal heap direct block',
        block.address,
        `object at heap offset ${offset} (+${length} bytes) lies outside the block's data (block offset ${block.blockOffset}, ${block.bytes.length} bytes)`,
      );
    }
    const filtered = this.filters.length > 0;
    return { data: block.bytes.subarray(rel, rel + length), address: filtered ? -1 : block.address + rel };
  }

  /** Row and column of a heap offset relative to an indirect block (H5HF__dtable_lookup). */
  private lookup(off: number): { row: number; col: number } {
    const firstRow = this.startingBlockSize * this.tableWidth;
    if (off < firstRow) return { row: 0, col: Math.floor(off / this.startingBlockSize) };
    const high = log2Floor(off);
    const row = high - this.firstRowBits + 1;
    if (row >= this.rowBlockSize.length) return { row, col: 0 };
    return { row, col: Math.floor((off - 2 ** high) / this.rowBlockSize[row]) };
  }

  /** Descend the indirect blocks to the direct block holding `offset`. */
  private locate(offset: number): { bytes: Uint8Array; blockOffset: number; address: number } {
    let iblock = this.indirectBlock(this.rootBlockAddress, this.currentRootRows, 0);
    const path = new Set<number>([iblock.address]);
    for (let depth = 0; depth < MAX_INDIRECT_DEPTH; depth++) {
      const { row, col } = this.lookup(offset - iblock.blockOffset);
      if (row >= iblock.rows || col >= this.tableWidth) {
        throw new H5FormatError(
          'fractal heap indirect block',
          iblock.address,
          `heap offset ${offset} falls in row ${row} but the block has ${iblock.rows} rows`,
        );
      }
      const entry = iblock.entries[row * this.tableWidth + col];
      const childOffset = iblock.blockOffset + this.rowBlockOffset[row] + col * this.rowBlockSize[row];
      if (isUndefinedAddress(entry.address)) {
        throw new H5FormatError('fractal heap indirect block', iblock.address, `heap offset ${offset} lies in an unallocated block (row ${row}, column ${col})`);
      }
      if (row < this.maxDirectRows) {
        return this.directBlock(entry.address, this.rowBlockSize[row], entry.filteredSize, entry.filterMask);
      }
      if (path.has(entry.address)) {
        throw new H5FormatError('fractal heap indirect block', iblock.address, `cycle: child indirect block ${entry.address} is an ancestor`);
      }
      path.add(entry.address);
      const rows = log2Floor(this.rowBlockSize[row]) - this.firstRowBits + 1;
      iblock = this.indirectBlock(entry.address, rows, childOffset);
    }
    throw new H5FormatError('fractal heap', this.address, `indirect blocks nested deeper than ${MAX_INDIRECT_DEPTH}`);
  }

  private indirectBlock(address: number, rows: number, blockOffset: number): FractalHeapIndirectBlock {
    const cached = this.indirectBlocks.get(address);
    if (cached) {
      if (cached.rows !== rows) throw new H5FormatError('fractal heap indirect block', address, 'block reached with two different sizes');
      return cached;
    }
    const structure = 'fractal heap indirect block';
    if (rows > this.maxRootRows || rows < 1) throw new H5FormatError(structure, address, `invalid row count ${rows}`);
    const o = this.ctx.sizes.offsetSize;
    const l = this.ctx.sizes.lengthSize;
    const filtered = this.filters.length > 0;
    const directRows = Math.min(rows, this.maxDirectRows);
    const directEntry = o + (filtered ? l + 4 : 0);
    const size = 5 + o + this.heapOffsetSize + directRows * this.tableWidth * directEntry + (rows - directRows) * this.tableWidth * o + 4;
    const r = this.ctx.reader(address, size, structure);
    r.signature('FHIB');
    const version = r.u8();
    if (version !== 0) r.fail(`unknown indirect block version ${version}`);
    const heapAddress = r.offset();
    if (heapAddress !== this.address) r.fail(`belongs to the heap at ${heapAddress}, not ${this.address}`);
    r.uint(this.heapOffsetSize); // block offset (integrity only; libhdf5 does not check it)
    verifyTrailingChecksum(this.ctx, r.bytes, address, structure);
    const entries: IndirectEntry[] = [];
    for (let row = 0; row < rows; row++) {
      for (let col = 0; col < this.tableWidth; col++) {
        const a = r.offset();
        if (row < this.maxDirectRows && filtered) entries.push({ address: a, filteredSize: r.lengthField(), filterMask: r.u32() });
        else entries.push({ address: a, filteredSize: 0, filterMask: 0 });
      }
    }
    const block = new FractalHeapIndirectBlock(address, rows, blockOffset, entries);
    this.indirectBlocks.set(address, block);
    return block;
  }

  /** A direct block's bytes (unfiltered, checksum verified when the heap says so). */
  private directBlock(address: number, blockSize: number, filteredSize: number, filterMask: number): { bytes: Uint8Array; blockOffset: number; address: number } {
    const cached = this.directBlocks.get(address);
    if (cached) {
      if (cached.bytes.length !== blockSize) throw new H5FormatError('fractal heap direct block', address, 'block reached with two different sizes');
      return { ...cached, address };
    }
    const structure = 'fractal heap direct block';
    let bytes: Uint8Array;
    if (this.filters.length > 0) {
      if (filteredSize <= 0) throw new H5FormatError(structure, address, 'filtered direct block with no stored size');
      const stored = this.ctx.bytes(address, filteredSize, structure);
      bytes = decodeChunk(this.filters, stored, filterMask, {
        elementSize: 1,
        chunkBytes: blockSize,
        where: `direct block at ${address} of the fractal heap at ${this.address}`,
      });
    } else {
      bytes = this.ctx.bytes(address, blockSize, structure);
    }
    const r = new ByteReader(bytes, address, structure, this.ctx.sizes);
    r.signature('FHDB');
    const version = r.u8();
    if (version !== 0) r.fail(`unknown direct block version ${version}`);
    const heapAddress = r.offset();
    if (heapAddress !== this.address) r.fail(`belongs to the heap at ${heapAddress}, not ${this.address}`);
    const blockOffset = r.uint(this.heapOffsetSize);
    if (this.directBlocksChecksummed) {
      const at = r.pos;
      r.u32();
      // The checksum covers the whole block with its own field zeroed.
      const copy = bytes.slice();
      copy[at] = copy[at + 1] = copy[at + 2] = copy[at + 3] = 0;
      verifyChecksum(this.ctx, bytes, address, structure, at, copy);
    }
    const entry = { bytes, blockOffset };
    this.directBlocks.set(address, entry);
    return { ...entry, address };
  }
}
