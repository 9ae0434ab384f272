import { H5ValueError } from '../errors.js';

/**
 * Hyperslab selections in h5py's vocabulary: per dimension a single index
 * (the dimension is dropped from the result), `[start, stop]`,
 * `[start, stop, step]`, `{ start, stop, step }`, or `null` for all of it.
 * Negative indices count from the end, as in Python.
 */
export type DimSelection =
  | number
  | null
  | undefined
  | readonly [number | null | undefined, (number | null | undefined)?, (number | null | undefined)?]
  | { readonly start?: number | null; readonly stop?: number | null; readonly step?: number | null };

export type Selection = readonly DimSelection[];

/** A selection resolved against a shape: per dimension start, step and count. */
export interface Hyperslab {
  readonly start: number[];
  readonly step: number[];
  readonly count: number[];
  /** Result shape (dimensions selected by a single index removed). */
  readonly shape: number[];
}

export function allOf(dims: readonly number[]): Hyperslab {
  return { start: dims.map(() => 0), step: dims.map(() => 1), count: dims.slice(), shape: dims.slice() };
}

export function resolveSelection(dims: readonly number[], sel: Selection | undefined): Hyperslab {
  if (!sel) return allOf(dims);
  if (sel.length > dims.length) throw new H5ValueError(`selection has ${sel.length} dimensions, the dataset ${dims.length}`);
  const start: number[] = [];
  const step: number[] = [];
  const count: number[] = [];
  const shape: number[] = [];
  for (let d = 0; d < dims.length; d++) {
    const n = dims[d];
    const s = sel[d];
    if (typeof s === 'number') {
      if (!Number.isInteger(s)) throw new H5ValueError(`index ${s} in dimension ${d} is not an integer`);
      const i = s < 0 ? n + s : s;
      if (i < 0 || i >= n) throw new H5ValueError(`index ${s} out of range for dimension ${d} of size ${n}`);
      start.push(i);
      step.push(1);
      count.push(1);
      continue;
    }
    let a: number | null | undefined, b: number | null | undefined, c: number | null | undefined;
    if (s == null) [a, b, c] = [null, null, null];
    else if (Array.isArray(s)) [a, b, c] = s as [number?, number?, number?];
    else ({ start: a, stop: b, step: c } = s as { start?: number; stop?: number; step?: number });
    const st = c ?? 1;
    if (!Number.isInteger(st) || st < 1) throw new H5ValueError(`step ${st} in dimension ${d} must be a positive integer`);
    const clamp = (v: number | null | undefined, dflt: number) => {
      if (v == null) return dflt;
      if (!Number.isInteger(v)) throw new H5ValueError(`bound ${v} in dimension ${d} is not an integer`);
      const x = v < 0 ? n + v : v;
      return Math.min(Math.max(x, 0), n);
    };
    const lo = clamp(a, 0);
    const hi = clamp(b, n);
    const k = hi > lo ? Math.ceil((hi - lo) / st) : 0;
    start.push(lo);
    step.push(st);
    count.push(k);
    shape.push(k);
  }
  return { start, step, count, shape };
}

export function product(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Row-major strides in elements. */
export function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let d = dims.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= dims[d];
  }
  return s;
}

/**
 * Copy an N-d box of `count` elements: from `src` (row-major, extent
 * `srcDims`) starting at `srcStart` with `srcStep` per dimension, to `dst`
 * (extent `dstDims`) starting at `dstStart` with unit steps. Elements are
 * `esz` bytes; `dstStep` optionally strides the destination too. The
 * innermost unit-step run is one `set` call.
 */
export function copyBox(
  src: Uint8Array,
  srcDims: readonly number[],
  srcStart: readonly number[],
  srcStep: readonly number[],
  dst: Uint8Array,
  dstDims: readonly number[],
  dstStart: readonly number[],
  count: readonly number[],
  esz: number,
  dstStep?: readonly number[],
): void {
  const rank = count.length;
  if (rank === 0) {
    dst.set(src.subarray(0, esz), 0);
    return;
  }
  for (const c of count) if (c === 0) return;
  const ss = stridesOf(srcDims);
  const ds = stridesOf(dstDims);
  let s0 = 0;
  let d0 = 0;
  for (let d = 0; d < rank; d++) {
    s0 += srcStart[d] * ss[d];
    d0 += dstStart[d] * ds[d];
  }
  const last = rank - 1;
  const inner = count[last];
  const innerStep = srcStep[last];
  const outStep = dstStep ? dstStep[last] : 1;
  const contiguousInner = innerStep === 1 && outStep === 1;
  const idx = new Array<number>(rank).fill(0);
  for (;;) {
    let s = s0;
    let dd = d0;
    for (let d = 0; d < last; d++) {
      s += idx[d] * srcStep[d] * ss[d];
      dd += idx[d] * (dstStep ? dstStep[d] : 1) * ds[d];
    }
    if (contiguousInner) {
      dst.set(src.subarray(s * esz, (s + inner) * esz), dd * esz);
    } else {
      for (let i = 0; i < inner; i++) {
        const from = (s + i * innerStep) * esz;
        const to = (dd + i * outStep) * esz;
        for (let k = 0; k < esz; k++) dst[to + k] = src[from + k];
      }
    }
    let d = last - 1;
    while (d >= 0) {
      if (++idx[d] < count[d]) break;
      idx[d] = 0;
      d--;
    }
    if (d < 0) return;
  }
}

/** Fill `dst` with repeated copies of `value` (an element's bytes). */
export function fillElements(dst: Uint8Array, value: Uint8Array | undefined): void {
  if (!value || value.length === 0 || value.every((b) => b === 0)) return;
  const n = value.length;
  dst.set(value.subarray(0, Math.min(n, dst.length)), 0);
  let filled = Math.min(n, dst.length);
  while (filled < dst.length) {
    const m = Math.min(filled, dst.length - filled);
    dst.copyWithin(filled, 0, m);
    filled += m;
  }
}

/** The part of a hyperslab inside one chunk. */
export interface ChunkPart {
  /** Element offset of the chunk's origin. */
  readonly chunkOffset: number[];
  /** Per dimension: first selection index inside the chunk (position in the result). */
  readonly selStart: number[];
  /** Per dimension: number of selected indices inside the chunk. */
  readonly count: number[];
  /** Per dimension: position of the first of them within the chunk. */
  readonly inChunk: number[];
}

/**
 * Where a whole chunk sits in a selection-shaped buffer when it is one
 * contiguous run there in chunk order: the chunk is entirely selected with
 * unit steps, and it spans whole rows of every inner dimension after its
 * first dimension of more than one element. The run's first element, or
 * undefined (then the chunk needs copyBox). Reads decode such a chunk
 * straight into the output; writes filter it without copying it first.
 */
export function chunkRunInSelection(part: ChunkPart, chunkDims: readonly number[], slab: Hyperslab): number | undefined {
  let offset = 0;
  let stride = 1;
  let spanning = true;
  for (let d = chunkDims.length - 1; d >= 0; d--) {
    if (slab.step[d] !== 1 || part.inChunk[d] !== 0 || part.count[d] !== chunkDims[d]) return undefined;
    // Once a dimension does not span its whole selection extent, every outer one must be a single element.
    if (!spanning && part.count[d] !== 1) return undefined;
    if (part.count[d] !== slab.count[d]) spanning = false;
    offset += part.selStart[d] * stride;
    stride *= slab.count[d];
  }
  return offset;
}

/**
 * Every chunk a hyperslab touches, with the part of the selection inside it;
 * the one piece of geometry chunked reads and writes share.
 */
export function* chunkParts(slab: Hyperslab, chunkDims: readonly number[]): Generator<ChunkPart> {
  const rank = chunkDims.length;
  if (slab.count.some((c) => c === 0)) return;
  const lo: number[] = [];
  const hi: number[] = [];
  for (let d = 0; d < rank; d++) {
    lo.push(Math.floor(slab.start[d] / chunkDims[d]));
    hi.push(Math.floor((slab.start[d] + (slab.count[d] - 1) * slab.step[d]) / chunkDims[d]));
  }
  const g = lo.slice();
  for (;;) {
    const part = partInChunk(slab, chunkDims, g.map((c, d) => c * chunkDims[d]));
    if (part) yield part;
    let d = rank - 1;
    while (d >= 0) {
      if (++g[d] <= hi[d]) break;
      g[d] = lo[d];
      d--;
    }
    if (d < 0) return;
  }
}

/** The part of `slab` inside the chunk whose origin is `chunkOffset`, if any. */
export function partInChunk(slab: Hyperslab, chunkDims: readonly number[], chunkOffset: number[]): ChunkPart | undefined {
  const rank = chunkDims.length;
  const selStart: number[] = new Array(rank);
  const count: number[] = new Array(rank);
  const inChunk: number[] = new Array(rank);
  for (let d = 0; d < rank; d++) {
    const o = chunkOffset[d];
    const st = slab.start[d], step = slab.step[d];
    const k0 = Math.max(0, Math.ceil((o - st) / step));
    const k1 = Math.min(slab.count[d], Math.ceil((o + chunkDims[d] - st) / step));
    if (k1 <= k0) return undefined;
    selStart[d] = k0;
    count[d] = k1 - k0;
    inChunk[d] = st + k0 * step - o;
  }
  return { chunkOffset, selStart, count, inChunk };
}
