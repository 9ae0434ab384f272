/**
 * Running a filter pipeline forwards over chunks for storage (spec
 * IV.A.2.l): filters in pipeline order, each chunk's filter mask recording
 * the optional filters that were skipped.
 */
import { H5UnsupportedError } from '../errors.js';
import { encoderFor } from './encoders.js';
import type { Filter, FilterContext } from './filter.js';
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
    const ctxs = out.map((o) => contextOf(entry, chunk, o.data.length, place?.subarray(at, (at += o.data.length))));
    if (place && !filter.encodeMany && fused(filter, optional, i, pipeline[i + 1], next!, out, ctxs, chunk)) {
      i++; // stage i + 1 ran too
      continue;
    }
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

/** The context of one chunk's encoding stage: `size` bytes in, `into` where the next stage would like the output. */
function contextOf(entry: PipelineEntry, chunk: ChunkInfo, size: number, into?: Uint8Array): FilterContext {
  return { elementSize: chunk.elementSize, clientData: entry.clientData, where: chunk.where, decodedSize: size, into };
}

/** A fused stage's result did not keep its input's size, so it cannot be where the next stage reads it. */
class SizeChanged extends Error {}

/**
 * Stages i and i + 1 together: stage i (per chunk, e.g. shuffle) writes each
 * chunk into the next stage's buffer while the next stage (a batch filter,
 * e.g. h5kit/node's deflate) already encodes the chunks produced so far
 * (Filter.encodeMany's `produce`): on worker threads the compression starts
 * with the first chunk instead of after the last. Only a stage that keeps
 * the size fits (its output goes where its input's share of the buffer is);
 * when one does not, or the next stage declines the batch, this returns
 * false having changed nothing, and the caller runs the stages one by one.
 */
function fused(
  filter: Filter,
  optional: boolean,
  i: number,
  nextEntry: PipelineEntry,
  next: Filter,
  out: { data: Uint8Array; filterMask: number }[],
  ctxs: readonly FilterContext[],
  chunk: ChunkInfo,
): boolean {
  const views = ctxs.map((c) => c.into!);
  const declined = new Uint8Array(out.length);
  let produced = 0;
  const produce = (k: number) => {
    produced++;
    let r: Uint8Array;
    try {
      r = filter.encode!(out[k].data, ctxs[k]);
    } catch (err) {
      if (!(optional && err instanceof H5FilterDeclinedError)) throw err;
      declined[k] = 1;
      r = out[k].data;
    }
    if (r === views[k]) return;
    if (r.length !== views[k].length) throw new SizeChanged();
    views[k].set(r);
  };
  const nextCtxs = views.map((v) => contextOf(nextEntry, chunk, v.length));
  let res: Uint8Array[];
  try {
    res = next.encodeMany!(views, nextCtxs, produce);
  } catch (err) {
    if (err instanceof SizeChanged || err instanceof H5FilterDeclinedError) return false;
    throw err;
  }
  // A batch filter that did not call `produce` for every input (one written before it existed)
  // encoded unfilled bytes: drop its results and run the stages one by one.
  if (produced !== out.length) return false;
  out.forEach((o, k) => {
    if (declined[k]) o.filterMask |= 1 << i;
    o.data = res[k];
  });
  return true;
}
