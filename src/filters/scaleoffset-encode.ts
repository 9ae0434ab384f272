/**
 * Scale-offset encoder, after H5Z__filter_scaleoffset's compress branch in
 * libhdf5's H5Zscaleoffset.c (1.10). Client data and chunk header layout:
 * scaleoffset.ts and scaleoffset-format.ts.
 *
 * Per chunk, in the host's order (libhdf5 byte-swaps to memory order first):
 *  1. find the minimum (and, when minbits is to be computed, the maximum) of
 *     the values, ignoring those equal to the fill value when one is
 *     defined (floats: within 10^-D of it). With every value equal to the
 *     fill value, min = max = 0;
 *  2. minbits: given (integers, scale factor > 0), else ceil(log2(span)),
 *     span = max - min + 1, plus one more value when a fill value is
 *     defined (the all-ones pattern is reserved for it). A span reaching
 *     the type's range gives minbits = full width;
 *  3. each value becomes v - min (floats: round(v·10^D - min·10^D), in the
 *     type's own precision, rounding half away from zero like lround), and
 *     fill values the all-ones pattern; a given minbits too small for the
 *     span silently keeps only the low bits, as libhdf5 does;
 *  4. store the 21-byte header and the low `minbits` bits of each value,
 *     most significant first. Size: 21 + floor(count·minbits / 8) + 1.
 *     With minbits = full width the values are stored verbatim in memory
 *     order (little-endian: what libhdf5 writes on x86), 21 + nbytes bytes.
 *
 * Traps reproduced on purpose: the minimum written in the header is 0 when
 * the full-width case returns early, except for signed 1-byte integers
 * without a fill value (libhdf5 sets it there); with minbits = 0 libhdf5
 * leaves the one byte after the header uninitialised, h5kit writes 0; the
 * tolerance used to skip float fill values is pow(10, -D) in double when
 * finding min/max but powf (float) when marking, for 4-byte floats.
 */
import { BitWriter } from './bits.js';
import type { FilterContext } from './filter.js';
import {
  CLASS_INTEGER,
  HEADER_BYTES,
  ORDER_BE,
  ORDER_LE,
  SCALEOFFSET_NAME,
  TWO_32,
  powerOfTen,
  scaleoffsetParams,
  type ScaleoffsetParams,
} from './scaleoffset-format.js';
import { HOST_LITTLE_ENDIAN, filterError, swapElements } from './util.js';

/** What step 1-3 produce for one chunk. */
interface Reduced {
  readonly minbits: number;
  /** The minimum as stored in the header (64 bits, as two 32-bit words). */
  readonly minLo: number;
  readonly minHi: number;
  /** Packed values, low 32 bits; `hi` the bits above 32 (64-bit types). Absent at full width. */
  readonly lo?: Uint32Array;
  readonly hi?: Uint32Array;
}

/** H5Z__scaleoffset_log2: ceil(log2(num)) for num >= 1. */
function log2Ceil(num: bigint): number {
  let v = 0;
  let bound = 1n;
  while (bound < num) {
    bound <<= 1n;
    v++;
  }
  return v;
}

/** C's lround/llround/roundf: halfway cases away from zero. */
export function roundHalfAway(x: number): number {
  const t = Math.trunc(x);
  // x - t is exact: t has x's exponent or is 0.
  return Math.abs(x - t) >= 0.5 ? t + Math.sign(x) : t;
}

/** Minimum and maximum of `vals`, skipping fill values (max_min_1/2 and min_1/2 of H5Zscaleoffset.c). */
function range<T extends number | bigint>(vals: ArrayLike<T>, zero: T, isFill: ((v: T) => boolean) | null): [T, T] {
  const n = vals.length;
  let i = 0;
  if (isFill) while (i < n && isFill(vals[i])) i++;
  if (i >= n) return [zero, zero];
  let min = vals[i];
  let max = min;
  for (; i < n; i++) {
    const v = vals[i];
    if (isFill && isFill(v)) continue;
    if (v > max) max = v;
    if (v < min) min = v;
  }
  return [min, max];
}

/** Integers of 1, 2 and 4 bytes (precompress_1/2 and the signed char case). */
function reduceSmallInt(host: Uint8Array, p: ScaleoffsetParams): Reduced {
  const bits = p.size * 8;
  const n = p.count;
  const vals =
    p.size === 1
      ? p.signed ? new Int8Array(host.buffer, 0, n) : host
      : p.size === 2
        ? p.signed ? new Int16Array(host.buffer, 0, n) : new Uint16Array(host.buffer, 0, n)
        : p.signed ? new Int32Array(host.buffer, 0, n) : new Uint32Array(host.buffer, 0, n);
  // The fill value as the type reads it (its bytes are the low `bits` of cd[8]).
  const fill = bits === 32 ? (p.signed ? p.fill0 | 0 : p.fill0) : p.signed ? (p.fill0 << (32 - bits)) >> (32 - bits) : p.fill0 & (2 ** bits - 1);
  const [min, max] = range<number>(vals, 0, p.fillDefined ? (v) => v === fill : null);
  const header = (m: number) => ({ minLo: m >>> 0, minHi: m < 0 ? 0xffffffff : 0 });
  let minbits = p.scaleFactor;
  if (minbits === 0) {
    const diff = max - min;
    if (diff > 2 ** bits - 3) {
      // The full-width check returns before the minimum is stored, except in
      // the signed char branch without a fill value.
      return { minbits: bits, ...header(p.size === 1 && p.signed && !p.fillDefined ? min : 0) };
    }
    minbits = log2Ceil(BigInt(diff + 1 + (p.fillDefined ? 1 : 0)));
  }
  const lo = new Uint32Array(n);
  const marker = 2 ** minbits - 1;
  for (let i = 0; i < n; i++) {
    const v = vals[i];
    lo[i] = p.fillDefined && v === fill ? marker : v - min;
  }
  return { minbits, ...header(min), lo };
}

/** 8-byte integers, in BigInt arithmetic. */
function reduceInt64(host: Uint8Array, p: ScaleoffsetParams): Reduced {
  const n = p.count;
  const vals = p.signed ? new BigInt64Array(host.buffer, 0, n) : new BigUint64Array(host.buffer, 0, n);
  const raw = (BigInt(p.fill1) << 32n) | BigInt(p.fill0);
  const fill = p.signed ? BigInt.asIntN(64, raw) : raw;
  const [min, max] = range<bigint>(vals, 0n, p.fillDefined ? (v) => v === fill : null);
  const minU = BigInt.asUintN(64, min);
  let minbits = p.scaleFactor;
  if (minbits === 0) {
    const diff = max - min;
    if (diff > 2n ** 64n - 3n) return { minbits: 64, minLo: 0, minHi: 0 };
    minbits = log2Ceil(diff + 1n + (p.fillDefined ? 1n : 0n));
  }
  const lo = new Uint32Array(n);
  const hi = new Uint32Array(n);
  const marker = (1n << BigInt(minbits)) - 1n;
  for (let i = 0; i < n; i++) {
    const v = vals[i];
    const x = p.fillDefined && v === fill ? marker : BigInt.asUintN(64, v - min);
    lo[i] = Number(x & 0xffffffffn);
    hi[i] = Number(x >> 32n);
  }
  return { minbits, minLo: Number(minU & 0xffffffffn), minHi: Number(minU >> 32n), lo, hi };
}

/** 4-byte floats, D-scale (precompress_3 with float, powf, roundf, lroundf): float arithmetic throughout. */
function reduceFloat32(host: Uint8Array, p: ScaleoffsetParams): Reduced {
  const f = Math.fround;
  const n = p.count;
  const vals = new Float32Array(host.buffer, 0, n);
  const fill = new Float32Array(new Uint32Array([p.fill0]).buffer)[0];
  const scale = f(powerOfTen(p.scaleFactor));
  // max_min_3 compares with pow(10.0f, -D) in double precision...
  const rangeTolerance = powerOfTen(-p.scaleFactor);
  const [min, max] = range<number>(vals, 0, p.fillDefined ? (v) => Math.abs(f(v - fill)) < rangeTolerance : null);
  const scaled = (v: number) => f(f(v * scale) - f(min * scale));
  const top = roundHalfAway(scaled(max));
  // check_3: the span does not fit an int; data stored as is, minimum 0.
  if (top > 2 ** 31) return { minbits: 32, minLo: 0, minHi: 0 };
  const minbits = log2Ceil(BigInt(top + 1 + (p.fillDefined ? 1 : 0)));
  const minLo = new Uint32Array(new Float32Array([min]).buffer)[0];
  if (minbits === 32) return { minbits, minLo, minHi: 0 };
  const lo = new Uint32Array(n);
  const marker = 2 ** minbits - 1;
  // ...but modify_1 marks fill values with powf(10.0f, -D), a float.
  const tolerance = f(powerOfTen(-p.scaleFactor));
  for (let i = 0; i < n; i++) {
    const v = vals[i];
    // (int)lroundf(...): the 32-bit two's complement of the rounded value.
    lo[i] = p.fillDefined && Math.abs(f(v - fill)) < tolerance ? marker : roundHalfAway(scaled(v)) | 0;
  }
  return { minbits, minLo, minHi: 0, lo };
}

/** 8-byte floats, D-scale (precompress_3 with double, pow, round, lround). */
function reduceFloat64(host: Uint8Array, p: ScaleoffsetParams): Reduced {
  const n = p.count;
  const vals = new Float64Array(host.buffer, 0, n);
  const fill = new Float64Array(new Uint32Array(HOST_LITTLE_ENDIAN ? [p.fill0, p.fill1] : [p.fill1, p.fill0]).buffer)[0];
  const scale = powerOfTen(p.scaleFactor);
  const tolerance = powerOfTen(-p.scaleFactor);
  const isFill = (v: number) => Math.abs(v - fill) < tolerance;
  const [min, max] = range<number>(vals, 0, p.fillDefined ? isFill : null);
  const scaled = (v: number) => v * scale - min * scale;
  const top = roundHalfAway(scaled(max));
  if (top > 2 ** 63) return { minbits: 64, minLo: 0, minHi: 0 };
  const minbits = log2Ceil(BigInt(top) + 1n + (p.fillDefined ? 1n : 0n));
  const minWords = new Uint32Array(new Float64Array([min]).buffer);
  const [minLo, minHi] = HOST_LITTLE_ENDIAN ? [minWords[0], minWords[1]] : [minWords[1], minWords[0]];
  if (minbits === 64) return { minbits, minLo, minHi };
  const lo = new Uint32Array(n);
  const hi = new Uint32Array(n);
  const markerHi = minbits > 32 ? 2 ** (minbits - 32) - 1 : 0;
  const markerLo = minbits > 32 ? 0xffffffff : 2 ** minbits - 1;
  for (let i = 0; i < n; i++) {
    const v = vals[i];
    if (p.fillDefined && isFill(v)) {
      lo[i] = markerLo;
      hi[i] = markerHi;
      continue;
    }
    const r = roundHalfAway(scaled(v));
    if (r >= 0) {
      // An integer-valued double: both halves are exact.
      const h = Math.floor(r / TWO_32);
      hi[i] = h;
      lo[i] = r - h * TWO_32;
    } else {
      // Only for values just below the minimum (outside the fill tolerance on one test, inside on the other).
      const x = BigInt.asUintN(64, BigInt(r));
      lo[i] = Number(x & 0xffffffffn);
      hi[i] = Number(x >> 32n);
    }
  }
  return { minbits, minLo, minHi, lo, hi };
}

export function scaleoffsetEncode(input: Uint8Array, ctx: FilterContext): Uint8Array {
  const p = scaleoffsetParams(ctx);
  if (p.passThrough) return input;
  const { count, size } = p;
  if (input.length !== count * size) {
    throw filterError(SCALEOFFSET_NAME, ctx, `${input.length} bytes to encode, expected ${count} elements of ${size} bytes`);
  }
  const nativeOrder = HOST_LITTLE_ENDIAN ? ORDER_LE : ORDER_BE;
  // A fresh copy (offset 0, aligned) in host order for typed-array access.
  const host = input.slice();
  if (p.order !== nativeOrder) swapElements(host, size);
  const r =
    p.typeClass === CLASS_INTEGER
      ? size === 8 ? reduceInt64(host, p) : reduceSmallInt(host, p)
      : size === 4 ? reduceFloat32(host, p) : reduceFloat64(host, p);
  const { minbits } = r;
  const full = minbits === size * 8;
  const out = new Uint8Array(full ? HEADER_BYTES + input.length : HEADER_BYTES + Math.floor((count * minbits) / 8) + 1);
  out[0] = minbits;
  out[4] = 8; // sizeof(unsigned long long)
  for (let i = 0; i < 4; i++) {
    out[5 + i] = (r.minLo >>> (8 * i)) & 0xff;
    out[9 + i] = (r.minHi >>> (8 * i)) & 0xff;
  }
  if (full) {
    // Verbatim, in memory order: little-endian.
    const payload = out.subarray(HEADER_BYTES);
    payload.set(input);
    if (p.order === ORDER_BE) swapElements(payload, size);
    return out;
  }
  if (minbits === 0) return out;
  const w = new BitWriter(out, HEADER_BYTES);
  const lo = r.lo!;
  if (minbits <= 32) {
    for (let i = 0; i < count; i++) w.write(lo[i], minbits);
  } else {
    const hi = r.hi!;
    const hiBits = minbits - 32;
    for (let i = 0; i < count; i++) {
      w.write(hi[i], hiBits);
      w.write(lo[i], 32);
    }
  }
  return out;
}
