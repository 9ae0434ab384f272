/**
 * Shuffle filter (id 2, H5Z_FILTER_SHUFFLE). Encoding stores byte 0 of every
 * element, then byte 1 of every element, and so on. Following libhdf5's
 * H5Z_filter_shuffle:
 *  - the element size is client data value 0 (set_local stores the datatype
 *    size there); h5kit falls back to the context's element size;
 *  - with 1-byte elements, or fewer than 2 whole elements, data is unchanged;
 *  - trailing bytes that do not make a whole element are copied unchanged
 *    after the shuffled planes.
 * Both directions may return the input itself when nothing changes.
 *
 * Speed (bench/shuffle.mjs): 2- and 4k-byte elements move a word at a time
 * (4x4 byte transposes), straight between the buffers when the element
 * count is a multiple of 4 and both are 4-byte aligned, else through a
 * 32 KiB scratch in blocks; other sizes use blocked byte loops.
 */
import type { Filter, FilterContext } from './filter.js';
import { HOST_LITTLE_ENDIAN, clientValue, filterError } from './util.js';

const NAME = 'shuffle';

function elementSize(ctx: FilterContext): number {
  const size = clientValue(ctx, 0, ctx.elementSize);
  if (!(size >= 1)) throw filterError(NAME, ctx, `invalid element size ${size}`);
  return size;
}

/**
 * What shuffle and unshuffle share: nothing to do for 1-byte elements or a
 * single element (the input, or a copy into `out`, is returned); otherwise
 * the destination, the element count and the bytes they cover.
 */
function prepare(input: Uint8Array, size: number, out?: Uint8Array) {
  const count = Math.floor(input.length / size);
  if (size <= 1 || count <= 1) {
    if (!out) return input;
    out.set(input);
    return out.subarray(0, input.length);
  }
  const dest = out ? out.subarray(0, input.length) : new Uint8Array(input.length);
  return { count, dest, body: count * size };
}

/**
 * Element sizes the word-at-a-time kernels handle: 2, and multiples of 4.
 * Little-endian hosts only: the kernels rely on byte k of a word being at +k.
 */
function wordSized(size: number): boolean {
  return HOST_LITTLE_ENDIAN && (size === 2 || (size & 3) === 0);
}

/** Whether both views start on a 4-byte boundary (Int32Array views of them are possible). */
function aligned(a: Uint8Array, b: Uint8Array): boolean {
  return ((a.byteOffset | b.byteOffset) & 3) === 0;
}

/**
 * Undo the shuffle of `input` for elements of `size` bytes. When `out` is
 * given (at least input.length bytes) the result is written there, which
 * avoids allocating: fresh memory is costly to touch the first time.
 */
export function unshuffle(input: Uint8Array, size: number, out?: Uint8Array): Uint8Array {
  const p = prepare(input, size, out);
  if (p instanceof Uint8Array) return p;
  const { count, dest, body } = p;
  if (!wordSized(size)) unshuffleBytes(input, dest, count, size, 0, count);
  else if ((count & 3) === 0 && aligned(input, dest)) unshuffleWords(input, dest, count, size);
  else unshuffleBlocked(input, dest, count, size);
  if (body < input.length) dest.set(input.subarray(body), body);
  return dest;
}

/** Shuffle `input` for elements of `size` bytes, into `out` when given. */
export function shuffle(input: Uint8Array, size: number, out?: Uint8Array): Uint8Array {
  const p = prepare(input, size, out);
  if (p instanceof Uint8Array) return p;
  const { count, dest, body } = p;
  if (!wordSized(size)) shuffleBytes(input, dest, count, size, 0, count);
  else if ((count & 3) === 0 && aligned(input, dest)) shuffleWords(input, dest, count, size);
  else shuffleBlocked(input, dest, count, size);
  if (body < input.length) dest.set(input.subarray(body), body);
  return dest;
}

// Word kernels, for n elements with n a multiple of 4 and both buffers
// 4-byte aligned: then every byte plane starts on a word boundary, and 4
// elements at a time are moved as 32-bit words (Int32Array keeps V8 on
// integer arithmetic), rearranging bytes with shifts and masks. Plane b of
// the shuffled side starts at byte b·n.

function shuffleWords(src: Uint8Array, out: Uint8Array, n: number, size: number): void {
  if (size === 2) shuffle2(src, out, n);
  else if (size === 4) shuffle4(src, out, n);
  else if (size === 8) shuffle8(src, out, n);
  else shuffleQuads(src, out, n, size >>> 2);
}

function unshuffleWords(src: Uint8Array, out: Uint8Array, n: number, size: number): void {
  if (size === 2) unshuffle2(src, out, n);
  else if (size === 4) unshuffle4(src, out, n);
  else if (size === 8) unshuffle8(src, out, n);
  else unshuffleQuads(src, out, n, size >>> 2);
}

/**
 * Transpose the 4x4 byte matrix whose rows are the words a, b, c, d (byte k
 * of a word = column k) and store the rows of the result at o[j], o[j+step],
 * o[j+2·step], o[j+3·step]. Turns 4 plane words into 4 element words and
 * back.
 */
function transpose4(o: Int32Array, j: number, step: number, a: number, b: number, c: number, d: number): void {
  const ab02 = (a & 0x00ff00ff) | ((b & 0x00ff00ff) << 8);
  const ab13 = ((a >>> 8) & 0x00ff00ff) | (b & 0xff00ff00);
  const cd02 = (c & 0x00ff00ff) | ((d & 0x00ff00ff) << 8);
  const cd13 = ((c >>> 8) & 0x00ff00ff) | (d & 0xff00ff00);
  o[j] = (ab02 & 0xffff) | (cd02 << 16);
  o[j + step] = (ab13 & 0xffff) | (cd13 << 16);
  o[j + 2 * step] = (ab02 >>> 16) | (cd02 & 0xffff0000);
  o[j + 3 * step] = (ab13 >>> 16) | (cd13 & 0xffff0000);
}

function words(bytes: Uint8Array): Int32Array {
  return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
}

function unshuffle4(src: Uint8Array, out: Uint8Array, n: number): void {
  const q = n >>> 2;
  const w = words(src);
  const o = words(out);
  const p0 = w.subarray(0, q);
  const p1 = w.subarray(q, 2 * q);
  const p2 = w.subarray(2 * q, 3 * q);
  const p3 = w.subarray(3 * q, 4 * q);
  for (let i = 0, j = 0; i < q; i++, j += 4) transpose4(o, j, 1, p0[i], p1[i], p2[i], p3[i]);
}

function shuffle4(src: Uint8Array, out: Uint8Array, n: number): void {
  const q = n >>> 2;
  const w = words(src);
  const o = words(out);
  for (let i = 0, j = 0; i < q; i++, j += 4) transpose4(o, i, q, w[j], w[j + 1], w[j + 2], w[j + 3]);
}

function unshuffle8(src: Uint8Array, out: Uint8Array, n: number): void {
  const q = n >>> 2;
  const w = words(src);
  const o = words(out);
  const p = [0, 1, 2, 3, 4, 5, 6, 7].map((b) => w.subarray(b * q, (b + 1) * q));
  const [p0, p1, p2, p3, p4, p5, p6, p7] = p;
  // Element e is the word pair o[2e] (bytes 0-3), o[2e+1] (bytes 4-7).
  for (let i = 0, j = 0; i < q; i++, j += 8) {
    transpose4(o, j, 2, p0[i], p1[i], p2[i], p3[i]);
    transpose4(o, j + 1, 2, p4[i], p5[i], p6[i], p7[i]);
  }
}

function shuffle8(src: Uint8Array, out: Uint8Array, n: number): void {
  const q = n >>> 2;
  const w = words(src);
  const o = words(out);
  for (let i = 0, j = 0; i < q; i++, j += 8) {
    transpose4(o, i, q, w[j], w[j + 2], w[j + 4], w[j + 6]);
    transpose4(o, i + 4 * q, q, w[j + 1], w[j + 3], w[j + 5], w[j + 7]);
  }
}

/**
 * Elements of m words (12, 16, ... bytes): word k of 4 consecutive elements
 * holds bytes 4k..4k+3 of each, which transpose4 turns into the words of
 * planes 4k..4k+3.
 */
function shuffleQuads(src: Uint8Array, out: Uint8Array, n: number, m: number): void {
  const q = n >>> 2;
  const w = words(src);
  const o = words(out);
  for (let k = 0; k < m; k++) {
    const plane = 4 * k * q;
    for (let i = 0, j = k; i < q; i++, j += 4 * m) transpose4(o, plane + i, q, w[j], w[j + m], w[j + 2 * m], w[j + 3 * m]);
  }
}

function unshuffleQuads(src: Uint8Array, out: Uint8Array, n: number, m: number): void {
  const q = n >>> 2;
  const w = words(src);
  const o = words(out);
  for (let k = 0; k < m; k++) {
    const p0 = w.subarray(4 * k * q, (4 * k + 1) * q);
    const p1 = w.subarray((4 * k + 1) * q, (4 * k + 2) * q);
    const p2 = w.subarray((4 * k + 2) * q, (4 * k + 3) * q);
    const p3 = w.subarray((4 * k + 3) * q, (4 * k + 4) * q);
    for (let i = 0, j = k; i < q; i++, j += 4 * m) transpose4(o, j, m, p0[i], p1[i], p2[i], p3[i]);
  }
}

function unshuffle2(src: Uint8Array, out: Uint8Array, n: number): void {
  const q = n >>> 2;
  const w = words(src);
  const o = words(out);
  const p0 = w.subarray(0, q);
  const p1 = w.subarray(q, 2 * q);
  for (let i = 0, j = 0; i < q; i++, j += 2) {
    const a = p0[i]; // low bytes of elements 4i..4i+3
    const b = p1[i]; // high bytes
    o[j] = (a & 0xff) | ((b & 0xff) << 8) | ((a & 0xff00) << 8) | ((b & 0xff00) << 16);
    o[j + 1] = ((a >>> 16) & 0xff) | ((b >>> 8) & 0xff00) | ((a >>> 8) & 0xff0000) | (b & 0xff000000);
  }
}

function shuffle2(src: Uint8Array, out: Uint8Array, n: number): void {
  const q = n >>> 2;
  const w = words(src);
  const o = words(out);
  for (let i = 0, j = 0; i < q; i++, j += 2) {
    const e01 = w[j]; // elements 4i, 4i+1
    const e23 = w[j + 1];
    o[i] = (e01 & 0xff) | ((e01 >>> 8) & 0xff00) | ((e23 & 0xff) << 16) | ((e23 << 8) & 0xff000000);
    o[q + i] = ((e01 >>> 8) & 0xff) | ((e01 >>> 16) & 0xff00) | ((e23 << 8) & 0xff0000) | (e23 & 0xff000000);
  }
}

// Blocked path: the element count is not a multiple of 4 (so the planes do
// not start on word boundaries) or a buffer is unaligned. Blocks of B
// elements (B a multiple of 4) go through a small aligned scratch buffer:
// the word kernel transposes between the scratch and the element side, and
// memcpy (set/copyWithin) moves each plane's slice to or from its place. The
// last count % 4 elements are moved byte by byte.

/** Bytes of one scratch half: fits in L1/L2 with the slices it is copied from. */
const SCRATCH_BYTES = 32 * 1024;
let scratch: Uint8Array | undefined;

/** Elements per block and the two aligned scratch halves (planes, elements). */
function blocking(size: number): { block: number; planes: Uint8Array; elements: Uint8Array } {
  scratch ??= new Uint8Array(2 * SCRATCH_BYTES);
  const block = Math.max(4, Math.floor(SCRATCH_BYTES / size) & ~3);
  return { block, planes: scratch.subarray(0, SCRATCH_BYTES), elements: scratch.subarray(SCRATCH_BYTES) };
}

function shuffleBlocked(src: Uint8Array, out: Uint8Array, n: number, size: number): void {
  const { block, planes, elements } = blocking(size);
  const direct = (src.byteOffset & 3) === 0;
  const whole = n & ~3;
  for (let start = 0; start < whole; start += block) {
    const b = Math.min(block, whole - start);
    let from = src.subarray(start * size, (start + b) * size);
    if (!direct) {
      elements.set(from);
      from = elements.subarray(0, b * size);
    }
    shuffleWords(from, planes, b, size);
    for (let k = 0; k < size; k++) out.set(planes.subarray(k * b, (k + 1) * b), k * n + start);
  }
  shuffleBytes(src, out, n, size, whole, n);
}

function unshuffleBlocked(src: Uint8Array, out: Uint8Array, n: number, size: number): void {
  const { block, planes, elements } = blocking(size);
  const direct = (out.byteOffset & 3) === 0;
  const whole = n & ~3;
  for (let start = 0; start < whole; start += block) {
    const b = Math.min(block, whole - start);
    for (let k = 0; k < size; k++) planes.set(src.subarray(k * n + start, k * n + start + b), k * b);
    const to = direct ? out.subarray(start * size, (start + b) * size) : elements.subarray(0, b * size);
    unshuffleWords(planes, to, b, size);
    if (!direct) out.set(to, start * size);
  }
  unshuffleBytes(src, out, n, size, whole, n);
}

/** Elements per block in the byte loops: keeps the strided side in cache. */
const BLOCK = 4096;

/** Byte loops for elements `from`..`to` (any size, any alignment). */
function unshuffleBytes(src: Uint8Array, out: Uint8Array, n: number, size: number, from: number, to: number): void {
  for (let start = from; start < to; start += BLOCK) {
    const end = Math.min(to, start + BLOCK);
    for (let b = 0; b < size; b++) {
      const plane = b * n;
      for (let i = start, k = start * size + b; i < end; i++, k += size) out[k] = src[plane + i];
    }
  }
}

function shuffleBytes(src: Uint8Array, out: Uint8Array, n: number, size: number, from: number, to: number): void {
  for (let start = from; start < to; start += BLOCK) {
    const end = Math.min(to, start + BLOCK);
    for (let b = 0; b < size; b++) {
      const plane = b * n;
      for (let i = start, k = start * size + b; i < end; i++, k += size) out[plane + i] = src[k];
    }
  }
}

export const shuffleFilter: Filter = {
  id: 2,
  name: NAME,
  decode: (input, ctx) => unshuffle(input, elementSize(ctx), ctx.into && ctx.into.length === input.length ? ctx.into : undefined),
};

export function shuffleChunk(input: Uint8Array, ctx: FilterContext): Uint8Array {
  return shuffle(input, elementSize(ctx), ctx.into && ctx.into.length === input.length ? ctx.into : undefined);
}
