import type { FieldSizes } from '../format/byte-reader.js';
import { UNDEFINED_ADDRESS } from '../format/byte-reader.js';
import { log2Floor } from '../format/btree-v2.js';
import { ByteWriter } from '../format/byte-writer.js';
import { lookup3 } from '../format/checksum.js';
import { DEFAULT_CHUNK_INDEX, type ChunkIndex } from '../format/messages/data-layout.js';
import { H5ValueError } from '../errors.js';
import type { Allocator } from './allocator.js';
import { writeBTreeV2 } from './btree-v2-writer.js';
import type { ChunkEntry, DraftDataset } from './draft.js';

/**
 * Chunk indexes of layout message version 4 (spec IV.A.2.i) as libhdf5
 * writes them with the latest format: single chunk, fixed array (spec
 * III.B), extensible array (III.C) or v2 B-tree (III.A.2, record types
 * 10/11), built from the draft's chunk map once all chunks are written.
 */

/** A written chunk with its grid (scaled) coordinates. */
export interface ChunkRecord extends ChunkEntry {
  readonly scaled: number[];
}

/** The written chunks of a dataset in row-major grid order (the order of every index's keys). */
export function sortedChunks(ds: DraftDataset): ChunkRecord[] {
  const rank = ds.chunks!.length;
  return [...ds.chunkIndex.entries()]
    .map(([key, e]) => ({ scaled: key.split(',').map(Number), ...e }))
    .sort((a, b) => {
      for (let d = 0; d < rank; d++) if (a.scaled[d] !== b.scaled[d]) return a.scaled[d] - b.scaled[d];
      return 0;
    });
}

/**
 * The index libhdf5 picks for a chunked dataset with the latest format
 * (H5D__layout_set_latest_indexing): a v2 B-tree for more than one unlimited
 * dimension, an extensible array for exactly one, the single-chunk index
 * when the current and maximum dimensions both equal the chunk, else a
 * fixed array. (The implicit index needs early allocation, which h5kit
 * never asks for: chunks are allocated as they are written.)
 */
export function latestChunkIndexType(ds: DraftDataset): ChunkIndex['type'] {
  const { dims, maxDims } = ds.space;
  const unlimited = maxDims.filter((m) => m === null).length;
  if (unlimited > 1) return 'btree-v2';
  if (unlimited === 1) return 'extensible-array';
  const cd = ds.chunks!;
  return dims.every((n, d) => n === maxDims[d] && n === cd[d]) ? 'single' : 'fixed-array';
}

/**
 * Bytes of the stored chunk size in filtered index entries (H5D__farray_idx_create,
 * H5D__earray_idx_create, H5D__bt2_idx_create): 1 + (log2(chunk bytes) + 8) / 8, at most 8.
 */
export function chunkSizeLength(chunkBytes: number): number {
  return Math.min(8, 1 + Math.floor((log2Floor(chunkBytes) + 8) / 8));
}

/** How one chunk entry of a fixed or extensible array is stored (client class 0 = address, 1 = filtered). */
class ElementFormat {
  readonly size: number;
  constructor(
    readonly sizes: FieldSizes,
    readonly filtered: boolean,
    readonly sizeLength: number,
  ) {
    this.size = sizes.offsetSize + (filtered ? sizeLength + 4 : 0);
  }

  get client(): number {
    return this.filtered ? 1 : 0;
  }

  /** An element; no entry = chunk never written (undefined address, size 0, mask 0, as libhdf5 fills them). */
  put(w: ByteWriter, e: ChunkEntry | undefined): void {
    w.offset(e ? e.address : UNDEFINED_ADDRESS);
    if (this.filtered) w.uint(this.sizeLength, e ? e.size : 0).u32(e ? e.filterMask : 0);
  }
}

/**
 * The layout message's description of the index libhdf5 would pick, with
 * libhdf5's default parameters (H5D__layout_set_latest_indexing); a filtered
 * single chunk's size and mask are filled in by `writeChunkIndex`.
 */
export function chunkIndexDescription(ds: DraftDataset): ChunkIndex {
  switch (latestChunkIndexType(ds)) {
    case 'single':
      return ds.filters.length ? { type: 'single', filteredSize: 0, filterMask: 0 } : { type: 'single' };
    case 'fixed-array':
      return DEFAULT_CHUNK_INDEX.fixedArray;
    case 'extensible-array':
      return DEFAULT_CHUNK_INDEX.extensibleArray;
    default:
      return DEFAULT_CHUNK_INDEX.btreeV2;
  }
}

/** Write the index of a chunked dataset; returns the layout's index description and address (undefined: no chunk written). */
export function writeChunkIndex(ds: DraftDataset, alloc: Allocator, sizes: FieldSizes): { index: ChunkIndex; address: number } {
  const type = latestChunkIndexType(ds);
  const cd = ds.chunks!;
  const chunkBytes = cd.reduce((a, b) => a * b, 1) * ds.type.size;
  const filtered = ds.filters.length > 0;
  const chunks = sortedChunks(ds);
  const fmt = new ElementFormat(sizes, filtered, chunkSizeLength(chunkBytes));
  switch (type) {
    case 'single': {
      // The chunk's address is the layout's; a filtered chunk also records its stored size and mask.
      const c = chunks[0];
      const index: ChunkIndex = filtered ? { type: 'single', filteredSize: c?.size ?? 0, filterMask: c?.filterMask ?? 0 } : { type: 'single' };
      return { index, address: c ? c.address : UNDEFINED_ADDRESS };
    }
    case 'fixed-array': {
      const index = DEFAULT_CHUNK_INDEX.fixedArray;
      // libhdf5 creates the index with the first chunk (H5D__chunk_... create on first allocation).
      if (!chunks.length) return { index, address: UNDEFINED_ADDRESS };
      const grid = ds.space.maxDims.map((m, d) => Math.ceil((m as number) / cd[d]));
      const down = downProducts(grid);
      const elements = new Map<number, ChunkEntry>();
      for (const c of chunks) elements.set(c.scaled.reduce((acc, s, d) => acc + s * down[d], 0), c);
      const count = grid.reduce((a, b) => a * b, 1);
      return { index, address: writeFixedArray(alloc, sizes, fmt, index.pageBits, count, elements) };
    }
    case 'extensible-array': {
      const index = DEFAULT_CHUNK_INDEX.extensibleArray;
      if (!chunks.length) return { index, address: UNDEFINED_ADDRESS };
      // The unlimited dimension moves first, the others keep their order; row-major over the
      // grid of maximum dimensions (H5D__earray_idx_get_addr: swizzled_max_down_chunks).
      const unlim = ds.space.maxDims.findIndex((m) => m === null);
      const order = [unlim, ...cd.map((_, d) => d).filter((d) => d !== unlim)];
      const grid = order.map((d) => (d === unlim ? 1 : Math.ceil((ds.space.maxDims[d] as number) / cd[d])));
      const down = downProducts(grid);
      const elements = new Map<number, ChunkEntry>();
      for (const c of chunks) elements.set(order.reduce((acc, d, k) => acc + c.scaled[d] * down[k], 0), c);
      return { index, address: writeExtensibleArray(alloc, sizes, fmt, index, elements) };
    }
    case 'btree-v2': {
      const index = DEFAULT_CHUNK_INDEX.btreeV2;
      if (!chunks.length) return { index, address: UNDEFINED_ADDRESS };
      // Record type 10 (address, scaled offsets) or 11 (address, stored size, mask, scaled
      // offsets), compared on the scaled offsets, dimension 0 first (H5D__bt2_compare).
      const records = chunks.map((c) => {
        const w = new ByteWriter(sizes, fmt.size + 8 * cd.length);
        fmt.put(w, c);
        for (const s of c.scaled) w.u64(s);
        return w.finish();
      });
      const address = writeBTreeV2(alloc, sizes, { type: filtered ? 11 : 10, recordSize: fmt.size + 8 * cd.length, nodeSize: index.nodeSize, splitPercent: index.splitPercent, mergePercent: index.mergePercent }, records);
      return { index, address };
    }
    default:
      throw new H5ValueError(`chunk index ${type} cannot be written`);
  }
}

function downProducts(grid: readonly number[]): number[] {
  const down = new Array<number>(grid.length);
  let acc = 1;
  for (let d = grid.length - 1; d >= 0; d--) {
    down[d] = acc;
    acc *= grid[d];
  }
  return down;
}

/** Set bit `i` of a libhdf5 page-initialised bitmap (most significant bit first, H5VM_bit_set). */
function setBit(bitmap: Uint8Array, i: number): void {
  bitmap[i >> 3] |= 0x80 >> (i & 7);
}

function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** Append a lookup3 checksum over everything written so far. */
function checksummed(w: ByteWriter): Uint8Array {
  const body = w.finish();
  return w.u32(lookup3(body)).finish();
}

/**
 * Elements `first .. first + n` as checksummed pages of `pageElements`
 * (the last may be short), or undefined when none of them is set.
 */
function pageBytes(fmt: ElementFormat, elements: Map<number, ChunkEntry>, first: number, n: number): { bytes: Uint8Array; set: boolean } {
  const w = new ByteWriter(fmt.sizes, n * fmt.size + 4);
  let set = false;
  for (let i = first; i < first + n; i++) {
    const e = elements.get(i);
    if (e) set = true;
    fmt.put(w, e);
  }
  return { bytes: checksummed(w), set };
}

/**
 * Fixed array (spec III.B): header "FAHD" and one data block "FADB" with an
 * element per chunk of the grid. Above 2^pageBits elements the block is
 * paged: a bitmap of initialised pages in the block's prefix, then the
 * pages, each with its own checksum (H5FA__dblock_create). Pages without a
 * written chunk are still stored (all undefined), but their bit stays clear,
 * as libhdf5 leaves pages it never touched.
 */
function writeFixedArray(alloc: Allocator, sizes: FieldSizes, fmt: ElementFormat, pageBits: number, count: number, elements: Map<number, ChunkEntry>): number {
  const o = sizes.offsetSize;
  const headerSize = 4 + 1 + 1 + 1 + 1 + sizes.lengthSize + o + 4;
  const header = alloc.alloc(headerSize);
  const pageElements = 2 ** pageBits;
  const paged = count > pageElements;
  const pages = paged ? Math.ceil(count / pageElements) : 0;
  const block = new ByteWriter(sizes, 64 + count * fmt.size + pages * 4);
  block.bytes(ascii('FADB')).u8(0).u8(fmt.client).offset(header);
  let data: Uint8Array;
  if (!paged) {
    for (let i = 0; i < count; i++) fmt.put(block, elements.get(i));
    data = checksummed(block);
  } else {
    const bitmap = new Uint8Array(Math.ceil(pages / 8));
    const parts: Uint8Array[] = [];
    for (let p = 0; p < pages; p++) {
      const first = p * pageElements;
      const page = pageBytes(fmt, elements, first, Math.min(pageElements, count - first));
      if (page.set) setBit(bitmap, p);
      parts.push(page.bytes);
    }
    block.bytes(bitmap);
    data = concat([checksummed(block), ...parts]);
  }
  const dataBlock = alloc.put(data);
  const w = new ByteWriter(sizes, headerSize);
  w.bytes(ascii('FAHD')).u8(0).u8(fmt.client).u8(fmt.size).u8(pageBits).length(count).offset(dataBlock);
  alloc.sink.write(header, checksummed(w));
  return header;
}

type EAParams = typeof DEFAULT_CHUNK_INDEX.extensibleArray;

/**
 * Extensible array (spec III.C): header "EAHD", index block "EAIB", super
 * blocks "EASB", data blocks "EADB". Elements 0..(index block elements - 1)
 * sit in the index block; the rest in data blocks grouped by super block s
 * (2^floor(s/2) blocks of 2^floor((s+1)/2) × minimum elements). The index
 * block holds the data block addresses of the first 2·log2(min pointers)
 * super blocks and the addresses of the later super blocks. As in
 * libhdf5's H5EA_set, only blocks holding a written element are created;
 * the header's statistics count what was created.
 */
function writeExtensibleArray(alloc: Allocator, sizes: FieldSizes, fmt: ElementFormat, p: EAParams, elements: Map<number, ChunkEntry>): number {
  const o = sizes.offsetSize;
  const l = sizes.lengthSize;
  const offsetBytes = Math.ceil(p.maxBits / 8); // "block offset" fields (H5EA__hdr_init: arr_off_size)
  const pageElements = 2 ** p.pageBits;
  // Super block geometry (H5EA__hdr_init).
  const nsblks = 1 + p.maxBits - log2Floor(p.minElements);
  const sblk: { ndblks: number; dblkElements: number; startIndex: number; startDblk: number }[] = [];
  for (let s = 0, startIndex = 0, startDblk = 0; s < nsblks; s++) {
    const ndblks = 2 ** Math.floor(s / 2);
    const dblkElements = 2 ** Math.floor((s + 1) / 2) * p.minElements;
    sblk.push({ ndblks, dblkElements, startIndex, startDblk });
    startIndex += ndblks * dblkElements;
    startDblk += ndblks;
  }
  const iblockSblks = 2 * log2Floor(p.minPointers);
  const iblockDblkAddrs = 2 * (p.minPointers - 1);
  const iblockSblkAddrs = nsblks - iblockSblks;

  const headerSize = 4 + 1 + 1 + 1 + 5 + 6 * l + o + 4;
  const header = alloc.alloc(headerSize);
  const iblockSize = 10 + o + p.indexElements * fmt.size + iblockDblkAddrs * o + iblockSblkAddrs * o;
  const iblock = alloc.alloc(iblockSize);
  const stats = { nsblks: 0, sblkBytes: 0, ndblks: 0, dblkBytes: 0, maxIndex: 0, realised: p.indexElements };
  for (const i of elements.keys()) stats.maxIndex = Math.max(stats.maxIndex, i + 1);

  // Which data blocks hold a written element: key `s:j`.
  const used = new Set<string>();
  const locate = (i: number) => {
    const j = i - p.indexElements;
    let s = 0;
    while (s + 1 < nsblks && sblk[s + 1].startIndex <= j) s++;
    return { s, d: Math.floor((j - sblk[s].startIndex) / sblk[s].dblkElements) };
  };
  for (const i of [...elements.keys()].sort((a, b) => a - b)) {
    if (i < p.indexElements) continue;
    const { s, d } = locate(i);
    used.add(`${s}:${d}`);
  }

  const dblkAddrs = new Array<number>(iblockDblkAddrs).fill(UNDEFINED_ADDRESS);
  const sblkAddrs = new Array<number>(iblockSblkAddrs).fill(UNDEFINED_ADDRESS);
  for (let s = 0; s < nsblks; s++) {
    const info = sblk[s];
    const present: number[] = [];
    for (let d = 0; d < info.ndblks; d++) if (used.has(`${s}:${d}`)) present.push(d);
    if (!present.length) continue;
    const paged = info.dblkElements > pageElements;
    const npages = paged ? info.dblkElements / pageElements : 0;
    const inIndexBlock = s < iblockSblks;
    // A super block is allocated before the data blocks it points to (H5EA__sblock_create).
    let superAddress = UNDEFINED_ADDRESS;
    const bitmapBytes = paged ? Math.ceil(npages / 8) : 0;
    const superSize = 10 + o + offsetBytes + info.ndblks * bitmapBytes + info.ndblks * o;
    if (!inIndexBlock) {
      superAddress = alloc.alloc(superSize);
      sblkAddrs[s - iblockSblks] = superAddress;
      stats.nsblks++;
      stats.sblkBytes += superSize;
    }
    const addrs = new Array<number>(info.ndblks).fill(UNDEFINED_ADDRESS);
    const bitmap = new Uint8Array(info.ndblks * bitmapBytes);
    for (const d of present) {
      const first = p.indexElements + info.startIndex + d * info.dblkElements;
      // libhdf5 stores as a data block's offset the super block's start plus the block's index
      // times its size, the index being global for blocks listed in the index block
      // (H5EA__lookup_elmt passes start_dblk + local index) and local in a super block.
      const blockOffset = info.startIndex + (inIndexBlock ? info.startDblk + d : d) * info.dblkElements;
      const w = new ByteWriter(sizes, 32 + info.dblkElements * fmt.size);
      w.bytes(ascii('EADB')).u8(0).u8(fmt.client).offset(header).uint(offsetBytes, blockOffset);
      let bytes: Uint8Array;
      if (!paged) {
        for (let k = 0; k < info.dblkElements; k++) fmt.put(w, elements.get(first + k));
        bytes = checksummed(w);
      } else {
        const parts = [checksummed(w)];
        for (let pg = 0; pg < npages; pg++) {
          const page = pageBytes(fmt, elements, first + pg * pageElements, pageElements);
          // One bit string for the whole super block: bit (data block × pages + page) (H5EA__lookup_elmt).
          if (page.set) setBit(bitmap, d * npages + pg);
          parts.push(page.bytes);
        }
        bytes = concat(parts);
      }
      const address = alloc.put(bytes);
      stats.ndblks++;
      stats.dblkBytes += bytes.length;
      stats.realised += info.dblkElements;
      if (inIndexBlock) dblkAddrs[info.startDblk + d] = address;
      else addrs[d] = address;
    }
    if (!inIndexBlock) {
      const w = new ByteWriter(sizes, superSize);
      w.bytes(ascii('EASB')).u8(0).u8(fmt.client).offset(header).uint(offsetBytes, info.startIndex).bytes(bitmap);
      for (const a of addrs) w.offset(a);
      alloc.sink.write(superAddress, checksummed(w));
    }
  }

  const ib = new ByteWriter(sizes, iblockSize);
  ib.bytes(ascii('EAIB')).u8(0).u8(fmt.client).offset(header);
  for (let i = 0; i < p.indexElements; i++) fmt.put(ib, elements.get(i));
  for (const a of dblkAddrs) ib.offset(a);
  for (const a of sblkAddrs) ib.offset(a);
  alloc.sink.write(iblock, checksummed(ib));

  const w = new ByteWriter(sizes, headerSize);
  w.bytes(ascii('EAHD')).u8(0).u8(fmt.client).u8(fmt.size).u8(p.maxBits).u8(p.indexElements).u8(p.minElements).u8(p.minPointers).u8(p.pageBits);
  w.length(stats.nsblks).length(stats.sblkBytes).length(stats.ndblks).length(stats.dblkBytes).length(stats.maxIndex).length(stats.realised);
  w.offset(iblock);
  alloc.sink.write(header, checksummed(w));
  return header;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
