import type { ByteReader } from './byte-reader.js';

/**
 * A serialised dataspace selection (spec VIII.A, "Dataspace Selection"
 * encodings used by region references and virtual dataset mappings):
 * none, all, a point list, or a hyperslab given either as a regular pattern
 * (start/stride/count/block per dimension, count possibly unlimited) or as
 * an explicit list of blocks.
 */
export type SerializedSelection =
  | { readonly type: 'none' }
  | { readonly type: 'all' }
  | { readonly type: 'points'; readonly rank: number; readonly points: number[][] }
  | { readonly type: 'regular'; readonly start: number[]; readonly stride: number[]; readonly count: number[]; readonly block: number[] }
  | { readonly type: 'blocks'; readonly blocks: [number[], number[]][] };

/** H5S_UNLIMITED in a regular hyperslab's count or block. */
export const UNLIMITED_COUNT = Infinity;

function sizedValue(r: ByteReader, size: number): number {
  const v = r.addressOf(size);
  return v === -1 ? UNLIMITED_COUNT : v;
}

export function readSerializedSelection(r: ByteReader): SerializedSelection {
  const type = r.u32();
  const version = r.u32();
  if (type === 0 || type === 3) {
    if (version === 1) r.skip(8); // reserved, length
    return { type: type === 0 ? 'none' : 'all' };
  }
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
    return { type: 'points', rank, points };
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
    } else if (version === 3) {
      regular = (r.u8() & 1) !== 0;
      size = r.u8();
      rank = r.u32();
    } else r.fail(`unknown hyperslab selection version ${version}`);
    if (rank > 32) r.fail(`selection rank ${rank} exceeds 32`);
    if (regular) {
      const start: number[] = [], stride: number[] = [], count: number[] = [], block: number[] = [];
      for (let d = 0; d < rank; d++) {
        start.push(r.uint(size));
        stride.push(sizedValue(r, size));
        count.push(sizedValue(r, size));
        block.push(sizedValue(r, size));
      }
      return { type: 'regular', start, stride, count, block };
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
    return { type: 'blocks', blocks };
  }
  r.fail(`unknown selection type ${type}`);
}
