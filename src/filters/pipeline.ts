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
export function decodeChunk(
  pipeline: readonly PipelineEntry[],
  stored: Uint8Array,
  filterMask: number,
  chunk: ChunkInfo,
): Uint8Array {
  let last = -1;
  for (let i = 0; i < pipeline.length; i++) {
    if (!(filterMask & (1 << i))) {
      last = i;
      break;
    }
  }
  let data = stored;
  for (let i = pipeline.length - 1; i >= 0; i--) {
    if (filterMask & (1 << i)) continue;
    const entry = pipeline[i];
    const filter = getFilter(entry.id);
    if (!filter) {
      throw new H5UnsupportedError(`filter ${describe(entry)} is not available to decode ${chunk.where}`);
    }
    const ctx: FilterContext = {
      elementSize: chunk.elementSize,
      clientData: entry.clientData,
      where: chunk.where,
      decodedSize: i === last ? chunk.chunkBytes : -1,
    };
    data = filter.decode(data, ctx);
  }
  if (chunk.chunkBytes >= 0 && data.length !== chunk.chunkBytes) {
    throw new H5FormatError(
      'filtered chunk',
      -1,
      `decodes to ${data.length} bytes instead of ${chunk.chunkBytes} (${chunk.where})`,
    );
  }
  return data;
}

/**
 * Apply `pipeline` to a chunk for storage. An optional filter that has no
 * encoder or declines the chunk is skipped and recorded in the returned
 * filter mask; a mandatory one makes the call throw.
 */
export function encodeChunk(
  pipeline: readonly PipelineEntry[],
  data: Uint8Array,
  chunk: ChunkInfo,
): { data: Uint8Array; filterMask: number } {
  let filterMask = 0;
  let out = data;
  for (let i = 0; i < pipeline.length; i++) {
    const entry = pipeline[i];
    const optional = ((entry.flags ?? 0) & FLAG_OPTIONAL) !== 0;
    const filter = getFilter(entry.id);
    if (!filter?.encode) {
      if (optional) {
        filterMask |= 1 << i;
        continue;
      }
      throw new H5UnsupportedError(`filter ${describe(entry)} cannot encode ${chunk.where}`);
    }
    const ctx: FilterContext = {
      elementSize: chunk.elementSize,
      clientData: entry.clientData,
      where: chunk.where,
      decodedSize: out.length,
    };
    try {
      out = filter.encode(out, ctx);
    } catch (err) {
      if (optional && err instanceof H5FilterDeclinedError) {
        filterMask |= 1 << i;
        continue;
      }
      throw err;
    }
  }
  return { data: out, filterMask };
}
