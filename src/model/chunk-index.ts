import { H5UnsupportedError } from '../errors.js';
import { chunkBTreeRecords, type ChunkRecord } from '../format/btree-v1.js';
import { isUndefinedAddress } from '../format/byte-reader.js';
import type { FileContext } from '../format/file-context.js';
import type { DataLayout } from '../format/messages/data-layout.js';
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
  const inBox = (off: number[]) => {
    for (let d = 0; d < rank; d++) if (off[d] < lo[d] || off[d] > hi[d]) return false;
    return true;
  };
  switch (layout.index.type) {
    case 'btree-v1':
      return chunkBTreeRecords(ctx, layout.address, rank, lo, hi).filter((c) => inBox(c.offset));
    case 'single': {
      const size = layout.index.filteredSize ?? product(layout.chunkDims) * layout.elementSize;
      return [{ offset: new Array(rank).fill(0), address: layout.address, size, filterMask: layout.index.filterMask ?? 0 }];
    }
    default: {
      const impl = modernIndexes.get(layout.index.type);
      if (!impl) throw new H5UnsupportedError(`chunk index "${layout.index.type}" is not supported yet`);
      return impl(ctx, layout, dims, maxDims).filter((c) => inBox(c.offset));
    }
  }
}

/** Readers of the layout-v4 chunk indexes, registered by their modules. */
export type ChunkIndexReader = (
  ctx: FileContext,
  layout: ChunkedLayout,
  dims: readonly number[],
  maxDims: readonly (number | null)[],
) => ChunkLocation[];

const modernIndexes = new Map<string, ChunkIndexReader>();

export function registerChunkIndex(type: string, reader: ChunkIndexReader): void {
  modernIndexes.set(type, reader);
}
