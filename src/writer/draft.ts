import type { Dataspace } from '../format/messages/dataspace.js';
import type { Datatype } from '../format/messages/datatype.js';
import type { FilterDescription } from '../format/messages/filter-pipeline.js';

/**
 * The in-memory description of a file being written. Raw data is streamed to
 * the sink as it is written; everything here is metadata, serialised when the
 * file is closed (see serialize-*.ts).
 */
export interface DraftAttribute {
  readonly name: string;
  readonly type: Datatype;
  readonly space: Dataspace;
  /** The value as h5kit's readers return it (typed array, array, scalar). */
  readonly value: unknown;
  readonly creationOrder: number;
}

export type DraftLink =
  | { readonly kind: 'hard'; readonly target: DraftObject; readonly creationOrder: number }
  | { readonly kind: 'soft'; readonly path: string; readonly creationOrder: number }
  | { readonly kind: 'external'; readonly file: string; readonly path: string; readonly creationOrder: number };

interface DraftBase {
  readonly attrs: Map<string, DraftAttribute>;
  attrOrder: number;
  trackAttrOrder: boolean;
  /** Set by the serializer: the object header address. */
  address?: number;
  /** Number of hard links to the object (its header's reference count). */
  linkCount: number;
}

export interface DraftGroup extends DraftBase {
  readonly kind: 'group';
  readonly links: Map<string, DraftLink>;
  linkOrder: number;
  trackOrder: boolean;
}

export interface ChunkEntry {
  address: number;
  size: number;
  filterMask: number;
}

export interface DraftDataset extends DraftBase {
  readonly kind: 'dataset';
  readonly type: Datatype;
  /** Committed datatype this dataset shares, if any. */
  readonly committed?: DraftNamedType;
  space: Dataspace;
  readonly layout: 'compact' | 'contiguous' | 'chunked';
  readonly chunks?: number[];
  readonly filters: FilterDescription[];
  /** Fill value bytes in the file type; undefined = default (zeros). */
  readonly fill?: Uint8Array;
  readonly fillDefined: boolean;
  /** Compact data, or contiguous data not yet placed. */
  compact?: Uint8Array;
  contiguousAddress?: number;
  /** Chunk records keyed by the chunk's scaled coordinates joined with ','. */
  readonly chunkIndex: Map<string, ChunkEntry>;
}

export interface DraftNamedType extends DraftBase {
  readonly kind: 'datatype';
  readonly type: Datatype;
}

export type DraftObject = DraftGroup | DraftDataset | DraftNamedType;

export function newGroup(trackOrder = false): DraftGroup {
  return { kind: 'group', links: new Map(), linkOrder: 0, trackOrder, attrs: new Map(), attrOrder: 0, trackAttrOrder: trackOrder, linkCount: 0 };
}
