/**
 * Deflate filter (id 1, H5Z_FILTER_DEFLATE). libhdf5's H5Zdeflate.c writes a
 * zlib stream (RFC 1950: 2-byte header, raw deflate, Adler-32 trailer) with
 * compress2() at the level in client data value 0, and reads it back with
 * inflateInit(), i.e. zlib wrapper only, no gzip, no preset dictionary.
 * Bytes after the end of the zlib stream are ignored, as zlib does.
 */
import {
  ZStream,
  Z_BUF_ERROR,
  Z_NO_FLUSH,
  Z_OK,
  Z_STREAM_END,
  deflate as pakoDeflate,
  zlibInflate,
  zlibInflateEnd,
  zlibInflateInit,
} from 'pako';
import { H5ValueError } from '../errors.js';
import type { Filter, FilterContext } from './filter.js';
import { clientValue, filterError, outputLimit } from './util.js';

const NAME = 'deflate';
/** Level used for encoding when the pipeline stores no client data. */
export const DEFAULT_DEFLATE_LEVEL = 4;

export function inflateChunk(input: Uint8Array, ctx: FilterContext): Uint8Array {
  const limit = outputLimit(ctx);
  let capacity = ctx.decodedSize >= 0 ? limit : Math.min(limit, Math.max(4096, input.length * 4));
  let out = new Uint8Array(capacity);

  const strm = new ZStream();
  if (zlibInflateInit(strm) !== Z_OK) throw filterError(NAME, ctx, 'cannot initialise zlib');
  strm.input = input;
  strm.next_in = 0;
  strm.avail_in = input.length;
  strm.output = out;
  strm.next_out = 0;
  strm.avail_out = capacity;

  try {
    for (;;) {
      const status = zlibInflate(strm, Z_NO_FLUSH);
      if (status === Z_STREAM_END) break;
      if (status !== Z_OK && status !== Z_BUF_ERROR) {
        throw filterError(NAME, ctx, `corrupt zlib stream: ${strm.msg || `status ${status}`}`);
      }
      if (strm.avail_out === 0) {
        if (capacity < limit) {
          capacity = Math.min(limit, capacity * 2);
          const grown = new Uint8Array(capacity);
          grown.set(out.subarray(0, strm.next_out));
          out = grown;
          strm.output = out;
          strm.avail_out = capacity - strm.next_out;
          continue;
        }
        // The output is full. A call without output room can still finish
        // the stream (end-of-block code, Adler-32 trailer); if it cannot make
        // progress, the stream holds more data than the chunk can.
        if (status === Z_BUF_ERROR) {
          throw filterError(NAME, ctx, `decompressed data exceeds ${limit} bytes`);
        }
        continue;
      }
      if (strm.avail_in === 0 || status === Z_BUF_ERROR) {
        throw filterError(NAME, ctx, 'zlib stream is truncated');
      }
    }
  } finally {
    zlibInflateEnd(strm);
  }
  return strm.next_out === out.length ? out : out.subarray(0, strm.next_out);
}

export function deflateChunk(input: Uint8Array, ctx: FilterContext): Uint8Array {
  const level = clientValue(ctx, 0, DEFAULT_DEFLATE_LEVEL);
  // libhdf5 rejects levels above 9 ("invalid deflate aggression level").
  if (level > 9) throw new H5ValueError(`deflate level ${level} is not in 0..9 (${ctx.where})`);
  return pakoDeflate(input, { level });
}

export const deflateFilter: Filter = {
  id: 1,
  name: NAME,
  decode: inflateChunk,
  encode: deflateChunk,
};
