/**
 * Running a whole filter pipeline over one chunk (spec IV.A.2.l). Filters are
 * applied in pipeline order when writing and in reverse order when reading.
 * Bit i of a chunk's filter mask means filter i was not applied to that
 * chunk (libhdf5 skips an optional filter whose encoder fails).
 */
import { H5FormatError, H5UnsupportedError } from '../errors.js';
import type { FilterContext } from './filter.js';
import { filterName, getFilter } from './registry.js';
import { H5FilterDeclinedError } from './util.js';

/** One pipeline entry; structurally compatible with the pipeline message. */
export interface PipelineEntry {
  readonly id: number;
  /** Bit 0: the filter is optional (H5Z_FLAG_OPTIONAL). */
  readonly flags?: number;
  readonly clientData: ArrayLike<number>;
  /** Name stored in the file, used in messages for unknown filters. */
  readonly name?: string;
}

export interface ChunkInfo {
  /** Size in bytes of one element of the dataset's datatype. */
  readonly elementSize: number;
  /** Size in bytes of the unfiltered chunk, or -1 if unknown. */
  readonly chunkBytes: number;
  /** What is being processed, for error messages. */
  readonly where: string;
}

const FLAG_OPTIONAL = 1;

function describe(entry: PipelineEntry): string {
  const name = filterName(entry.id) ?? (entry.name || 'unknown');
  return `${name} (id ${entry.id})`;
}

/**
 * Undo `pipeline` on a stored chunk. The last filter applied (lowest index
 * not masked) is told the chunk size; intermediate stages get -1 because
 * their output size depends on the filters below them. The result may be
 * `stored` itself (or a view of it) when no filter had to copy.
 */
export function decodeChunk(pipeline: readonly PipelineEntry[], stored: Uint8Array, filterMask: number, chunk: ChunkInfo): Uint8Array {
  return decodeChunks(pipeline, [stored], [filterMask], chunk, [chunk.where])[0];
}

/**
 * Undo `pipeline` on several stored chunks of one dataset, stage by stage so
 * that a filter with `decodeMany` gets all of them at once. `wheres` names
 * each chunk for error messages.
 */
export function decodeChunks(
  pipeline: readonly PipelineEntry[],
  stored: readonly Uint8Array[],
  filterMasks: readonly number[],
  chunk: ChunkInfo,
  wheres: readonly string[],
): Uint8Array[] {
  const data = stored.slice();
  // The last filter applied to each chunk (lowest index not masked) is told the chunk size.
  const last = filterMasks.map((mask) => {
    for (let i = 0; i < pipeline.length; i++) if (!(mask & (1 << i))) return i;
    return -1;
  });
  for (let i = pipeline.length - 1; i >= 0; i--) {
    const todo: number[] = [];
    for (let k = 0; k < data.length; k++) if (!(filterMasks[k] & (1 << i))) todo.push(k);
    if (!todo.length) continue;
    const entry = pipeline[i];
    const filter = getFilter(entry.id);
    if (!filter) throw new H5UnsupportedError(`filter ${describe(entry)} is not available to decode ${wheres[todo[0]]}`);
    const ctxs = todo.map(
      (k): FilterContext => ({ elementSize: chunk.elementSize, clientData: entry.clientData, where: wheres[k], decodedSize: i === last[k] ? chunk.chunkBytes : -1 }),
    );
    if (filter.decodeMany && todo.length > 1) {
      const outs = filter.decodeMany(todo.map((k) => data[k]), ctxs);
      todo.forEach((k, j) => (data[k] = outs[j]));
    } else todo.forEach((k, j) => (data[k] = filter.decode(data[k], ctxs[j])));
  }
  data.forEach((d, k) => {
    if (chunk.chunkBytes >= 0 && d.length !== chunk.chunkBytes) {
      throw new H5FormatError('filtered chunk', -1, `decodes to ${d.length} bytes instead of ${chunk.chunkBytes} (${wheres[k]})`);
    }
  });
  return data;
}

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
  for (let i = 0; i < pipeline.length; i++) {
    const entry = pipeline[i];
    const optional = ((entry.flags ?? 0) & FLAG_OPTIONAL) !== 0;
    const filter = getFilter(entry.id);
    if (!filter?.encode) {
      if (optional) {
        for (const o of out) o.filterMask |= 1 << i;
        continue;
      }
      throw new H5UnsupportedError(`filter ${describe(entry)} cannot encode ${chunk.where}`);
    }
    const ctxs = out.map((o): FilterContext => ({ elementSize: chunk.elementSize, clientData: entry.clientData, where: chunk.where, decodedSize: o.data.length }));
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
  return out;
}
