import { H5FormatError } from '../errors.js';
import { ByteReader } from '../format/byte-reader.js';

/**
 * Dataspace selections as serialised inside region references (spec IV.A.2.b
 * "Dataspace Selection" encodings, versions 1–3 of points and hyperslabs).
 */
export type RegionSelection =
  | { type: 'all' }
  | { type: 'none' }
  | { type: 'points'; points: number[][] }
  | { type: 'hyperslab'; blocks: [number[], number[]][] };

export function readRegionHeapObject(b: Uint8Array, offsetSize: number): { address: number; selection: RegionSelection } {
  const r = new ByteReader(b, -1, 'region reference', { offsetSize, lengthSize: 8 });
  const address = r.offset();
  return { address, selection: readSelection(r) };
}

export function readSelection(r: ByteReader): RegionSelection {
  const type = r.u32();
  const version = r.u32();
  if (type === 0 || type === 3) return { type: type === 0 ? 'none' : 'all' };
  if (type === 1) {
    let rank: number, n: number, size = 4;
    if (version === 1) {
      r.skip(8);
      rank = r.u32();
      n = r.u32();
    } else {
      size = r.u8();
      rank = r.u32();
      n = r.uint(size);
    }
    if (n * rank * size > r.remaining) r.fail(`${n} points do not fit in the selection`);
    const points: number[][] = [];
    for (let i = 0; i < n; i++) {
      const p: number[] = [];
      for (let d = 0; d < rank; d++) p.push(r.uint(size));
      points.push(p);
    }
    return { type: 'points', points };
  }
  if (type === 2) {
    let rank: number;
    let size = 4;
    let regular = false;
    if (version === 1) {
      r.skip(8);
      rank = r.u32();
    } else if (version === 2) {
      regular = (r.u8() & 1) !== 0;
      r.skip(4);
      rank = r.u32();
      size = 8;
    } else {
      regular = (r.u8() & 1) !== 0;
      size = r.u8();
      rank = r.u32();
    }
    if (regular) {
      const start: number[] = [], stride: number[] = [], count: number[] = [], block: number[] = [];
      for (let d = 0; d < rank; d++) {
        start.push(r.uint(size));
        stride.push(r.uint(size));
        count.push(r.uint(size));
        block.push(r.uint(size));
      }
      return { type: 'hyperslab', blocks: expandRegular(start, stride, count, block) };
    }
    const n = version === 1 ? r.u32() : r.uint(size);
    if (n * rank * size * 2 > r.remaining) r.fail(`${n} blocks do not fit in the selection`);
    const blocks: [number[], number[]][] = [];
    for (let i = 0; i < n; i++) {
      const a: number[] = [], b: number[] = [];
      for (let d = 0; d < rank; d++) a.push(r.uint(size));
      for (let d = 0; d < rank; d++) b.push(r.uint(size));
      blocks.push([a, b]);
    }
    return { type: 'hyperslab', blocks };
  }
  r.fail(`unknown selection type ${type}`);
}

/** Blocks of a regular hyperslab in row-major order of block index (libhdf5's block-list order). */
function expandRegular(start: number[], stride: number[], count: number[], block: number[]): [number[], number[]][] {
  const rank = start.length;
  const total = count.reduce((a, b) => a * b, 1);
  if (total > 1e7) throw new H5FormatError('region reference', -1, 'regular hyperslab expands to more than 10^7 blocks');
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
