/**
 * Fletcher-32 checksum filter (id 3, H5Z_FILTER_FLETCHER32). Encoding appends
 * a 4-byte little-endian checksum (libhdf5 UINT32ENCODE); decoding verifies
 * and strips it. The checksum is libhdf5's H5_checksum_fletcher32: sums
 * start at 0 (not 0xffff), the data is read as 16-bit words with the first
 * byte as the high half regardless of host order, an odd trailing byte is a
 * word with a zero low half, and both sums are folded to 16 bits every 360
 * words and twice at the end.
 *
 * libhdf5 before 1.6.3 computed the checksum with host-order words, so on
 * little-endian machines it stored a value whose bytes are swapped within
 * each 16-bit half. H5Zfletcher32.c still accepts that variant on read, and
 * so does h5kit.
 */
import { H5ChecksumError } from '../errors.js';
import type { Filter, FilterContext } from './filter.js';
import { filterError } from './util.js';

const NAME = 'fletcher32';

/** H5_checksum_fletcher32 of `data`. */
export function fletcher32(data: Uint8Array): number {
  const len = data.length;
  let sum1 = 0;
  let sum2 = 0;
  let words = len >>> 1;
  let i = 0;
  while (words > 0) {
    // 360 words is the most libhdf5 sums before folding: sum2 then still
    // fits in 32 bits, so plain JS numbers reproduce its arithmetic exactly.
    const block = words > 360 ? 360 : words;
    words -= block;
    const end = i + 2 * block;
    for (; i < end; i += 2) {
      sum1 += (data[i] << 8) | data[i + 1];
      sum2 += sum1;
    }
    sum1 = (sum1 & 0xffff) + (sum1 >>> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >>> 16);
  }
  if (len & 1) {
    sum1 += data[len - 1] << 8;
    sum2 += sum1;
    sum1 = (sum1 & 0xffff) + (sum1 >>> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >>> 16);
  }
  sum1 = (sum1 & 0xffff) + (sum1 >>> 16);
  sum2 = (sum2 & 0xffff) + (sum2 >>> 16);
  return ((sum2 << 16) | sum1) >>> 0;
}

/** The checksum as libhdf5 < 1.6.3 stored it on little-endian hosts. */
export function legacyFletcher32(checksum: number): number {
  return (((checksum & 0x00ff00ff) << 8) | ((checksum >>> 8) & 0x00ff00ff)) >>> 0;
}

function hex(v: number): string {
  return `0x${v.toString(16).padStart(8, '0')}`;
}

export function verifyFletcher32(input: Uint8Array, ctx: FilterContext): Uint8Array {
  if (input.length < 4) {
    throw filterError(NAME, ctx, `${input.length} bytes cannot hold a 4-byte checksum`);
  }
  const n = input.length - 4;
  const stored = (input[n] | (input[n + 1] << 8) | (input[n + 2] << 16) | (input[n + 3] << 24)) >>> 0;
  const computed = fletcher32(input.subarray(0, n));
  if (stored !== computed && stored !== legacyFletcher32(computed)) {
    throw new H5ChecksumError(
      'fletcher32 filter',
      -1,
      `stored checksum ${hex(stored)} does not match computed ${hex(computed)} (${ctx.where})`,
    );
  }
  return input.subarray(0, n);
}

export function appendFletcher32(input: Uint8Array): Uint8Array {
  const n = input.length;
  const out = new Uint8Array(n + 4);
  out.set(input);
  const sum = fletcher32(input);
  out[n] = sum & 0xff;
  out[n + 1] = (sum >>> 8) & 0xff;
  out[n + 2] = (sum >>> 16) & 0xff;
  out[n + 3] = sum >>> 24;
  return out;
}

export const fletcher32Filter: Filter = {
  id: 3,
  name: NAME,
  decode: verifyFletcher32,
};
