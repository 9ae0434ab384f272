/**
 * Deflate filter (id 1, H5Z_FILTER_DEFLATE). libhdf5's H5Zdeflate.c writes a
 * zlib stream (RFC 1950: 2-byte header, raw deflate, Adler-32 trailer) with
 * compress2() at the level in client data value 0, and reads it back with
 * inflateInit(), i.e. zlib wrapper only, no gzip, no preset dictionary.
 * Bytes after the end of the zlib stream are ignored, as zlib does.
 *
 * Decoding uses h5kit's own inflate (inflate.ts); encoding is in
 * deflate-encode.ts, the only module that loads pako, so that reading never does.
 */
import type { Filter, FilterContext } from './filter.js';
import { InflateError, inflateZlib } from './inflate.js';
import { filterError, outputLimit } from './util.js';

const NAME = 'deflate';
/** Level used for encoding when the pipeline stores no client data. */
export const DEFAULT_DEFLATE_LEVEL = 4;

export function inflateChunk(input: Uint8Array, ctx: FilterContext): Uint8Array {
  const limit = outputLimit(ctx);
  // Unknown size (an intermediate pipeline stage): start from the hint or a guess, and grow.
  const guess = ctx.sizeHint !== undefined && ctx.sizeHint >= 0 ? ctx.sizeHint : input.length * 4;
  const capacity = ctx.decodedSize >= 0 ? limit : Math.min(limit, Math.max(4096, guess));
  try {
    return inflateZlib(input, capacity, limit, ctx.into);
  } catch (e) {
    if (e instanceof InflateError) throw filterError(NAME, ctx, `corrupt zlib stream: ${e.message}`);
    throw e;
  }
}

export const deflateFilter: Filter = {
  id: 1,
  name: NAME,
  decode: inflateChunk,
};
