/**
 * Deflate filter encoder (id 1): a zlib stream as libhdf5's compress2()
 * writes it, at the level in client data value 0. Kept apart from the
 * decoder (deflate.ts) because it is what loads pako: code that only reads
 * never imports it.
 */
import { deflate as pakoDeflate } from 'pako';
import { H5ValueError } from '../errors.js';
import { DEFAULT_DEFLATE_LEVEL } from './deflate.js';
import type { FilterContext } from './filter.js';
import { clientValue } from './util.js';

export function deflateChunk(input: Uint8Array, ctx: FilterContext): Uint8Array {
  const level = clientValue(ctx, 0, DEFAULT_DEFLATE_LEVEL);
  // libhdf5 rejects levels above 9 ("invalid deflate aggression level").
  if (level > 9) throw new H5ValueError(`deflate level ${level} is not in 0..9 (${ctx.where})`);
  return pakoDeflate(input, { level });
}
