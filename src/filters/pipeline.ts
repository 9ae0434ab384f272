/**
 * Running a whole filter pipeline backwards over stored chunks, for reading
 * (spec IV.A.2.l); pipeline-encode.ts runs it forwards, for writing.
 * Bit i of a chunk's filter mask means filter i was not applied to that
 * chunk (libhdf5 skips an optional filter whose encoder fails).
 */
import { H5FormatError, H5UnsupportedError } from '../errors.js';
import type { FilterContext } from './filter.js';
import { filterName, getFilter } from './registry.js';

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
 * Undo `pipeline` on several stored chunks of one dataset, stage by stage so
 * that a filter with `decodeMany` gets all of them at once. `wheres` names
 * each chunk for error messages; `into`, when given, offers each chunk's
 * final destination to its last filter (FilterContext.into).
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
  for (let i = pipeline.length - 1; i >= 0; i--) {
    const todo: number[] = [];
    for (let k = 0; k < data.length; k++) if (!(filterMasks[k] & (1 << i))) todo.push(k);
    if (!todo.length) continue;
    const entry = pipeline[i];
    const filter = getFilter(entry.id);
    if (!filter) throw new H5UnsupportedError(`filter ${describe(entry)} is not available to decode ${wheres[todo[0]]}`);
    const ctxs = todo.map(
      (k): FilterContext =>
        i === last[k]
          ? { elementSize: chunk.elementSize, clientData: entry.clientData, where: wheres[k], decodedSize: chunk.chunkBytes, into: into?.[k] }
          : { elementSize: chunk.elementSize, clientData: entry.clientData, where: wheres[k], decodedSize: -1 },
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
