/**
 * Helpers shared by the filter codecs: error construction, output-size limits
 * and host byte order.
 */
import { H5Error, H5FormatError } from '../errors.js';
import type { FilterContext } from './filter.js';

/**
 * Upper bound on what one filter may allocate when the context does not give
 * the decoded size. HDF5 chunks are limited to 4 GiB - 1; a JS engine cannot
 * reliably allocate that much anyway, so 2 GiB is the sane ceiling.
 */
export const MAX_FILTER_OUTPUT = 2 ** 31;

/** True when typed arrays use little-endian element layout on this host. */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A format error raised by the filter `name` while decoding `ctx.where`. */
export function filterError(name: string, ctx: FilterContext, detail: string): H5FormatError {
  return new H5FormatError(`${name} filter`, -1, `${detail} (${ctx.where})`);
}

/** Largest output a filter may produce for this context. */
export function outputLimit(ctx: FilterContext): number {
  return ctx.decodedSize >= 0 ? Math.min(ctx.decodedSize, MAX_FILTER_OUTPUT) : MAX_FILTER_OUTPUT;
}

/**
 * Thrown by an encoder that declines to process a chunk (e.g. LZF output not
 * smaller than its input). For an optional filter the pipeline then stores
 * the chunk without it and sets the filter's bit in the chunk's filter mask,
 * as libhdf5 does when an optional filter's callback returns 0.
 */
export class H5FilterDeclinedError extends H5Error {
  override name = 'H5FilterDeclinedError';
}

/** Client-data value `i`, or `fallback` when the pipeline stored fewer values. */
export function clientValue(ctx: FilterContext, i: number, fallback: number): number {
  return ctx.clientData.length > i ? ctx.clientData[i] >>> 0 : fallback;
}

/** Reverse the byte order of each `size`-byte element of `buf` in place. */
export function swapElements(buf: Uint8Array, size: number): void {
  const n = buf.length - (buf.length % size);
  switch (size) {
    case 1:
      return;
    case 2:
      for (let i = 0; i < n; i += 2) {
        const t = buf[i];
        buf[i] = buf[i + 1];
        buf[i + 1] = t;
      }
      return;
    case 4:
      for (let i = 0; i < n; i += 4) {
        const a = buf[i];
        const b = buf[i + 1];
        buf[i] = buf[i + 3];
        buf[i + 1] = buf[i + 2];
        buf[i + 2] = b;
        buf[i + 3] = a;
      }
      return;
    default:
      for (let i = 0; i < n; i += size) {
        for (let lo = i, hi = i + size - 1; lo < hi; lo++, hi--) {
          const t = buf[lo];
          buf[lo] = buf[hi];
          buf[hi] = t;
        }
      }
  }
}
