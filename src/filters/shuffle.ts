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
 * the destination, the element count, the bytes they cover, and whether the
 * word-at-a-time loops apply (little-endian host, 4-aligned buffers, count a
 * multiple of 4).
 */
function prepare(input: Uint8Array, size: number, out?: Uint8Array) {
  const count = Math.floor(input.length / size);
  if (size <= 1 || count <= 1) {
    if (!out) return input;
    out.set(input);
    return out.subarray(0, input.length);
  }
  const dest = out ? out.subarray(0, input.length) : new Uint8Array(input.length);
  const words = HOST_LITTLE_ENDIAN && (count & 3) === 0 && (input.byteOffset & 3) === 0 && (dest.byteOffset & 3) === 0;
  return { count, dest, body: count * size, words };
}

/**
 * Undo the shuffle of `input` for elements of `size` bytes. When `out` is
 * given (at least input.length bytes) the result is written there, which
 * avoids allocating: fresh memory is costly to touch the first time.
 */
export function unshuffle(input: Uint8Array, size: number, out?: Uint8Array): Uint8Array {
  const p = prepare(input, size, out);
  if (p instanceof Uint8Array) return p;
  const { count, dest, body, words } = p;
  if (words && size === 4) unshuffle4(input, dest, count);
  else if (words && size === 2) unshuffle2(input, dest, count);
  else if (words && size === 8) unshuffle8(input, dest, count);
  else if (HOST_LITTLE_ENDIAN && (dest.byteOffset & 3) === 0 && (size === 2 || size === 4 || size === 8)) {
    unshuffleGather(input, dest, count, size);
  } else unshuffleAny(input, dest, count, size);
  if (body < input.length) dest.set(input.subarray(body), body);
  return dest;
}

/** Shuffle `input` for elements of `size` bytes, into `out` when given. */
export function shuffle(input: Uint8Array, size: number, out?: Uint8Array): Uint8Array {
  const p = prepare(input, size, out);
  if (p instanceof Uint8Array) return p;
  const { count, dest, body, words } = p;
  if (words && size === 4) shuffle4(input, dest, count);
  else if (words && size === 2) shuffle2(input, dest, count);
  else if (words && size === 8) shuffle8(input, dest, count);
  else shuffleAny(input, dest, count, size);
  if (body < input.length) dest.set(input.subarray(body), body);
  return dest;
}

// Fast paths for 2-, 4- and 8-byte elements when the element count is a
// multiple of 4 and both buffers are 4-byte aligned: then every byte plane
// starts on a word boundary, and 4 elements at a time are moved as 32-bit
// words (Int32Array keeps V8 on integer arithmetic), rearranging bytes with
// shifts and masks. Little-endian hosts only: byte k of a word is at +k.

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

/**
 * Planes not word-aligned (element count not a multiple of 4, or an
 * unaligned input view): gather bytes, but still store whole elements.
 */
function unshuffleGather(src: Uint8Array, out: Uint8Array, n: number, size: number): void {
  const p0 = src.subarray(0, n);
  const p1 = src.subarray(n, 2 * n);
  if (size === 2) {
    const o = new Uint16Array(out.buffer, out.byteOffset, n);
    for (let i = 0; i < n; i++) o[i] = p0[i] | (p1[i] << 8);
    return;
  }
  const p2 = src.subarray(2 * n, 3 * n);
  const p3 = src.subarray(3 * n, 4 * n);
  const o = new Int32Array(out.buffer, out.byteOffset, (n * size) >>> 2);
  if (size === 4) {
    for (let i = 0; i < n; i++) o[i] = p0[i] | (p1[i] << 8) | (p2[i] << 16) | (p3[i] << 24);
    return;
  }
  const p4 = src.subarray(4 * n, 5 * n);
  const p5 = src.subarray(5 * n, 6 * n);
  const p6 = src.subarray(6 * n, 7 * n);
  const p7 = src.subarray(7 * n, 8 * n);
  for (let i = 0, j = 0; i < n; i++, j += 2) {
    o[j] = p0[i] | (p1[i] << 8) | (p2[i] << 16) | (p3[i] << 24);
    o[j + 1] = p4[i] | (p5[i] << 8) | (p6[i] << 16) | (p7[i] << 24);
  }
}

/** Elements per block in the generic paths: keeps the strided side in cache. */
const BLOCK = 4096;

function unshuffleAny(src: Uint8Array, out: Uint8Array, n: number, size: number): void {
  for (let start = 0; start < n; start += BLOCK) {
    const end = Math.min(n, start + BLOCK);
    for (let b = 0; b < size; b++) {
      const plane = b * n;
      for (let i = start, k = start * size + b; i < end; i++, k += size) out[k] = src[plane + i];
    }
  }
}

function shuffleAny(src: Uint8Array, out: Uint8Array, n: number, size: number): void {
  for (let start = 0; start < n; start += BLOCK) {
    const end = Math.min(n, start + BLOCK);
    for (let b = 0; b < size; b++) {
      const plane = b * n;
      for (let i = start, k = start * size + b; i < end; i++, k += size) out[plane + i] = src[k];
    }
  }
}

export const shuffleFilter: Filter = {
  id: 2,
  name: NAME,
  decode: (input, ctx) => unshuffle(input, elementSize(ctx)),
  encode: (input, ctx) => shuffle(input, elementSize(ctx)),
};
