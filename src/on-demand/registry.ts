/**
 * Readers of rare structures, loaded on demand in 'h5kit/read'.
 *
 * The full entries ('h5kit', 'h5kit/node') provide every module up front
 * (all.ts). The read-only entry leaves them out of its bundle: openAsync()
 * loads what a file turns out to need (load.ts, dynamic `import()`), and a
 * synchronous open() that meets one before it was loaded stops with
 * H5NotLoadedError, which names the module and how to load it. The readers
 * here look a module up with `need()` at the point where the structure is
 * met, so nothing else changes for files that do not use them.
 */
import { H5NotLoadedError, type OnDemandModule } from '../errors.js';
import type { Filter } from '../filters/filter.js';
import type { readCacheImage } from '../format/cache-image.js';
import type { btreeV2ChunkRecords } from '../format/chunk-index/btree-v2-chunks.js';
import type { ExtensibleArray } from '../format/chunk-index/extensible-array.js';
import type { FixedArray } from '../format/chunk-index/fixed-array.js';
import type { readVirtualMappings } from '../format/virtual-mapping.js';
import type { denseAttributes, denseLinks } from '../model/dense.js';
import type { readRegionHeapObject } from '../model/references.js';
import type { openSharedMessages } from '../model/shared-messages.js';
import type { VirtualLayout } from '../model/virtual.js';

/** What each on-demand module provides. */
export interface OnDemandModules {
  /** N-bit filter (spec IV.A.2.l, filter 5). */
  nbit: Filter;
  /** Scale-offset filter (filter 6). */
  scaleoffset: Filter;
  /** LZF filter (filter 32000, h5py's). */
  lzf: Filter;
  /** Virtual dataset layout (layout class 3). */
  virtual: { readVirtualMappings: typeof readVirtualMappings; VirtualLayout: typeof VirtualLayout };
  /** Shared object header messages (spec III.H). */
  sharedMessages: { openSharedMessages: typeof openSharedMessages };
  /** Metadata cache image (superblock extension message 0x0018). */
  cacheImage: { readCacheImage: typeof readCacheImage };
  /** Dataset region references (spec VII "Dataset Region References"). */
  regionReferences: { readRegionHeapObject: typeof readRegionHeapObject };
  /** The chunk indexes of layout message version 4 that need a structure of their own: fixed array, extensible array, v2 B-tree. */
  chunkIndexes: { FixedArray: typeof FixedArray; ExtensibleArray: typeof ExtensibleArray; btreeV2ChunkRecords: typeof btreeV2ChunkRecords };
  /** Dense link and attribute storage: fractal heap (spec III.G) indexed by a v2 B-tree (III.A.2). */
  denseStorage: { denseLinks: typeof denseLinks; denseAttributes: typeof denseAttributes };
}

const provided: Partial<OnDemandModules> = {};
let generation = 0;

/** Make modules available to the readers (the full entries and openAsync call this). */
export function provideModules(modules: Partial<OnDemandModules>): void {
  Object.assign(provided, modules);
  generation++;
}

/** Changes whenever modules are provided (the filter registry adopts new decoders then). */
export function modulesGeneration(): number {
  return generation;
}

/** Module `name` if it was provided. */
export function providedModule<K extends OnDemandModule>(name: K): OnDemandModules[K] | undefined {
  return provided[name];
}

/** Module `name`; H5NotLoadedError naming `what` (the structure met) when it was not provided. */
export function need<K extends OnDemandModule>(name: K, what: string): OnDemandModules[K] {
  const m = provided[name];
  if (m === undefined) throw new H5NotLoadedError(name, what);
  return m;
}
