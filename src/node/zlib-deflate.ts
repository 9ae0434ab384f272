import { DEFAULT_DEFLATE_LEVEL } from '../filters/deflate.js';
import type { Filter, FilterContext } from '../filters/filter.js';
import { clientValue, filterError, outputLimit } from '../filters/util.js';
import { sharedInputBuffer, zlibMany, ZlibJobError, type ZlibJob } from './zlib-pool.js';

/**
 * The deflate filter (id 1) on Node's native zlib, which h5kit/node registers
 * in place of the portable one (h5kit's inflate, pako's deflate): several
 * times faster on the benchmark machine (bench/RESULTS.md). Same level and
 * stream parameters as libhdf5's compress2(), but not always the same bytes:
 * Node's zlib is Chromium's fork, whose deflate stream differs from stock
 * zlib's (e.g. Debian's 1.2.13) for the same input and level.
 */

export const nodeDeflateFilter: Filter = {
  id: 1,
  name: 'deflate',
  decode(input: Uint8Array, ctx: FilterContext): Uint8Array {
    try {
      return zlibMany('inflate', [job(input, ctx)])[0];
    } catch (e) {
      throw filterError('deflate', ctx, `corrupt zlib stream: ${(e as Error).message}`);
    }
  },
  encode(input: Uint8Array, ctx: FilterContext): Uint8Array {
    return zlibMany('deflate', [{ input, param: levelOf(ctx) }])[0];
  },
  // Several chunks at once: split between this thread and zlib worker threads (src/node/zlib-pool.ts).
  decodeMany(inputs: readonly Uint8Array[], ctxs: readonly FilterContext[], each?: (index: number, decoded: Uint8Array) => Uint8Array): Uint8Array[] {
    try {
      return zlibMany('inflate', inputs.map((input, k) => job(input, ctxs[k])), each);
    } catch (e) {
      // Errors of the later stages (run by `each`) pass through as they are.
      if (!(e instanceof ZlibJobError)) throw e;
      throw filterError('deflate', ctxs[e.index], `corrupt zlib stream: ${e.message}`);
    }
  },
  // A read places a batch's stored chunks in the pool's shared buffer, so they reach the workers uncopied.
  inputBuffer: sharedInputBuffer,
  encodeMany(inputs: readonly Uint8Array[], ctxs: readonly FilterContext[], produce?: (index: number) => void): Uint8Array[] {
    return zlibMany('deflate', inputs.map((input, k) => ({ input, param: levelOf(ctxs[k]) })), undefined, produce);
  },
};

function job(input: Uint8Array, ctx: FilterContext): ZlibJob {
  const expected = ctx.decodedSize >= 0 ? ctx.decodedSize : (ctx.sizeHint ?? -1);
  // The last stage of a chunk that maps to one run of the reader's output is placed there directly.
  return { input, param: outputLimit(ctx), expected, into: ctx.into };
}

function levelOf(ctx: FilterContext): number {
  return Math.max(0, Math.min(9, clientValue(ctx, 0, DEFAULT_DEFLATE_LEVEL)));
}
