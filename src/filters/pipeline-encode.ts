/**
 * Running a filter pipeline forwards over chunks for storage (spec
 * IV.A.2.l): filters in pipeline order, each chunk's filter mask recording
 * the optional filters that were skipped.
 */
import { H5UnsupportedError } from '../errors.js';
import { encoderFor } from './encoders.js';
import type { FilterContext } from './filter.js';
import { describe, offeredInputBuffer, type ChunkInfo, type PipelineEntry } from './pipeline.js';
import { H5FilterDeclinedError } from './util.js';

/** Bit 0 of a pipeline entry's flags: the filter is optional (H5Z_FLAG_OPTIONAL). */
const FLAG_OPTIONAL = 1;

/**
 * Apply `pipeline` to a chunk for storage. An optional filter that has no
 * encoder or declines the chunk is skipped and recorded in the returned
 * filter mask; a mandatory one makes the call throw.
 */
export function encodeChunk(pipeline: readonly PipelineEntry[], data: Uint8Array, chunk: ChunkInfo): { data: Uint8Array; filterMask: number } {
  return encodeChunks(pipeline, [data], chunk)[0];
}

/** Apply `pipeline` to several chunks of one dataset, stage by stage (a filter with `encodeMany` gets them all at once). */
export function encodeChunks(pipeline: readonly PipelineEntry[], chunks: readonly Uint8Array[], chunk: ChunkInfo): { data: Uint8Array; filterMask: number }[] {
  const out = chunks.map((data) => ({ data, filterMask: 0 }));
  let staged: Uint8Array | undefined;
  for (let i = 0; i < pipeline.length; i++) {
    const entry = pipeline[i];
    const optional = ((entry.flags ?? 0) & FLAG_OPTIONAL) !== 0;
    const filter = encoderFor(entry.id);
    if (!filter?.encode) {
      if (optional) {
        for (const o of out) o.filterMask |= 1 << i;
        continue;
      }
      throw new H5UnsupportedError(`filter ${describe(entry)} cannot encode ${chunk.where}`);
    }
    // When the next stage takes a batch in a buffer of its own (Filter.inputBuffer: shared memory for
    // h5kit/node's deflate), this stage is offered a place there for each output of its input's size
    // (shuffle writes there), so the next stage gets its inputs uncopied.
    const next = out.length > 1 && i + 1 < pipeline.length ? encoderFor(pipeline[i + 1].id) : undefined;
    let place = next?.encodeMany ? offeredInputBuffer(next, out.reduce((n, o) => n + o.data.length, 0)) : undefined;
    // Never write a stage's outputs over its own inputs.
    if (place && out.some((o) => o.data.buffer === place!.buffer)) place = undefined;
    if (place) staged = place;
    let at = 0;
    const ctxs = out.map((o): FilterContext => {
      const into = place?.subarray(at, (at += o.data.length));
      return { elementSize: chunk.elementSize, clientData: entry.clientData, where: chunk.where, decodedSize: o.data.length, into };
    });
    if (filter.encodeMany && out.length > 1) {
      // A batch is all or nothing: a declined chunk makes the whole batch fall back to one by one.
      try {
        const res = filter.encodeMany(out.map((o) => o.data), ctxs);
        out.forEach((o, k) => (o.data = res[k]));
        continue;
      } catch (err) {
        if (!(err instanceof H5FilterDeclinedError)) throw err;
      }
    }
    out.forEach((o, k) => {
      try {
        o.data = filter.encode!(o.data, ctxs[k]);
      } catch (err) {
        if (optional && err instanceof H5FilterDeclinedError) o.filterMask |= 1 << i;
        else throw err;
      }
    });
  }
  // An output still in the next stage's buffer (that stage skipped) must not outlive the batch.
  if (staged) for (const o of out) if (o.data.buffer === staged.buffer) o.data = o.data.slice();
  return out;
}
