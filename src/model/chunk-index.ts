import { H5FormatError } from '../errors.js';
import { chunkBTreeRecords, type ChunkRecord } from '../format/btree-v1.js';
import { isUndefinedAddress } from '../format/byte-reader.js';
import type { ChunkEntries } from '../format/chunk-index/fixed-array.js';
import { implicitChunkAddress } from '../format/chunk-index/implicit.js';
import type { FileContext } from '../format/file-context.js';
import type { DataLayout } from '../format/messages/data-layout.js';
import { need } from '../on-demand/registry.js';
import { product } from './selection.js';

export type ChunkLocation = ChunkRecord;

type ChunkedLayout = Extract<DataLayout, { class: 'chunked' }>;

/**
 * The chunks of a chunked dataset whose origins lie in the box `lo..hi`
 * (element coordinates, inclusive, aligned to chunk origins), whatever index
 * the layout uses (spec IV.A.2.i and VII "Chunk indexes").
 */
export function findChunks(
  ctx: FileContext,
  layout: ChunkedLayout,
  dims: readonly number[],
  maxDims: readonly (number | null)[],
  lo: number[],
  hi: number[],
): ChunkLocation[] {
  if (isUndefinedAddress(layout.address)) return [];
  const rank = layout.chunkDims.length;
  const inBox = (off: readonly number[]) => {
    for (let d = 0; d < rank; d++) if (off[d] < lo[d] || off[d] > hi[d]) return false;
    return true;
  };
  const chunkBytes = product(layout.chunkDims) * layout.elementSize;
  switch (layout.index.type) {
    case 'btree-v1':
      return chunkBTreeRecords(ctx, layout.address, rank, lo, hi).filter((c) => inBox(c.offset));
    case 'single': {
      const size = layout.index.filteredSize ?? chunkBytes;
      return [{ offset: new Array(rank).fill(0), address: layout.address, size, filterMask: layout.index.filterMask ?? 0 }];
    }
    case 'implicit':
      return implicitChunks(ctx, layout, dims, maxDims, lo, hi, chunkBytes);
    case 'fixed-array':
    case 'extensible-array':
    case 'btree-v2':
      return allChunks(ctx, layout, dims, maxDims, chunkBytes).filter((c) => inBox(c.offset));
  }
}

/** Chunk grid extent per dimension from the maximum dimensions (unlimited → Infinity). */
function maxChunkCounts(layout: ChunkedLayout, dims: readonly number[], maxDims: readonly (number | null)[]): number[] {
  const cd = layout.chunkDims;
  return cd.map((c, d) => {
    const m = d < maxDims.length ? maxDims[d] : dims[d];
    return m === null ? Infinity : Math.ceil(m / c);
  });
}

/**
 * Row-major "down" products of a grid (H5VM_array_down): stride of each
 * dimension in the linear chunk index. The first extent is never used, so
 * an unlimited first dimension is fine.
 */
function downProducts(counts: readonly number[]): number[] {
  const down = new Array<number>(counts.length);
  let acc = 1;
  for (let d = counts.length - 1; d >= 0; d--) {
    down[d] = acc;
    acc *= counts[d];
  }
  return down;
}

function implicitChunks(
  ctx: FileContext,
  layout: ChunkedLayout,
  dims: readonly number[],
  maxDims: readonly (number | null)[],
  lo: number[],
  hi: number[],
  chunkBytes: number,
): ChunkLocation[] {
  const cd = layout.chunkDims;
  const rank = cd.length;
  const counts = maxChunkCounts(layout, dims, maxDims);
  if (counts.some((c) => !Number.isFinite(c))) {
    throw new H5FormatError('data layout message', -1, 'implicit chunk index on a dataset with an unlimited dimension');
  }
  // Every chunk of the grid is allocated up front: the whole grid must lie in the file
  // (this also bounds the loop below by the file size).
  const total = counts.reduce((a, b) => a * b, 1) * chunkBytes;
  if (layout.address + total > ctx.source.size - ctx.baseAddress) {
    throw new H5FormatError('data layout message', layout.address, `implicit chunk index: ${total} bytes of chunks at ${layout.address} lie beyond the end of the file`);
  }
  const down = downProducts(counts);
  const out: ChunkLocation[] = [];
  const first = lo.map((v, d) => Math.floor(v / cd[d]));
  const last = hi.map((v, d) => Math.min(Math.floor(v / cd[d]), Math.ceil(dims[d] / cd[d]) - 1));
  if (first.some((f, d) => f > last[d])) return out;
  const scaled = first.slice();
  for (;;) {
    let idx = 0;
    for (let d = 0; d < rank; d++) idx += scaled[d] * down[d];
    out.push({
      offset: scaled.map((s, d) => s * cd[d]),
      address: implicitChunkAddress(layout.address, idx, chunkBytes),
      size: chunkBytes,
      filterMask: 0,
    });
    let d = rank - 1;
    while (d >= 0) {
      if (++scaled[d] <= last[d]) break;
      scaled[d] = first[d];
      d--;
    }
    if (d < 0) break;
  }
  return out;
}

/** Every allocated chunk of a fixed-array, extensible-array or v2 B-tree index (cached per index). */
function allChunks(
  ctx: FileContext,
  layout: ChunkedLayout,
  dims: readonly number[],
  maxDims: readonly (number | null)[],
  chunkBytes: number,
): ChunkLocation[] {
  const cd = layout.chunkDims;
  const rank = cd.length;
  return ctx.cached(`chunks:${layout.index.type}`, layout.address, () => {
    const counts = maxChunkCounts(layout, dims, maxDims);
    switch (layout.index.type) {
      case 'fixed-array': {
        const fa = need('chunkIndexes', 'fixed array chunk index').FixedArray.read(ctx, layout.address);
        if (counts.some((c) => !Number.isFinite(c))) {
          throw new H5FormatError('fixed array header', layout.address, 'fixed array chunk index on a dataset with an unlimited dimension');
        }
        const expected = counts.reduce((a, b) => a * b, 1);
        if (fa.elementCount !== expected) {
          throw new H5FormatError('fixed array header', layout.address, `${fa.elementCount} elements, but the chunk grid of the maximum dimensions has ${expected}`);
        }
        // Row-major over the grid of maximum dimensions (H5D__farray_idx_get_addr: max_down_chunks).
        return locations(fa.entries(ctx), counts, identity(rank), cd, chunkBytes);
      }
      case 'extensible-array': {
        const ea = need('chunkIndexes', 'extensible array chunk index').ExtensibleArray.read(ctx, layout.address);
        // The unlimited dimension is moved first ("swizzled"), the others keep
        // their order; the index is row-major over that grid (H5D__earray_idx_get_addr).
        let unlim = counts.findIndex((c) => !Number.isFinite(c));
        if (unlim < 0) unlim = 0;
        const order = [unlim, ...identity(rank).filter((d) => d !== unlim)];
        return locations(ea.entries(ctx), order.map((d) => counts[d]), order, cd, chunkBytes);
      }
      case 'btree-v2': {
        return need('chunkIndexes', 'v2 B-tree chunk index').btreeV2ChunkRecords(ctx, layout.address, rank).map((rec) => ({
          offset: rec.scaled.map((s, d) => s * cd[d]),
          address: rec.address,
          size: rec.size ?? chunkBytes,
          filterMask: rec.filterMask,
        }));
      }
      default:
        throw new H5FormatError('data layout message', -1, `unexpected chunk index ${layout.index.type}`);
    }
  });
}

function identity(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/**
 * Map linear indexes to chunk origins: `counts` is the grid extent in the
 * index's dimension order `order` (order[k] = dataset dimension of the k-th
 * index dimension, slowest first).
 */
function locations(entries: ChunkEntries, counts: readonly number[], order: readonly number[], cd: readonly number[], chunkBytes: number): ChunkLocation[] {
  const rank = order.length;
  if (counts.some((c, k) => k > 0 && !(c > 0))) return [];
  const out: ChunkLocation[] = new Array(entries.count);
  for (let i = 0; i < entries.count; i++) {
    let rest = entries.index[i];
    const offset = new Array<number>(rank);
    for (let k = rank - 1; k >= 1; k--) {
      const c = counts[k];
      const s = rest % c;
      rest = (rest - s) / c;
      offset[order[k]] = s * cd[order[k]];
    }
    offset[order[0]] = rest * cd[order[0]];
    const size = entries.size[i];
    out[i] = { offset, address: entries.address[i], size: size < 0 ? chunkBytes : size, filterMask: entries.mask[i] };
  }
  return out;
}
