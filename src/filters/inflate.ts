/**
 * Inflate: a decoder for the zlib streams (RFC 1950) of deflate data
 * (RFC 1951) that HDF5's deflate filter stores (filter id 1; libhdf5's
 * H5Zdeflate.c writes them with zlib's compress2() and reads them with
 * inflate()). h5kit decodes them itself so that reading needs no zlib
 * library: pako is only loaded by code that writes.
 *
 * Behaviour follows zlib's inflate() where libhdf5 relies on it: the header
 * check (CM 8, CINFO <= 7, FCHECK), no preset dictionary, the Adler-32
 * trailer verified, bytes after the stream ignored, and the same rejections
 * of malformed Huffman codes (over-subscribed, incomplete except a single
 * one-bit code, no end-of-block code) and of distances before the start.
 *
 * Decoding uses one primary lookup table of ROOT_BITS per Huffman code; the
 * rare longer codes are decoded canonically, bit by bit (RFC 1951 3.2.2).
 */

/** Raised for malformed or truncated input; the deflate filter adds where. */
export class InflateError extends Error {
  override name = 'InflateError';
}

const ROOT_BITS = 10;
const ROOT_MASK = (1 << ROOT_BITS) - 1;
const MAX_BITS = 15;

// RFC 1951 3.2.5: base values and extra bits of length codes 257..285 and distance codes 0..29.
const LENGTH_BASE = Uint16Array.of(3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258);
const LENGTH_EXTRA = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0);
const DIST_BASE = Uint16Array.of(
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
);
const DIST_EXTRA = Uint8Array.of(0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13);
// RFC 1951 3.2.7: order in which the code-length code lengths are stored.
const CODE_LENGTH_ORDER = Uint8Array.of(16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15);

/**
 * A canonical Huffman code: `table[bits & ROOT_MASK]` is `symbol << 4 | length`
 * for codes of at most ROOT_BITS bits, 0 for longer (or missing) codes, which
 * `slowDecode` resolves from `counts` and `symbols`.
 */
class HuffmanCode {
  readonly table = new Int32Array(1 << ROOT_BITS);
  readonly counts = new Uint16Array(MAX_BITS + 1);
  readonly symbols: Uint16Array;
  private readonly offsets = new Uint16Array(MAX_BITS + 2);

  constructor(maxSymbols: number) {
    this.symbols = new Uint16Array(maxSymbols);
  }

  /**
   * Build from code lengths `lengths[0..n)`. Returns an error message for
   * codes zlib rejects; `allowEmpty` permits a code with no symbols (a
   * distance code of a block that only has literals).
   */
  build(lengths: Uint8Array, n: number, allowEmpty: boolean): string | null {
    const { counts, offsets, symbols, table } = this;
    counts.fill(0);
    for (let s = 0; s < n; s++) counts[lengths[s]]++;
    counts[0] = 0;
    let max = MAX_BITS;
    while (max > 0 && counts[max] === 0) max--;
    table.fill(0);
    if (max === 0) return allowEmpty ? null : 'no codes';
    let left = 1;
    for (let len = 1; len <= MAX_BITS; len++) {
      left = (left << 1) - counts[len];
      if (left < 0) return 'over-subscribed Huffman code';
    }
    // zlib accepts an incomplete code only when it is a single one-bit code.
    if (left > 0 && max !== 1) return 'incomplete Huffman code';
    offsets[1] = 0;
    for (let len = 1; len < MAX_BITS; len++) offsets[len + 1] = offsets[len] + counts[len];
    for (let s = 0; s < n; s++) if (lengths[s]) symbols[offsets[lengths[s]]++] = s;
    // Fill the primary table with every code of at most ROOT_BITS bits, bit-reversed
    // because deflate sends Huffman codes most significant bit first.
    let code = 0;
    let k = 0;
    for (let len = 1; len <= MAX_BITS; len++) {
      for (let c = counts[len]; c > 0; c--, k++, code++) {
        if (len > ROOT_BITS) continue;
        let rev = 0;
        for (let b = 0, v = code; b < len; b++, v >>>= 1) rev = (rev << 1) | (v & 1);
        const entry = (symbols[k] << 4) | len;
        for (let i = rev; i <= ROOT_MASK; i += 1 << len) table[i] = entry;
      }
      code <<= 1;
    }
    return null;
  }
}

/** Decode one symbol of a code longer than ROOT_BITS (or report an invalid code) from `bits`, LSB first. */
function slowDecode(h: HuffmanCode, bits: number): number {
  const { counts, symbols } = h;
  let code = 0;
  let first = 0;
  let index = 0;
  for (let len = 1; len <= MAX_BITS; len++) {
    code |= (bits >>> (len - 1)) & 1;
    const count = counts[len];
    if (code - first < count) return (symbols[index + code - first] << 4) | len;
    index += count;
    first = (first + count) << 1;
    code <<= 1;
  }
  return -1;
}

let fixedCodes: [HuffmanCode, HuffmanCode] | undefined;

/** RFC 1951 3.2.6: the fixed literal/length and distance codes. */
function fixed(): [HuffmanCode, HuffmanCode] {
  if (fixedCodes) return fixedCodes;
  const lengths = new Uint8Array(288);
  lengths.fill(8, 0, 144);
  lengths.fill(9, 144, 256);
  lengths.fill(7, 256, 280);
  lengths.fill(8, 280, 288);
  const lit = new HuffmanCode(288);
  lit.build(lengths, 288, false);
  // 32 five-bit codes, as zlib builds it; codes 30 and 31 are rejected when decoded.
  const dist = new HuffmanCode(32);
  lengths.fill(5, 0, 32);
  dist.build(lengths, 32, false);
  fixedCodes = [lit, dist];
  return fixedCodes;
}

/** Adler-32 of `data` (RFC 1950 8.2). */
export function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  const n = data.length;
  for (let i = 0; i < n; ) {
    // 5552 is the largest run for which b cannot exceed 2^32 before reduction.
    const end = Math.min(i + 5552, n);
    for (; i < end; i++) {
      a += data[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** `out` with room for `need` bytes after its first `used`, doubling up to `limit`. */
export function grow(out: Uint8Array, used: number, need: number, limit: number): Uint8Array {
  if (used + need > limit) throw new InflateError(`decompressed data exceeds ${limit} bytes`);
  let size = out.length;
  while (size < used + need) size = Math.min(limit, size * 2);
  const bigger = new Uint8Array(size);
  bigger.set(out.subarray(0, used));
  return bigger;
}

// Scratch state reused across calls (decoding is synchronous and not re-entrant).
let litCode: HuffmanCode | undefined;
let distCode: HuffmanCode | undefined;
let lenCode: HuffmanCode | undefined;
const codeLengths = new Uint8Array(286 + 30);
const clLengths = new Uint8Array(19);

/**
 * Decode the zlib stream at the start of `input`. `capacity` is the size to
 * allocate first (the expected output size when known); the output grows up
 * to `limit` bytes and decoding fails beyond it. With `into` (`limit` bytes)
 * the output is written there instead of a new array.
 */
export function inflateZlib(input: Uint8Array, capacity: number, limit: number, into?: Uint8Array): Uint8Array {
  const n = input.length;
  if (n < 2) throw new InflateError('zlib stream is truncated');
  const cmf = input[0];
  const flg = input[1];
  if ((cmf & 15) !== 8 || cmf >> 4 > 7) throw new InflateError('not a zlib deflate stream (bad header)');
  if (((cmf << 8) | flg) % 31 !== 0) throw new InflateError('zlib header check failed');
  if (flg & 0x20) throw new InflateError('zlib stream needs a preset dictionary');

  const lit = (litCode ??= new HuffmanCode(288));
  const dist = (distCode ??= new HuffmanCode(32));
  let out: Uint8Array = into && into.length === limit && limit > 0 ? into : new Uint8Array(Math.max(1, Math.min(capacity, limit)));
  let cap = out.length;
  let o = 0;
  let p = 2;
  let bitbuf = 0;
  let bitcnt = 0;

  // The bit buffer is refilled inline (a closure over these
  // variables would keep them out of registers): it holds at least 25 bits
  // after a refill, enough for a code (15) plus its extra bits (5), or for a
  // distance code. Past the end of the input zero bits are fed; a stream that
  // needs more than 8 of them is truncated, and the trailer check catches less.

  let last = 0;
  do {
    while (bitcnt < 25) {
      if (p < n) bitbuf |= input[p] << bitcnt;
      else if (p > n + 8) throw new InflateError('zlib stream is truncated');
      p++;
      bitcnt += 8;
    }
    last = bitbuf & 1;
    const type = (bitbuf >>> 1) & 3;
    bitbuf >>>= 3;
    bitcnt -= 3;
    if (type === 0) {
      // Stored block (3.2.4): skip to a byte boundary, LEN, NLEN, then LEN raw bytes.
      bitbuf >>>= bitcnt & 7;
      bitcnt -= bitcnt & 7;
      p -= bitcnt >> 3;
      bitbuf = 0;
      bitcnt = 0;
      if (p + 4 > n) throw new InflateError('zlib stream is truncated');
      const len = input[p] | (input[p + 1] << 8);
      const nlen = input[p + 2] | (input[p + 3] << 8);
      if ((len ^ 0xffff) !== nlen) throw new InflateError('invalid stored block lengths');
      p += 4;
      if (p + len > n) throw new InflateError('zlib stream is truncated');
      if (o + len > cap) cap = (out = grow(out, o, len, limit)).length;
      out.set(input.subarray(p, p + len), o);
      o += len;
      p += len;
      continue;
    }
    let lt: HuffmanCode;
    let dt: HuffmanCode;
    if (type === 1) [lt, dt] = fixed();
    else if (type === 2) {
      // Dynamic block (3.2.7): the code lengths, themselves Huffman-coded.
      const hlit = (bitbuf & 31) + 257;
      const hdist = ((bitbuf >>> 5) & 31) + 1;
      const hclen = ((bitbuf >>> 10) & 15) + 4;
      bitbuf >>>= 14;
      bitcnt -= 14;
      if (hlit > 286 || hdist > 30) throw new InflateError('too many length or distance symbols');
      clLengths.fill(0);
      for (let i = 0; i < hclen; i++) {
        while (bitcnt < 25) {
          if (p < n) bitbuf |= input[p] << bitcnt;
          else if (p > n + 8) throw new InflateError('zlib stream is truncated');
          p++;
          bitcnt += 8;
        }
        clLengths[CODE_LENGTH_ORDER[i]] = bitbuf & 7;
        bitbuf >>>= 3;
        bitcnt -= 3;
      }
      const cl = (lenCode ??= new HuffmanCode(19));
      const clError = cl.build(clLengths, 19, false);
      if (clError) throw new InflateError(`invalid code lengths set (${clError})`);
      const total = hlit + hdist;
      for (let i = 0; i < total; ) {
        while (bitcnt < 25) {
          if (p < n) bitbuf |= input[p] << bitcnt;
          else if (p > n + 8) throw new InflateError('zlib stream is truncated');
          p++;
          bitcnt += 8;
        }
        let e = cl.table[bitbuf & ROOT_MASK];
        if (e === 0) e = slowDecode(cl, bitbuf);
        if (e < 0) throw new InflateError('invalid code lengths set');
        bitbuf >>>= e & 15;
        bitcnt -= e & 15;
        const sym = e >>> 4;
        if (sym < 16) {
          codeLengths[i++] = sym;
          continue;
        }
        let value = 0;
        let repeat: number;
        if (sym === 16) {
          if (i === 0) throw new InflateError('invalid bit length repeat');
          value = codeLengths[i - 1];
          repeat = 3 + (bitbuf & 3);
          bitbuf >>>= 2;
          bitcnt -= 2;
        } else if (sym === 17) {
          repeat = 3 + (bitbuf & 7);
          bitbuf >>>= 3;
          bitcnt -= 3;
        } else {
          repeat = 11 + (bitbuf & 127);
          bitbuf >>>= 7;
          bitcnt -= 7;
        }
        if (i + repeat > total) throw new InflateError('invalid bit length repeat');
        codeLengths.fill(value, i, i + repeat);
        i += repeat;
      }
      if (codeLengths[256] === 0) throw new InflateError('invalid code -- missing end-of-block');
      const litError = lit.build(codeLengths, hlit, false);
      if (litError) throw new InflateError(`invalid literal/lengths set (${litError})`);
      const distError = dist.build(codeLengths.subarray(hlit, total), hdist, true);
      if (distError) throw new InflateError(`invalid distances set (${distError})`);
      lt = lit;
      dt = dist;
    } else throw new InflateError('invalid block type');

    // Compressed block (3.2.5): literals, lengths and distances until end-of-block.
    const ltab = lt.table;
    const dtab = dt.table;
    for (;;) {
      while (bitcnt < 25) {
        if (p < n) bitbuf |= input[p] << bitcnt;
        else if (p > n + 8) throw new InflateError('zlib stream is truncated');
        p++;
        bitcnt += 8;
      }
      let e = ltab[bitbuf & ROOT_MASK];
      if (e === 0) e = slowDecode(lt, bitbuf);
      if (e < 0) throw new InflateError('invalid literal/length code');
      bitbuf >>>= e & 15;
      bitcnt -= e & 15;
      let sym = e >>> 4;
      if (sym < 256) {
        if (o >= cap) cap = (out = grow(out, o, 1, limit)).length;
        out[o++] = sym;
        continue;
      }
      if (sym === 256) break;
      sym -= 257;
      if (sym >= 29) throw new InflateError('invalid literal/length code');
      let len = LENGTH_BASE[sym];
      let extra = LENGTH_EXTRA[sym];
      if (extra) {
        len += bitbuf & ((1 << extra) - 1);
        bitbuf >>>= extra;
        bitcnt -= extra;
      }
      while (bitcnt < 25) {
        if (p < n) bitbuf |= input[p] << bitcnt;
        else if (p > n + 8) throw new InflateError('zlib stream is truncated');
        p++;
        bitcnt += 8;
      }
      e = dtab[bitbuf & ROOT_MASK];
      if (e === 0) e = slowDecode(dt, bitbuf);
      if (e < 0) throw new InflateError('invalid distance code');
      bitbuf >>>= e & 15;
      bitcnt -= e & 15;
      const dsym = e >>> 4;
      if (dsym >= 30) throw new InflateError('invalid distance code');
      let d = DIST_BASE[dsym];
      extra = DIST_EXTRA[dsym];
      if (extra) {
        while (bitcnt < 25) {
          if (p < n) bitbuf |= input[p] << bitcnt;
          else if (p > n + 8) throw new InflateError('zlib stream is truncated');
          p++;
          bitcnt += 8;
        }
        d += bitbuf & ((1 << extra) - 1);
        bitbuf >>>= extra;
        bitcnt -= extra;
      }
      if (d > o) throw new InflateError('invalid distance too far back');
      if (o + len > cap) cap = (out = grow(out, o, len, limit)).length;
      let s = o - d;
      if (d >= len && len > 32) {
        out.copyWithin(o, s, s + len);
        o += len;
      } else {
        for (const end = o + len; o < end; ) out[o++] = out[s++];
      }
    }
  } while (!last);

  // Adler-32 trailer (RFC 1950), big-endian, at the next byte boundary.
  p -= bitcnt >> 3;
  if (p + 4 > n) throw new InflateError('zlib stream is truncated');
  const expected = ((input[p] << 24) | (input[p + 1] << 16) | (input[p + 2] << 8) | input[p + 3]) >>> 0;
  const result = o === out.length ? out : out.subarray(0, o);
  if (adler32(result) !== expected) throw new InflateError('incorrect data check (Adler-32)');
  return result;
}
