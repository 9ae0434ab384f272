/**
 * Running a whole filter pipeline backwards over stored chunks, for reading
 * (spec IV.A.2.l); pipeline-encode.ts runs it forwards, for writing.
 * Bit i of a chunk's filter mask means filter i was not applied to that
 * chunk (libhdf5 skips an optional filter whose encoder fails).
 */
import { H5FormatError, H5UnsupportedError } from '../errors.js';
import type { Filter, FilterContext } from './filter.js';
import { filterName, getFilter, onDemandFilterModule } from './registry.js';
import { need } from '../on-demand/registry.js';

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

export function describe(entry: PipelineEntry): string {
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
 * The buffer `filter` offers for a batch of `bytes` input bytes
 * (Filter.inputBuffer), cut to that size, or undefined.
 */
export function offeredInputBuffer(filter: Filter | undefined, bytes: number): Uint8Array | undefined {
  const b = filter?.inputBuffer?.(bytes);
  return b && b.length >= bytes ? b.subarray(0, bytes) : undefined;
}

/**
 * Where a batch of `bytes` stored bytes for `pipeline` should be read, when
 * one of its filters asks for its inputs in a buffer of its own
 * (Filter.inputBuffer; the first asking in decoding order wins), else
 * undefined. Filters that run before it pass views through (Fletcher-32).
 */
export function batchInputBuffer(pipeline: readonly PipelineEntry[], bytes: number): Uint8Array | undefined {
  for (let i = pipeline.length - 1; i >= 0; i--) {
    const filter = getFilter(pipeline[i].id);
    if (filter?.inputBuffer) return offeredInputBuffer(filter, bytes);
  }
  return undefined;
}

/**
 * Undo `pipeline` on several stored chunks of one dataset, stage by stage so
 * that a filter with `decodeMany` gets all of them at once; such a filter
 * hands each chunk on to the remaining stages as soon as it is ready (on
 * the calling thread, while its other chunks are still being decoded).
 * `wheres` names each chunk for error messages; `into`, when given, offers
 * each chunk's final destination to its last filter (FilterContext.into).
 */
export function decodeChunks(
  pipeline: readonly PipelineEntry[],
  stored: readonly Uint8Array[],
  filterMasks: readonly number[],
  chunk: ChunkInfo,
  wheres: readonly string[],
  into?: readonly (Uint8Array | undefined)[],
): Uint8Array[] {
  const data = stored.slice();
  // The last filter applied to each chunk (lowest index not masked) is told the chunk size.
  const last = filterMasks.map((mask) => {
    for (let i = 0; i < pipeline.length; i++) if (!(mask & (1 << i))) return i;
    return -1;
  });
  const applies = (i: number, k: number) => !(filterMasks[k] & (1 << i));
  const contextOf = (i: number, k: number): FilterContext =>
    i === last[k]
      ? { elementSize: chunk.elementSize, clientData: pipeline[i].clientData, where: wheres[k], decodedSize: chunk.chunkBytes, into: into?.[k] }
      : { elementSize: chunk.elementSize, clientData: pipeline[i].clientData, where: wheres[k], decodedSize: -1, sizeHint: chunk.chunkBytes };
  const filterOf = (i: number, k: number) => {
    const filter = getFilter(pipeline[i].id);
    if (!filter) {
      const module = onDemandFilterModule(pipeline[i].id);
      if (module) need(module, `filter ${describe(pipeline[i])} of ${wheres[k]}`);
      throw new H5UnsupportedError(`filter ${describe(pipeline[i])} is not available to decode ${wheres[k]}`);
    }
    return filter;
  };
  // Chunks whose stages below the current one already ran (handed on by a decodeMany filter).
  const finished = new Uint8Array(data.length);
  const rest = (k: number, bytes: Uint8Array, below: number): Uint8Array => {
    finished[k] = 1;
    for (let i = below - 1; i >= 0; i--) if (applies(i, k)) bytes = filterOf(i, k).decode(bytes, contextOf(i, k));
    return bytes;
  };
  for (let i = pipeline.length - 1; i >= 0; i--) {
    const todo: number[] = [];
    for (let k = 0; k < data.length; k++) if (!finished[k] && applies(i, k)) todo.push(k);
    if (!todo.length) continue;
    const filter = filterOf(i, todo[0]);
    const ctxs = todo.map((k) => contextOf(i, k));
    if (filter.decodeMany && todo.length > 1) {
      const outs = filter.decodeMany(
        todo.map((k) => data[k]),
        ctxs,
        (j, bytes) => rest(todo[j], bytes, i),
      );
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
