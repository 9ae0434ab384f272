/**
 * Filter registry: maps filter ids (spec IV.A.2.l, "Filter Identification
 * Value") to codecs. The built-in codecs are added on first use; filters
 * registered by the user take precedence over them.
 */
import { deflateFilter } from './deflate.js';
import type { Filter } from './filter.js';
import { fletcher32Filter } from './fletcher32.js';
import { shuffleFilter } from './shuffle.js';
import { H5ValueError } from '../errors.js';
import { modulesGeneration, providedModule } from '../on-demand/registry.js';

/**
 * Names of filter ids: those predefined by libhdf5 (0-255) and those
 * registered with The HDF Group (hdf5_plugins docs/RegisteredFilterPlugins.md),
 * whether or not h5kit can decode them.
 */
const KNOWN_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'deflate'],
  [2, 'shuffle'],
  [3, 'fletcher32'],
  [4, 'szip'],
  [5, 'nbit'],
  [6, 'scaleoffset'],
  [257, 'hzip'],
  [258, 'fpzip'],
  [305, 'lzo'],
  [307, 'bzip2'],
  [32000, 'lzf'],
  [32001, 'blosc'],
  [32002, 'mafisc'],
  [32003, 'snappy'],
  [32004, 'lz4'],
  [32005, 'apax'],
  [32006, 'cbf'],
  [32007, 'jpeg-xr'],
  [32008, 'bitshuffle'],
  [32009, 'spdp'],
  [32010, 'lpc-rice'],
  [32011, 'ccsds-123'],
  [32012, 'jpeg-ls'],
  [32013, 'zfp'],
  [32014, 'fpzip'],
  [32015, 'zstd'],
  [32016, 'b3d'],
  [32017, 'sz'],
  [32018, 'fcidecomp'],
  [32019, 'jpeg'],
  [32020, 'vbz'],
  [32021, 'fapec'],
  [32022, 'bitgroom'],
  [32023, 'granularbr'],
  [32024, 'sz3'],
  [32025, 'delta-rice'],
  [32026, 'blosc2'],
  [32027, 'flac'],
  [32028, 'sperr'],
  [32029, 'terse-prolix'],
  [32030, 'ffmpeg'],
]);

const filters = new Map<number, Filter>();
let builtinsAdded = -1;

/** Built-in decoders that 'h5kit/read' loads on demand (src/on-demand/). */
const ON_DEMAND = new Map([
  [5, 'nbit'],
  [6, 'scaleoffset'],
  [32000, 'lzf'],
] as const);

/** The on-demand module that decodes filter `id`, if it is one of them. */
export function onDemandFilterModule(id: number) {
  return ON_DEMAND.get(id as 5);
}

/**
 * Built-in decoders (encoders are paired with them by encoders.ts, for
 * writing): those always present and the on-demand ones provided so far.
 */
function builtins(): Filter[] {
  const out = [deflateFilter, shuffleFilter, fletcher32Filter];
  for (const name of ON_DEMAND.values()) {
    const f = providedModule(name);
    if (f) out.push(f);
  }
  return out;
}

/** @internal The built-in decoder of filter `id`, if any. */
export function builtinDecoder(id: number): Filter | undefined {
  return builtins().find((f) => f.id === id);
}

function ensureBuiltins(): void {
  // Again when on-demand decoders were provided since.
  const generation = modulesGeneration();
  if (generation === builtinsAdded) return;
  builtinsAdded = generation;
  for (const filter of builtins()) if (!filters.has(filter.id)) filters.set(filter.id, filter);
}

function checkId(id: number): void {
  // The pipeline message stores ids as 16-bit values.
  if (!Number.isInteger(id) || id < 0 || id > 0xffff) throw new H5ValueError(`invalid filter id ${id}`);
}

/** Register `filter` under `filter.id`, replacing any filter (built-in or not) with that id. */
export function registerFilter(filter: Filter): void {
  checkId(filter.id);
  ensureBuiltins();
  filters.set(filter.id, filter);
}

/**
 * Remove the filter registered for `id`. A built-in codec for that id comes
 * back. Returns whether a user filter was removed.
 */
export function unregisterFilter(id: number): boolean {
  ensureBuiltins();
  const current = filters.get(id);
  const builtin = builtinDecoder(id);
  if (current === undefined || current === builtin) return false;
  if (builtin) filters.set(id, builtin);
  else filters.delete(id);
  return true;
}

/** The codec for filter `id`, or undefined when h5kit has none. */
export function getFilter(id: number): Filter | undefined {
  ensureBuiltins();
  return filters.get(id);
}

/** Ids of all filters that can currently be decoded, ascending. */
export function registeredFilterIds(): number[] {
  ensureBuiltins();
  return [...filters.keys()].sort((a, b) => a - b);
}

/**
 * Conventional name of filter `id`: the registered codec's name, else the
 * name libhdf5 or The HDF Group's registry gives it; undefined if unknown.
 */
export function filterName(id: number): string | undefined {
  return filters.get(id)?.name ?? KNOWN_NAMES.get(id);
}
