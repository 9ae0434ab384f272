/**
 * Every on-demand reader (registry.ts). The full entries provide them at
 * start-up; 'h5kit/read' reaches this module only through a dynamic
 * `import()` (load.ts), so bundlers put it in a chunk of its own.
 */
import { lzfFilter } from '../filters/lzf.js';
import { nbitFilter } from '../filters/nbit.js';
import { scaleoffsetFilter } from '../filters/scaleoffset.js';
import { readCacheImage } from '../format/cache-image.js';
import { btreeV2ChunkRecords } from '../format/chunk-index/btree-v2-chunks.js';
import { ExtensibleArray } from '../format/chunk-index/extensible-array.js';
import { FixedArray } from '../format/chunk-index/fixed-array.js';
import { readVirtualMappings } from '../format/virtual-mapping.js';
import { denseAttributes, denseLinks } from '../model/dense.js';
import { readRegionHeapObject } from '../model/references.js';
import { openSharedMessages } from '../model/shared-messages.js';
import { VirtualLayout } from '../model/virtual.js';
import type { OnDemandModules } from './registry.js';

export const ALL_READERS: OnDemandModules = {
  nbit: nbitFilter,
  scaleoffset: scaleoffsetFilter,
  lzf: lzfFilter,
  virtual: { readVirtualMappings, VirtualLayout },
  sharedMessages: { openSharedMessages },
  cacheImage: { readCacheImage },
  regionReferences: { readRegionHeapObject },
  chunkIndexes: { FixedArray, ExtensibleArray, btreeV2ChunkRecords },
  denseStorage: { denseLinks, denseAttributes },
};
