/**
 * LZF filter (id 32000), as registered by h5py (lzf/lzf_filter.c) around
 * Marc Lehmann's liblzf.
 *
 * Stream format (liblzf lzf_d.c): a sequence of control bytes.
 *  - ctrl < 32: a literal run of ctrl + 1 bytes follows;
 *  - otherwise a back reference: length field L = ctrl >> 5 (7 means "add
 *    the next byte"), then the low offset byte; it copies L + 2 bytes from
 *    `distance = ((ctrl & 31) << 8 | low) + 1` bytes back, byte by byte, so
 *    the source may overlap the bytes being written.
 *
 * Client data (h5py's lzf_set_local): [0] filter revision (4), [1] liblzf
 * version (0x0105), [2] chunk size in bytes, used as the decompression
 * buffer size; when it is 0 or absent h5py starts from the stored size and
 * grows on overflow. The decoded size is whatever the stream produces.
 *
 * Encoding: h5py gives liblzf an output buffer as large as the input and
 * reports failure when the result does not fit. The filter is registered as
 * optional, so libhdf5 then stores that chunk unfiltered and sets the
 * filter's bit in the chunk's filter mask. h5kit's encoder signals the same
 * case with H5FilterDeclinedError.
 */
import type { Filter, FilterContext } from './filter.js';
import { H5FilterDeclinedError, MAX_FILTER_OUTPUT, filterError, outputLimit } from './util.js';

const NAME = 'lzf';
/** h5py's H5PY_FILTER_LZF_VERSION and liblzf's LZF_VERSION. */
export const LZF_FILTER_REVISION = 4;
export const LZF_LIBRARY_VERSION = 0x0105;

/** Client data h5py's set_local stores for a chunk of `chunkBytes` bytes. */
export function lzfClientData(chunkBytes: number): number[] {
  return [LZF_FILTER_REVISION, LZF_LIBRARY_VERSION, chunkBytes];
}

/** Returned by lzfDecompress when `out` is too small. */
export const LZF_OUTPUT_FULL = -1;

/**
 * Decompress `src` into `out`. Returns the number of bytes written, or
 * LZF_OUTPUT_FULL when `out` is too small; throws `fail(detail)` when the
 * stream is malformed (truncated, or a reference before the output start).
 */
export function lzfDecompress(src: Uint8Array, out: Uint8Array, fail: (detail: string) => Error): number {
  const inEnd = src.length;
  const outEnd = out.length;
  let ip = 0;
  let op = 0;
  while (ip < inEnd) {
    const ctrl = src[ip++];
    if (ctrl < 32) {
      const run = ctrl + 1;
      if (op + run > outEnd) return LZF_OUTPUT_FULL;
      if (ip + run > inEnd) throw fail(`literal run of ${run} bytes overruns the input at byte ${ip - 1}`);
      for (let k = 0; k < run; k++) out[op++] = src[ip++];
    } else {
      let len = ctrl >>> 5;
      if (ip >= inEnd) throw fail('back reference truncated at end of input');
      if (len === 7) {
        len += src[ip++];
        if (ip >= inEnd) throw fail('back reference truncated at end of input');
      }
      let ref = op - ((ctrl & 0x1f) << 8) - 1 - src[ip++];
      len += 2;
      if (op + len > outEnd) return LZF_OUTPUT_FULL;
      if (ref < 0) throw fail(`back reference to ${-ref} bytes before the start of the output`);
      if (op - ref >= len && len > 32) {
        out.copyWithin(op, ref, ref + len);
        op += len;
      } else {
        // Overlapping copies repeat the last `distance` bytes: byte by byte.
        for (let k = 0; k < len; k++) out[op++] = out[ref++];
      }
    }
  }
  return op;
}

/**
 * Longest output a stream of `n` bytes can produce: a 3-byte back reference
 * yields at most 264 bytes.
 */
function maxExpansion(n: number): number {
  return Math.ceil(n / 3) * 264;
}

export function lzfDecode(input: Uint8Array, ctx: FilterContext): Uint8Array {
  const fail = (detail: string) => filterError(NAME, ctx, detail);
  if (input.length === 0) throw fail('empty LZF stream');
  const declared = ctx.clientData.length >= 3 ? ctx.clientData[2] >>> 0 : 0;
  if (declared > MAX_FILTER_OUTPUT) throw fail(`declared chunk size ${declared} exceeds ${MAX_FILTER_OUTPUT}`);
  const limit = Math.min(outputLimit(ctx), maxExpansion(input.length));
  let capacity = declared > 0 ? Math.min(declared, limit) : Math.min(limit, Math.max(input.length * 2, 64));
  for (;;) {
    const out = new Uint8Array(capacity);
    const n = lzfDecompress(input, out, fail);
    if (n >= 0) return n === capacity ? out : out.subarray(0, n);
    if (capacity >= limit) throw fail(`decompressed data exceeds ${limit} bytes`);
    capacity = Math.min(limit, capacity * 2);
  }
}

const HASH_BITS = 14;
const MAX_OFFSET = 1 << 13;
const MAX_MATCH = 264;

/**
 * LZF-compress `src` (greedy matching on a hash of 3-byte sequences). Always
 * succeeds; the result can be up to 1/32 longer than the input.
 */
export function lzfCompress(src: Uint8Array): Uint8Array {
  const n = src.length;
  const out = new Uint8Array(n + Math.ceil(n / 32) + 1);
  // Position + 1 of the last occurrence of each hashed 3-byte sequence.
  const table = new Int32Array(1 << HASH_BITS);
  let op = 0;
  let ip = 0;
  let literalStart = 0;

  const flushLiterals = (end: number): void => {
    let from = literalStart;
    while (from < end) {
      const run = Math.min(32, end - from);
      out[op++] = run - 1;
      for (let k = 0; k < run; k++) out[op++] = src[from++];
    }
  };
  const hashAt = (p: number): number =>
    Math.imul((src[p] << 16) | (src[p + 1] << 8) | src[p + 2], 0x9e3779b1) >>> (32 - HASH_BITS);

  while (ip + 2 < n) {
    const h = hashAt(ip);
    const candidate = table[h] - 1;
    table[h] = ip + 1;
    const distance = ip - candidate - 1;
    if (
      candidate >= 0 &&
      distance < MAX_OFFSET &&
      src[candidate] === src[ip] &&
      src[candidate + 1] === src[ip + 1] &&
      src[candidate + 2] === src[ip + 2]
    ) {
      const maxLen = Math.min(MAX_MATCH, n - ip);
      let len = 3;
      while (len < maxLen && src[candidate + len] === src[ip + len]) len++;
      flushLiterals(ip);
      const code = len - 2;
      if (code < 7) {
        out[op++] = (code << 5) | (distance >>> 8);
      } else {
        out[op++] = (7 << 5) | (distance >>> 8);
        out[op++] = code - 7;
      }
      out[op++] = distance & 0xff;
      const end = ip + len;
      for (let p = ip + 1; p < end && p + 2 < n; p++) table[hashAt(p)] = p + 1;
      ip = end;
      literalStart = ip;
    } else {
      ip++;
    }
  }
  flushLiterals(n);
  return out.subarray(0, op);
}

export function lzfEncode(input: Uint8Array, ctx: FilterContext): Uint8Array {
  const out = lzfCompress(input);
  if (out.length >= input.length) {
    throw new H5FilterDeclinedError(`lzf filter: data does not shrink (${ctx.where})`);
  }
  return out;
}

export const lzfFilter: Filter = {
  id: 32000,
  name: NAME,
  decode: lzfDecode,
};
