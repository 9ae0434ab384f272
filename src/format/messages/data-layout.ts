import type { ByteReader, FieldSizes } from '../byte-reader.js';
import { UNDEFINED_ADDRESS } from '../byte-reader.js';
import { ByteWriter, bytesNeeded, type FormatFamily } from '../byte-writer.js';
import { H5ValueError } from '../../errors.js';

/**
 * Data layout message (spec IV.A.2.i), versions 1–4. Chunk dimensions are
 * stored with one extra trailing entry (the element size) in every version;
 * `chunkDims` here has it removed.
 */
export type ChunkIndex =
  | { type: 'btree-v1' }
  | { type: 'single'; filteredSize?: number; filterMask?: number }
  | { type: 'implicit' }
  | { type: 'fixed-array'; pageBits: number }
  | { type: 'extensible-array'; maxBits: number; indexElements: number; minPointers: number; minElements: number; pageBits: number }
  | { type: 'btree-v2'; nodeSize: number; splitPercent: number; mergePercent: number };

export type DataLayout =
  | { version: number; class: 'compact'; data: Uint8Array }
  | { version: number; class: 'contiguous'; address: number; size: number }
  | {
      version: number;
      class: 'chunked';
      address: number;
      chunkDims: number[];
      elementSize: number;
      index: ChunkIndex;
      /** v4 flag: partial edge chunks are stored unfiltered. */
      dontFilterPartialEdgeChunks: boolean;
    }
  | { version: number; class: 'virtual'; heapAddress: number; heapIndex: number };

export function readDataLayout(r: ByteReader): DataLayout {
  const version = r.u8();
  if (version === 1 || version === 2) return readV1V2(r, version);
  if (version !== 3 && version !== 4) r.fail(`unknown data layout version ${version}`);
  const cls = r.u8();
  switch (cls) {
    case 0: {
      const size = r.u16();
      return { version, class: 'compact', data: r.bytesView(size) };
    }
    case 1:
      return { version, class: 'contiguous', address: r.offset(), size: r.lengthField() };
    case 2:
      return version === 3 ? readChunkedV3(r) : readChunkedV4(r);
    case 3:
      if (version < 4) r.fail('virtual layout requires layout message version 4');
      return { version, class: 'virtual', heapAddress: r.offset(), heapIndex: r.u32() };
    default:
      r.fail(`unknown layout class ${cls}`);
  }
}

function readV1V2(r: ByteReader, version: number): DataLayout {
  const ndims = r.u8();
  const cls = r.u8();
  r.skip(5);
  const address = cls !== 0 ? r.offset() : UNDEFINED_ADDRESS;
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(r.u32());
  if (cls === 0) {
    const size = r.u32();
    return { version, class: 'compact', data: r.bytesView(size) };
  }
  if (cls === 1) {
    // v1/v2 contiguous storage does not store its size: it is the dataspace's extent times the element size.
    return { version, class: 'contiguous', address, size: -1 };
  }
  if (cls === 2) {
    // Versions 1 and 2 carry the element size as the last chunk dimension; nothing follows it.
    const elementSize = dims[dims.length - 1];
    return {
      version, class: 'chunked', address, chunkDims: dims.slice(0, -1), elementSize,
      index: { type: 'btree-v1' }, dontFilterPartialEdgeChunks: false,
    };
  }
  r.fail(`unknown layout class ${cls}`);
}

function readChunkedV3(r: ByteReader): DataLayout {
  const ndims = r.u8();
  if (ndims < 1) r.fail('chunked layout with no dimensions');
  const address = r.offset();
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(r.u32());
  return {
    version: 3, class: 'chunked', address, chunkDims: dims.slice(0, -1), elementSize: dims[ndims - 1],
    index: { type: 'btree-v1' }, dontFilterPartialEdgeChunks: false,
  };
}

function readChunkedV4(r: ByteReader): DataLayout {
  const flags = r.u8();
  const ndims = r.u8();
  if (ndims < 1) r.fail('chunked layout with no dimensions');
  const encSize = r.u8();
  if (encSize < 1 || encSize > 8) r.fail(`invalid dimension size encoding length ${encSize}`);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(r.uint(encSize));
  const indexType = r.u8();
  let index: ChunkIndex;
  switch (indexType) {
    case 1:
      index = flags & 2 ? { type: 'single', filteredSize: r.lengthField(), filterMask: r.u32() } : { type: 'single' };
      break;
    case 2:
      index = { type: 'implicit' };
      break;
    case 3:
      index = { type: 'fixed-array', pageBits: r.u8() };
      break;
    case 4:
      index = { type: 'extensible-array', maxBits: r.u8(), indexElements: r.u8(), minPointers: r.u8(), minElements: r.u8(), pageBits: r.u8() };
      break;
    case 5:
      index = { type: 'btree-v2', nodeSize: r.u32(), splitPercent: r.u8(), mergePercent: r.u8() };
      break;
    default:
      r.fail(`unknown chunk index type ${indexType}`);
  }
  const address = r.offset();
  return {
    version: 4, class: 'chunked', address, chunkDims: dims.slice(0, -1), elementSize: dims[ndims - 1],
    index, dontFilterPartialEdgeChunks: (flags & 1) !== 0,
  };
}

/**
 * Layout message version libhdf5 1.10 writes (H5D__layout_set_version): 3 in
 * the earliest family (libhdf5 never writes versions 1 and 2 any more), 4 in
 * the latest family for every layout class. The "do not filter partial edge
 * chunks" option exists only in version 4, so it forces version 4, and with
 * it the new chunk indexes, in the earliest family too (H5Pset_chunk_opts).
 */
export function dataLayoutVersionFor(family: FormatFamily, layout?: DataLayout): 3 | 4 {
  if (family === 'latest') return 4;
  return layout?.class === 'chunked' && layout.dontFilterPartialEdgeChunks ? 4 : 3;
}

/**
 * Chunk index parameters libhdf5 1.10 uses by default with the latest format
 * (H5D__layout_set_latest_indexing): fixed array for fixed-size datasets, an
 * extensible array for one unlimited dimension, a v2 B-tree for more.
 */
export const DEFAULT_CHUNK_INDEX = {
  fixedArray: { type: 'fixed-array', pageBits: 10 },
  extensibleArray: { type: 'extensible-array', maxBits: 32, indexElements: 4, minPointers: 4, minElements: 16, pageBits: 10 },
  btreeV2: { type: 'btree-v2', nodeSize: 2048, splitPercent: 100, mergePercent: 40 },
} as const satisfies Record<string, ChunkIndex>;

/** v4 chunk index type codes (spec IV.A.2.i; H5D_chunk_index_t: 1 single, 2 implicit ("none"), 3 fixed array, 4 extensible array, 5 v2 B-tree). */
const INDEX_CODE: Record<ChunkIndex['type'], number> = { 'btree-v1': 0, single: 1, implicit: 2, 'fixed-array': 3, 'extensible-array': 4, 'btree-v2': 5 };

/**
 * Encode a data layout message body (spec IV.A.2.i) as H5O__layout_encode
 * does. The version is `opts.version`, else the layout's own, raised to 3
 * (libhdf5 upgrades 1 and 2 on write). Version 3 chunk dimensions (the element
 * size last) are 4 bytes each; version 4 uses the fewest bytes that hold the
 * largest of them (H5D__chunk_set_sizes: (log2(dim) + 8) / 8).
 */
export function encodeDataLayout(layout: DataLayout, sizes: FieldSizes, opts: { version?: 3 | 4 } = {}): Uint8Array {
  const version = opts.version ?? Math.max(3, layout.version);
  if (version !== 3 && version !== 4) throw new H5ValueError(`data layout version ${version} cannot be written`);
  const w = new ByteWriter(sizes, 64);
  w.u8(version);
  switch (layout.class) {
    case 'compact':
      if (layout.data.length > 0xffff) throw new H5ValueError(`compact data of ${layout.data.length} bytes exceeds 65535`);
      w.u8(0).u16(layout.data.length).bytes(layout.data);
      break;
    case 'contiguous':
      // Layout versions 1 and 2 do not store the size (the reader reports -1); the caller must supply it.
      if (!(layout.size >= 0)) throw new H5ValueError('contiguous layout needs its storage size');
      w.u8(1).offset(layout.address).uint(sizes.lengthSize, layout.size);
      break;
    case 'chunked': {
      const dims = [...layout.chunkDims, layout.elementSize];
      if (dims.length < 2 || dims.length > 33) throw new H5ValueError(`chunked layout of rank ${layout.chunkDims.length}`);
      for (const d of dims) if (!Number.isInteger(d) || d < 1 || d > 0xffffffff) throw new H5ValueError(`chunk dimension ${d}`);
      w.u8(2);
      if (version === 3) {
        if (layout.index.type !== 'btree-v1') throw new H5ValueError(`a ${layout.index.type} chunk index needs layout version 4`);
        w.u8(dims.length).offset(layout.address);
        for (const d of dims) w.u32(d);
        break;
      }
      const ix = layout.index;
      if (ix.type === 'btree-v1') throw new H5ValueError('a version 1 B-tree chunk index cannot be written in layout version 4');
      // Flags: bit 0 do not filter partial edge chunks, bit 1 single chunk stored filtered (size and mask follow).
      const filteredSingle = ix.type === 'single' && ix.filteredSize !== undefined;
      w.u8((layout.dontFilterPartialEdgeChunks ? 1 : 0) | (filteredSingle ? 2 : 0));
      const enc = bytesNeeded(Math.max(...dims));
      w.u8(dims.length).u8(enc);
      for (const d of dims) w.uint(enc, d);
      w.u8(INDEX_CODE[ix.type]);
      switch (ix.type) {
        case 'single':
          if (filteredSingle) w.uint(sizes.lengthSize, ix.filteredSize!).u32(ix.filterMask ?? 0);
          break;
        case 'implicit':
          break;
        case 'fixed-array':
          w.u8(ix.pageBits);
          break;
        case 'extensible-array':
          w.u8(ix.maxBits).u8(ix.indexElements).u8(ix.minPointers).u8(ix.minElements).u8(ix.pageBits);
          break;
        case 'btree-v2':
          w.u32(ix.nodeSize).u8(ix.splitPercent).u8(ix.mergePercent);
          break;
      }
      w.offset(layout.address);
      break;
    }
    case 'virtual':
      if (version < 4) throw new H5ValueError('virtual layout needs layout version 4');
      w.u8(3).offset(layout.heapAddress).u32(layout.heapIndex);
      break;
  }
  return w.finish();
}
