import { H5FormatError } from '../errors.js';
import { ByteReader } from '../format/byte-reader.js';
import { readSerializedSelection, type SerializedSelection } from '../format/dataspace-selection.js';

/**
 * The selection of a region reference in the h5-expected/1 vocabulary:
 * hyperslabs as inclusive [start, end] blocks in libhdf5's block-list order.
 */
export type RegionSelection =
  | { type: 'all' }
  | { type: 'none' }
  | { type: 'points'; points: number[][] }
  | { type: 'hyperslab'; blocks: [number[], number[]][] };

/** A region reference's global heap object: the target's address, then its selection. */
export function readRegionHeapObject(b: Uint8Array, offsetSize: number): { address: number; selection: RegionSelection } {
  const r = new ByteReader(b, -1, 'region reference', { offsetSize, lengthSize: 8 });
  const address = r.offset();
  return { address, selection: toRegionSelection(readSerializedSelection(r)) };
}

function toRegionSelection(s: SerializedSelection): RegionSelection {
  switch (s.type) {
    case 'none':
    case 'all':
      return { type: s.type };
    case 'points':
      return { type: 'points', points: s.points };
    case 'blocks':
      return { type: 'hyperslab', blocks: s.blocks };
    case 'regular':
      return { type: 'hyperslab', blocks: expandRegular(s.start, s.stride, s.count, s.block) };
  }
}

/** Blocks of a regular hyperslab in row-major order of block index (libhdf5's block-list order). */
function expandRegular(start: number[], stride: number[], count: number[], block: number[]): [number[], number[]][] {
  const rank = start.length;
  const total = count.reduce((a, b) => a * b, 1);
  if (!(total <= 1e7)) throw new H5FormatError('region reference', -1, 'regular hyperslab expands to more than 10^7 blocks');
  const out: [number[], number[]][] = [];
  const idx = new Array(rank).fill(0);
  for (let k = 0; k < total; k++) {
    const a = idx.map((i, d) => start[d] + i * stride[d]);
    out.push([a, a.map((v, d) => v + block[d] - 1)]);
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < count[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}
