import type { ByteReader } from '../byte-reader.js';
import { UNDEFINED_ADDRESS } from '../byte-reader.js';

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
