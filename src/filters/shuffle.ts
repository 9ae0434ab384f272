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

/** Undo the shuffle of `input` for elements of `size` bytes. */
export function unshuffle(input: Uint8Array, size: number): Uint8Array {
  const count = Math.floor(input.length / size);
  if (size <= 1 || count <= 1) return input;
  const out = new Uint8Array(input.length);
  const body = count * size;
  if (HOST_LITTLE_ENDIAN && size === 4) unshuffle4(input, out, count);
  else if (HOST_LITTLE_ENDIAN && size === 2) unshuffle2(input, out, count);
  else if (HOST_LITTLE_ENDIAN && size === 8) unshuffle8(input, out, count);
  else unshuffleAny(input, out, count, size);
  if (body < input.length) out.set(input.subarray(body), body);
  return out;
}

/** Shuffle `input` for elements of `size` bytes. */
export function shuffle(input: Uint8Array, size: number): Uint8Array {
  const count = Math.floor(input.length / size);
  if (size <= 1 || count <= 1) return input;
  const out = new Uint8Array(input.length);
  const body = count * size;
  if (HOST_LITTLE_ENDIAN && (size === 2 || size === 4 || size === 8)) {
    const aligned = input.byteOffset % 4 === 0 ? input : input.slice(0, body);
    if (size === 4) shuffle4(aligned, out, count);
    else if (size === 2) shuffle2(aligned, out, count);
    else shuffle8(aligned, out, count);
  } else {
    shuffleAny(input, out, count, size);
  }
  if (body < input.length) out.set(input.subarray(body), body);
  return out;
}

// The fast paths assemble whole 32-bit words from the byte planes and store
// them through a Uint32Array over the (freshly allocated, hence aligned)
// output; on a little-endian host byte k of the word lands at address +k.

function unshuffle4(src: Uint8Array, out: Uint8Array, n: number): void {
  const o = new Uint32Array(out.buffer, out.byteOffset, n);
  const p0 = src.subarray(0, n);
  const p1 = src.subarray(n, 2 * n);
  const p2 = src.subarray(2 * n, 3 * n);
  const p3 = src.subarray(3 * n, 4 * n);
  for (let i = 0; i < n; i++) {
    o[i] = p0[i] | (p1[i] << 8) | (p2[i] << 16) | (p3[i] << 24);
  }
}

function unshuffle2(src: Uint8Array, out: Uint8Array, n: number): void {
  const pairs = n >>> 1;
  const o = new Uint32Array(out.buffer, out.byteOffset, pairs);
  const p0 = src.subarray(0, n);
  const p1 = src.subarray(n, 2 * n);
  for (let i = 0, j = 0; i < pairs; i++, j += 2) {
    o[i] = p0[j] | (p1[j] << 8) | (p0[j + 1] << 16) | (p1[j + 1] << 24);
  }
  if (n & 1) {
    out[2 * (n - 1)] = p0[n - 1];
    out[2 * (n - 1) + 1] = p1[n - 1];
  }
}

function unshuffle8(src: Uint8Array, out: Uint8Array, n: number): void {
  const o = new Uint32Array(out.buffer, out.byteOffset, 2 * n);
  const p0 = src.subarray(0, n);
  const p1 = src.subarray(n, 2 * n);
  const p2 = src.subarray(2 * n, 3 * n);
  const p3 = src.subarray(3 * n, 4 * n);
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

function shuffle4(src: Uint8Array, out: Uint8Array, n: number): void {
  const s = new Uint32Array(src.buffer, src.byteOffset, n);
  const p0 = out.subarray(0, n);
  const p1 = out.subarray(n, 2 * n);
  const p2 = out.subarray(2 * n, 3 * n);
  const p3 = out.subarray(3 * n, 4 * n);
  for (let i = 0; i < n; i++) {
    const w = s[i];
    p0[i] = w;
    p1[i] = w >>> 8;
    p2[i] = w >>> 16;
    p3[i] = w >>> 24;
  }
}

function shuffle2(src: Uint8Array, out: Uint8Array, n: number): void {
  const pairs = n >>> 1;
  const s = new Uint32Array(src.buffer, src.byteOffset, pairs);
  const p0 = out.subarray(0, n);
  const p1 = out.subarray(n, 2 * n);
  for (let i = 0, j = 0; i < pairs; i++, j += 2) {
    const w = s[i];
    p0[j] = w;
    p1[j] = w >>> 8;
    p0[j + 1] = w >>> 16;
    p1[j + 1] = w >>> 24;
  }
  if (n & 1) {
    p0[n - 1] = src[2 * (n - 1)];
    p1[n - 1] = src[2 * (n - 1) + 1];
  }
}

function shuffle8(src: Uint8Array, out: Uint8Array, n: number): void {
  const s = new Uint32Array(src.buffer, src.byteOffset, 2 * n);
  const p0 = out.subarray(0, n);
  const p1 = out.subarray(n, 2 * n);
  const p2 = out.subarray(2 * n, 3 * n);
  const p3 = out.subarray(3 * n, 4 * n);
  const p4 = out.subarray(4 * n, 5 * n);
  const p5 = out.subarray(5 * n, 6 * n);
  const p6 = out.subarray(6 * n, 7 * n);
  const p7 = out.subarray(7 * n, 8 * n);
  for (let i = 0, j = 0; i < n; i++, j += 2) {
    const lo = s[j];
    const hi = s[j + 1];
    p0[i] = lo;
    p1[i] = lo >>> 8;
    p2[i] = lo >>> 16;
    p3[i] = lo >>> 24;
    p4[i] = hi;
    p5[i] = hi >>> 8;
    p6[i] = hi >>> 16;
    p7[i] = hi >>> 24;
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
