/**
 * Scale-offset filter (id 6, H5Z_FILTER_SCALEOFFSET), after libhdf5's
 * H5Zscaleoffset.c. This module decodes; the encoder is in
 * scaleoffset-encode.ts, the client data computation in
 * scaleoffset-params.ts.
 *
 * Client data (20 values, from H5Z__set_local_scaleoffset):
 *   [0] scale type: 0 float D-scale, 1 float E-scale (never implemented by
 *       libhdf5), 2 integer
 *   [1] scale factor: decimal digits kept (D-scale, may be negative), or the
 *       number of bits per value for integers (0: computed per chunk)
 *   [2] elements per chunk   [3] class: 0 integer, 1 float
 *   [4] element size         [5] sign: 0 unsigned, 1 two's complement
 *   [6] byte order: 0 LE, 1 BE
 *   [7] 1 when the dataset has a fill value, stored in [8..]: the value's
 *       bytes least significant first, 4 per client data value.
 *
 * Encoded chunk: a 21-byte header, then the packed values.
 *   bytes 0..3  minbits, little-endian
 *   byte  4     size of the stored minimum (sizeof(unsigned long long) = 8)
 *   bytes 5..12 minimum, little-endian (for floats: the bit pattern of the
 *               float/double minimum in its low bytes)
 *   bytes 13..20 unused (zero)
 * Each value is `minbits` bits, most significant first, in one big-endian
 * bit stream. Decoding:
 *   integer: v = packed + minimum (modulo 2^(8·size), so the sign [5] does
 *            not change the bytes); when a fill value is defined the
 *            all-ones pattern stands for the fill value;
 *   float:   v = packed / 10^D + minimum, evaluated in the type's own
 *            precision (float arithmetic for 4-byte floats, as libhdf5's
 *            C code does); all-ones again stands for the fill value.
 * minbits = 0 packs nothing (every packed value is 0). minbits equal to the
 * full element width means the values were stored verbatim; libhdf5 writes
 * them in the writer's memory byte order, assumed little-endian here.
 * Integers whose scale factor equals the full width bypass the filter
 * entirely: the stored chunk is the raw data without a header.
 * The result is in the dataset's byte order ([6]), as libhdf5 returns it.
 */
import { BitReader } from './bits.js';
import type { Filter, FilterContext } from './filter.js';
import {
  CLASS_INTEGER,
  HEADER_BYTES,
  ORDER_BE,
  ORDER_LE,
  SCALEOFFSET_NAME as NAME,
  TWO_32,
  powerOfTen,
  scaleoffsetParams,
} from './scaleoffset-format.js';
import { HOST_LITTLE_ENDIAN, filterError, outputLimit, swapElements } from './util.js';

export function scaleoffsetDecode(input: Uint8Array, ctx: FilterContext): Uint8Array {
  const fail = (detail: string) => filterError(NAME, ctx, detail);
  const { scaleFactor, count, typeClass, size, order, fillDefined, fill0, fill1, passThrough } = scaleoffsetParams(ctx);
  if (passThrough) return input;

  if (input.length < HEADER_BYTES) throw fail(`${input.length} bytes cannot hold the 21-byte header`);
  const minbits = (input[0] | (input[1] << 8) | (input[2] << 16) | (input[3] << 24)) >>> 0;
  const minvalBytes = Math.min(8, input[4]);
  let minLo = 0;
  let minHi = 0;
  for (let i = 0; i < minvalBytes; i++) {
    if (i < 4) minLo += input[5 + i] * 2 ** (8 * i);
    else minHi += input[5 + i] * 2 ** (8 * (i - 4));
  }
  if (minbits > size * 8) throw fail(`minbits ${minbits} exceeds the ${size * 8}-bit element`);

  const outBytes = count * size;
  const limit = outputLimit(ctx);
  if (outBytes > limit) throw fail(`${count} elements of ${size} bytes exceed ${limit} bytes`);
  const nativeOrder = HOST_LITTLE_ENDIAN ? ORDER_LE : ORDER_BE;

  if (minbits === size * 8) {
    if (input.length - HEADER_BYTES < outBytes) throw fail('verbatim payload is truncated');
    const out = input.slice(HEADER_BYTES, HEADER_BYTES + outBytes);
    // The payload is in the writer's memory order (little-endian assumed).
    if (order !== ORDER_LE) swapElements(out, size);
    return out;
  }
  if (count * minbits > (input.length - HEADER_BYTES) * 8) {
    throw fail(`${input.length - HEADER_BYTES} bytes hold fewer than ${count} values of ${minbits} bits`);
  }

  const out = new Uint8Array(outBytes);
  const reader = new BitReader(input, HEADER_BYTES);
  // All-ones pattern marking the fill value (0 when minbits is 0, as in C).
  const marker = minbits >= 32 ? 0xffffffff : 2 ** minbits - 1;

  if (typeClass === CLASS_INTEGER && size <= 4) {
    // Typed-array stores reduce modulo 2^(8·size): C's wrap-around addition.
    const view =
      size === 1 ? out : size === 2 ? new Uint16Array(out.buffer, 0, count) : new Uint32Array(out.buffer, 0, count);
    for (let i = 0; i < count; i++) {
      const packed = reader.read(minbits);
      view[i] = fillDefined && packed === marker ? fill0 : packed + minLo;
    }
  } else if (typeClass === CLASS_INTEGER) {
    // 64-bit integers as (hi, lo) 32-bit halves; minbits <= 63 here.
    const words = new Uint32Array(out.buffer, 0, 2 * count);
    const hiBits = minbits > 32 ? minbits - 32 : 0;
    const loBits = minbits - hiBits;
    const markerHi = hiBits > 0 ? 2 ** hiBits - 1 : 0;
    const markerLo = hiBits > 0 ? 0xffffffff : marker;
    const [w0, w1] = HOST_LITTLE_ENDIAN ? [0, 1] : [1, 0];
    for (let i = 0; i < count; i++) {
      const hi = hiBits > 0 ? reader.read(hiBits) : 0;
      const lo = reader.read(loBits);
      let rLo: number;
      let rHi: number;
      if (fillDefined && hi === markerHi && lo === markerLo) {
        rLo = fill0;
        rHi = fill1;
      } else {
        const sum = lo + minLo;
        rLo = sum % TWO_32;
        rHi = (hi + minHi + (sum >= TWO_32 ? 1 : 0)) % TWO_32;
      }
      // Host-order 64-bit value: low word at the lower address on LE hosts.
      words[2 * i + w0] = rLo;
      words[2 * i + w1] = rHi;
    }
  } else if (size === 4) {
    const floats = new Float32Array(out.buffer, 0, count);
    const bitsView = new Uint32Array(out.buffer, 0, count);
    const scratch = new Float32Array(1);
    new Uint32Array(scratch.buffer)[0] = minLo;
    const min = scratch[0];
    const divisor = Math.fround(powerOfTen(scaleFactor));
    for (let i = 0; i < count; i++) {
      const packed = reader.read(minbits);
      if (fillDefined && packed === marker) bitsView[i] = fill0;
      else floats[i] = Math.fround(Math.fround(Math.fround(packed) / divisor) + min);
    }
  } else {
    const doubles = new Float64Array(out.buffer, 0, count);
    const words = new Uint32Array(out.buffer, 0, 2 * count);
    const scratch = new Float64Array(1);
    const scratchWords = new Uint32Array(scratch.buffer);
    const [w0, w1] = HOST_LITTLE_ENDIAN ? [0, 1] : [1, 0];
    scratchWords[w0] = minLo;
    scratchWords[w1] = minHi;
    const min = scratch[0];
    const divisor = powerOfTen(scaleFactor);
    const hiBits = minbits > 32 ? minbits - 32 : 0;
    const loBits = minbits - hiBits;
    const markerHi = hiBits > 0 ? 2 ** hiBits - 1 : 0;
    const markerLo = hiBits > 0 ? 0xffffffff : marker;
    for (let i = 0; i < count; i++) {
      const hi = hiBits > 0 ? reader.read(hiBits) : 0;
      const lo = reader.read(loBits);
      if (fillDefined && hi === markerHi && lo === markerLo) {
        words[2 * i + w0] = fill0;
        words[2 * i + w1] = fill1;
      } else {
        // hi·2^32 is exact and the sum rounds once: the same double as C's
        // conversion of the 64-bit integer.
        doubles[i] = (hi * TWO_32 + lo) / divisor + min;
      }
    }
  }

  if (order !== nativeOrder) swapElements(out, size);
  return out;
}

export const scaleoffsetFilter: Filter = {
  id: 6,
  name: NAME,
  decode: scaleoffsetDecode,
};
