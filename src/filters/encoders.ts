/**
 * Encoders of the built-in filters, for writing. The registry (registry.ts)
 * holds decoders only, so code that just reads pulls in no encoder (and no
 * pako); writers ask `encoderFor`, which prefers a registered filter that can
 * encode (a user codec, or h5kit/node's native deflate) and otherwise pairs
 * the built-in decoder with its encoder here. Deflate's is provided by the
 * entry point (provideEncoder), so that pako is loaded only where it is used.
 */
import type { Filter, FilterContext } from './filter.js';
import { appendFletcher32 } from './fletcher32.js';
import { lzfEncode } from './lzf.js';
import { nbitEncode } from './nbit.js';
import { builtinDecoder, getFilter } from './registry.js';
import { scaleoffsetEncode } from './scaleoffset-encode.js';
import { shuffleChunk } from './shuffle.js';

type Encode = (input: Uint8Array, ctx: FilterContext) => Uint8Array;

const ENCODERS = new Map<number, Encode>([
  [2, shuffleChunk],
  [3, (input) => appendFletcher32(input)],
  [5, nbitEncode],
  [6, scaleoffsetEncode],
  [32000, lzfEncode],
]);

const paired = new Map<number, Filter>();

/**
 * Set the built-in encoder of filter `id`. The deflate encoder (id 1) comes
 * from the entry point: pako in 'h5kit' (index.ts), node:zlib in
 * 'h5kit/node', which registers a whole filter instead.
 */
export function provideEncoder(id: number, encode: Encode): void {
  ENCODERS.set(id, encode);
  paired.delete(id);
}

/** The codec that writes filter `id`, or undefined when nothing can encode it. */
export function encoderFor(id: number): Filter | undefined {
  const registered = getFilter(id);
  if (registered?.encode) return registered;
  const encode = ENCODERS.get(id);
  // A user filter without an encoder replaces the built-in one for writing too.
  if (!encode || !registered || registered !== builtinDecoder(id)) return undefined;
  let filter = paired.get(id);
  if (!filter) paired.set(id, (filter = { ...registered, encode }));
  return filter;
}
