import { H5FormatError } from '../../errors.js';
import { BTreeV2, decodeChunkRecord, type ChunkIndexRecord } from '../btree-v2.js';
import type { FileContext } from '../file-context.js';

/**
 * Chunks indexed by a v2 B-tree (spec III.A.2 record types 10 and 11; used
 * by libhdf5 for datasets with more than one unlimited dimension). Each
 * record holds the chunk address, for type 11 also its stored size and
 * filter mask, and the chunk's scaled offsets (grid coordinates). The
 * width of the type-11 size field is what the record size leaves after
 * the address, the filter mask and the offsets.
 */
export function btreeV2ChunkRecords(ctx: FileContext, address: number, rank: number): ChunkIndexRecord[] {
  const bt = BTreeV2.read(ctx, address);
  const type = bt.type;
  if (type !== 10 && type !== 11) throw new H5FormatError('v2 B-tree header', address, `chunk index B-tree has record type ${type}, expected 10 or 11`);
  const filtered = type === 11;
  const o = ctx.sizes.offsetSize;
  const sizeLength = bt.recordSize - o - 8 * rank - (filtered ? 4 : 0);
  if (filtered ? sizeLength < 1 || sizeLength > 8 : sizeLength !== 0) {
    throw new H5FormatError('v2 B-tree header', address, `record size ${bt.recordSize} does not fit a rank-${rank} chunk record of type ${type}`);
  }
  return bt.records().map((r) => decodeChunkRecord(type, r, rank, sizeLength));
}
