import { H5FormatError, H5UnsupportedError } from '../errors.js';
import type { SerializedSelection } from '../format/dataspace-selection.js';
import type { VirtualMapping } from '../format/virtual-mapping.js';
import { fillElements, product, stridesOf, type Hyperslab } from './selection.js';

/**
 * Reading virtual datasets (spec IV.A.2.i, layout class 3): each mapping
 * copies the elements of a source selection, in order, onto the elements of
 * a virtual selection. Unlimited mappings and printf-style source names
 * ("%b" = block number) make the extent depend on the sources, resolved the
 * way h5py's default view (H5D_VDS_LAST_AVAILABLE) does.
 */

/** A source dataset as the virtual reader needs it. */
export interface VirtualSource {
  readonly dims: readonly number[];
  readonly elementSize: number;
  /** Raw bytes (file type, C order) of a hyperslab of the source. */
  readBox(slab: Hyperslab): Uint8Array;
}

/** Finds a source dataset; undefined when the file or dataset does not exist (then it reads as fill). */
export type SourceResolver = (file: string, dataset: string) => VirtualSource | undefined;

/** Largest number of printf-expanded source files probed for one mapping. */
const MAX_PRINTF_BLOCKS = 100_000;

interface Pairing {
  readonly source: VirtualSource;
  readonly sourceSel: SerializedSelection;
  readonly virtualSel: SerializedSelection;
  /** For printf mappings: which block of the virtual selection this source fills. */
  readonly block?: number;
}

function isPrintf(name: string): boolean {
  return /%b/.test(name.replace(/%%/g, ''));
}

function expandName(name: string, block: number): string {
  return name.replace(/%%|%b/g, (m) => (m === '%%' ? '%' : String(block)));
}

function unlimitedDim(s: SerializedSelection): number {
  if (s.type !== 'regular') return -1;
  for (let d = 0; d < s.start.length; d++) if (s.count[d] === Infinity || s.block[d] === Infinity) return d;
  return -1;
}

/** How many indices of dimension `d` a regular selection selects below `extent`. */
function selectedBelow(s: Extract<SerializedSelection, { type: 'regular' }>, d: number, extent: number): number {
  const { start, stride, count, block } = { start: s.start[d], stride: s.stride[d], count: s.count[d], block: s.block[d] };
  if (extent <= start) return 0;
  if (block === Infinity) return extent - start;
  const span = extent - start;
  const full = Math.min(count, Math.floor(span / stride));
  const rest = full < count ? Math.min(block, span - full * stride) : 0;
  return full * Math.min(block, stride) + Math.max(0, rest);
}

/** The smallest extent of dimension `d` at which a regular selection holds `n` indices. */
function extentHolding(s: Extract<SerializedSelection, { type: 'regular' }>, d: number, n: number): number {
  if (n <= 0) return 0;
  const { start, stride, block } = { start: s.start[d], stride: s.stride[d], block: s.block[d] };
  if (block === Infinity) return start + n;
  const q = Math.floor(n / block);
  const r = n % block;
  return r === 0 ? start + (q - 1) * stride + block : start + q * stride + r;
}

export class VirtualLayout {
  constructor(
    private readonly mappings: readonly VirtualMapping[],
    private readonly resolve: SourceResolver,
    private readonly where: string,
  ) {}

  /** Sources paired with their selections; printf mappings expand to one pairing per existing block. */
  private pairings(): Pairing[] {
    const out: Pairing[] = [];
    for (const m of this.mappings) {
      if (isPrintf(m.file) || isPrintf(m.dataset)) {
        for (let b = 0; b < MAX_PRINTF_BLOCKS; b++) {
          const src = this.resolve(expandName(m.file, b), expandName(m.dataset, b));
          if (!src) break;
          out.push({ source: src, sourceSel: m.source, virtualSel: m.virtual, block: b });
        }
      } else {
        const src = this.resolve(m.file, m.dataset);
        if (src) out.push({ source: src, sourceSel: m.source, virtualSel: m.virtual });
      }
    }
    return out;
  }

  /** The dataset's extent: stored dims, with unlimited dimensions grown to what the sources provide. */
  extent(stored: readonly number[]): number[] {
    const dims = stored.slice();
    for (const p of this.pairings()) {
      const vd = unlimitedDim(p.virtualSel);
      if (vd < 0 || p.virtualSel.type !== 'regular') continue;
      let n: number;
      if (p.block !== undefined) n = (p.block + 1) * (p.virtualSel.block[vd] === Infinity ? 1 : p.virtualSel.block[vd]);
      else {
        const sd = unlimitedDim(p.sourceSel);
        n = sd >= 0 && p.sourceSel.type === 'regular' ? selectedBelow(p.sourceSel, sd, p.source.dims[sd]) : countOf(p.sourceSel, p.source.dims);
      }
      const e = p.block !== undefined ? extentForBlocks(p.virtualSel, vd, p.block + 1) : extentHolding(p.virtualSel, vd, n);
      dims[vd] = Math.max(dims[vd], e);
    }
    return dims;
  }

  /** Raw bytes of a hyperslab of the virtual dataset; unmapped elements get the fill value. */
  read(dims: readonly number[], slab: Hyperslab, elementSize: number, fill: Uint8Array | undefined): Uint8Array {
    const out = new Uint8Array(product(slab.count) * elementSize);
    fillElements(out, fill);
    const outStrides = stridesOf(slab.count);
    for (const p of this.pairings()) {
      if (p.source.elementSize !== elementSize) {
        throw new H5UnsupportedError(`${this.where}: a source has ${p.source.elementSize}-byte elements, the virtual dataset ${elementSize}: type conversion is not supported`);
      }
      const vPoints = selectionPoints(p.virtualSel, dims, p.block);
      const sPoints = selectionPoints(p.sourceSel, p.source.dims);
      const n = Math.min(vPoints.length, sPoints.length);
      if (n === 0) continue;
      // Read the bounding box of the source points once.
      const rank = p.source.dims.length;
      const lo = new Array(rank).fill(Infinity), hi = new Array(rank).fill(-1);
      for (let i = 0; i < n; i++) {
        const c = sPoints[i];
        for (let d = 0; d < rank; d++) {
          if (c[d] < lo[d]) lo[d] = c[d];
          if (c[d] > hi[d]) hi[d] = c[d];
        }
      }
      const boxDims = lo.map((l, d) => hi[d] - l + 1);
      const box = p.source.readBox({ start: lo, step: lo.map(() => 1), count: boxDims, shape: boxDims });
      const boxStrides = stridesOf(boxDims);
      for (let i = 0; i < n; i++) {
        const v = vPoints[i];
        let o = 0;
        let inside = true;
        for (let d = 0; d < v.length; d++) {
          const k = (v[d] - slab.start[d]) / slab.step[d];
          if (k < 0 || k >= slab.count[d] || !Number.isInteger(k)) {
            inside = false;
            break;
          }
          o += k * outStrides[d];
        }
        if (!inside) continue;
        const c = sPoints[i];
        let s = 0;
        for (let d = 0; d < rank; d++) s += (c[d] - lo[d]) * boxStrides[d];
        out.set(box.subarray(s * elementSize, (s + 1) * elementSize), o * elementSize);
      }
    }
    return out;
  }
}

function extentForBlocks(s: Extract<SerializedSelection, { type: 'regular' }>, d: number, blocks: number): number {
  const block = s.block[d] === Infinity ? 1 : s.block[d];
  return s.start[d] + (blocks - 1) * s.stride[d] + block;
}

function countOf(s: SerializedSelection, dims: readonly number[]): number {
  return selectionPoints(s, dims).length;
}

/** Largest number of elements one mapping may enumerate (guards hostile selections). */
const MAX_POINTS = 1 << 26;

/**
 * Coordinates of a selection's elements in libhdf5's iteration order
 * (row-major), clipped to `dims`. `onlyBlock` keeps one block of the
 * unlimited dimension (printf mappings).
 */
export function selectionPoints(s: SerializedSelection, dims: readonly number[], onlyBlock?: number): number[][] {
  const rank = dims.length;
  const perDim: number[][] = [];
  switch (s.type) {
    case 'none':
      return [];
    case 'points':
      return s.points.filter((p) => p.every((c, d) => c < dims[d]));
    case 'all':
      for (let d = 0; d < rank; d++) perDim.push(range(0, dims[d]));
      break;
    case 'regular':
      for (let d = 0; d < rank; d++) {
        const idx: number[] = [];
        const count = s.count[d];
        const block = s.block[d];
        for (let k = 0; k < count; k++) {
          if (onlyBlock !== undefined && (count === Infinity) && k !== onlyBlock) {
            if (k > onlyBlock) break;
            continue;
          }
          const base = s.start[d] + k * s.stride[d];
          if (base >= dims[d] || (k > 0 && !(s.stride[d] > 0))) break;
          for (let b = 0; b < block && base + b < dims[d]; b++) idx.push(base + b);
        }
        perDim.push(idx);
      }
      break;
    case 'blocks': {
      const seen = new Set<number>();
      const strides = stridesOf(dims);
      const pts: number[][] = [];
      for (const [a, b] of s.blocks) {
        const box: number[][] = a.map((lo, d) => range(lo, Math.min(b[d], dims[d] - 1) + 1));
        for (const c of cartesian(box)) {
          const key = c.reduce((acc, v, d) => acc + v * strides[d], 0);
          if (!seen.has(key)) {
            seen.add(key);
            pts.push(c);
          }
          if (pts.length > MAX_POINTS) throw new H5FormatError('virtual dataset mapping', -1, 'selection too large');
        }
      }
      return pts.sort((x, y) => {
        for (let d = 0; d < x.length; d++) if (x[d] !== y[d]) return x[d] - y[d];
        return 0;
      });
    }
  }
  if (perDim.reduce((a, p) => a * p.length, 1) > MAX_POINTS) throw new H5FormatError('virtual dataset mapping', -1, 'selection too large');
  return cartesian(perDim);
}

function range(a: number, b: number): number[] {
  const out: number[] = [];
  for (let i = a; i < b; i++) out.push(i);
  return out;
}

function cartesian(perDim: number[][]): number[][] {
  let acc: number[][] = [[]];
  for (const idx of perDim) {
    const next: number[][] = [];
    for (const prefix of acc) for (const i of idx) next.push([...prefix, i]);
    acc = next;
  }
  return acc;
}
