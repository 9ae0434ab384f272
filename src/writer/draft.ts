import type { Dataspace } from '../format/messages/dataspace.js';
import type { Datatype } from '../format/messages/datatype.js';
import type { FilterDescription } from '../format/messages/filter-pipeline.js';
import type { Hyperslab } from '../model/selection.js';

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

/**
 * An attribute of a copied object header kept as it was: its message body
 * (and message flags) copied byte for byte, never decoded and re-encoded
 * (spec-notes/editing.md, "Principle" 1).
 */
export interface PreservedAttribute {
  readonly name: string;
  readonly creationOrder: number;
  readonly message: Uint8Array;
  readonly flags: number;
}

export type DraftLink =
  | { readonly kind: 'hard'; readonly target: DraftTarget; readonly creationOrder: number }
  | { readonly kind: 'soft'; readonly path: string; readonly creationOrder: number }
  | { readonly kind: 'external'; readonly file: string; readonly path: string; readonly creationOrder: number }
  /** Kept from a copied new-style group (spec IV.A.2.g, link types 64-255). */
  | { readonly kind: 'user-defined'; readonly linkType: number; readonly data: Uint8Array; readonly creationOrder: number };

/**
 * An object of a file being edited that the edit does not rewrite: only its
 * address is known, and links to it are written with that address; it is
 * never serialised (spec-notes/editing.md: objects off the changed paths
 * keep their address and bytes).
 */
export interface DraftExisting {
  readonly kind: 'existing';
  readonly address: number;
}

/** What a hard link points to. */
export type DraftTarget = DraftObject | DraftExisting;

/** One message of a copied object header, as read. */
export interface RawMessage {
  readonly type: number;
  readonly flags: number;
  readonly data: Uint8Array;
  readonly creationOrder?: number;
}

/**
 * What an object header copied by an edit keeps (spec-notes/editing.md,
 * "Principle" 1): its version and v2 prefix fields, and every message byte
 * for byte. The serializer replaces only the messages it rebuilds (link
 * storage, attributes, reference count) and drops continuation and NIL
 * messages, since the copy is written as one chunk.
 */
export interface PreservedHeader {
  readonly version: 1 | 2;
  /** v2 header flags (spec IV.A.1.b): creation order tracked (bit 2) and indexed (bit 3). */
  readonly flags: number;
  /** v2 stored times (flag bit 5), kept as they were. */
  readonly times?: { access: number; modification: number; change: number; birth: number };
  /** v2 attribute phase change values (flag bit 4). */
  readonly attributePhase?: { maxCompact: number; minDense: number };
  /** Every message in header order, rebuilt kinds included (their positions place the rebuilt ones). */
  readonly messages: readonly RawMessage[];
  /** A group's link storage before the edit; new-style groups carry their group info thresholds. */
  readonly links?: { readonly storage: 'symbol-table' } | { readonly storage: 'compact' | 'dense'; readonly maxCompact: number; readonly minDense: number; readonly indexed: boolean };
  /** Attribute storage before the edit: dense (fractal heap) or compact; whether an attribute info message exists. */
  readonly attrs: { readonly dense: boolean; readonly info: boolean; readonly indexed: boolean };
  /**
   * What the edit changed, hence what the serializer rebuilds: a group's
   * link storage (its draft `links` then hold every link), the attributes
   * (`attrs` then hold every attribute), a dataset's data (the layout
   * message and chunk index, from the draft's storage fields) and extent
   * (the dataspace message). Unchanged ones keep their messages, and the
   * structures those point to (local heap, B-trees, fractal heaps, chunk
   * indexes) stay where they are.
   */
  readonly changed: { links: boolean; attrs: boolean; data: boolean; space: boolean };
}

interface DraftBase {
  readonly attrs: Map<string, DraftAttribute | PreservedAttribute>;
  attrOrder: number;
  trackAttrOrder: boolean;
  /** Set by the serializer: the object header address. */
  address?: number;
  /** Number of hard links to the object (its header's reference count). */
  linkCount: number;
  /** Set for an object header copied from the file being edited. */
  readonly preserved?: PreservedHeader;
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
  /**
   * Chunks whose storage belongs to the committed file of an edit: a write
   * never rewrites them in place, it appends a new copy (spec-notes/editing.md,
   * "Dataset writes").
   */
  readonly committedChunks?: Set<string>;
  /**
   * Writes whose values hold object or region references, kept as given
   * until the file's metadata is placed: a reference stores the target's
   * object header address, known only then (spec-notes/references.md,
   * "Writing"). Replayed in order at close, a shrinking resize included.
   */
  pending?: PendingWrite[];
  /** A fill value holding references (MATLAB fills cell arrays with one to an empty array): `fill` holds placeholders until bind. */
  pendingFill?: unknown;
}

/** A deferred write of reference-typed values (`DraftDataset.pending`), or a resize's chunk pruning between two of them. */
export type PendingWrite = { readonly slab: Hyperslab; readonly values: ArrayLike<unknown> } | { readonly prune: readonly number[] };

export interface DraftNamedType extends DraftBase {
  readonly kind: 'datatype';
  readonly type: Datatype;
}

/**
 * A dataset or committed datatype copied by an edit (only its attributes or
 * reference count change): every message but those comes from `preserved`.
 */
export interface DraftCopy extends DraftBase {
  readonly kind: 'copy';
  readonly objectKind: 'dataset' | 'datatype';
  readonly preserved: PreservedHeader;
}

export type DraftObject = DraftGroup | DraftDataset | DraftNamedType | DraftCopy;

export function newGroup(trackOrder = false): DraftGroup {
  return { kind: 'group', links: new Map(), linkOrder: 0, trackOrder, attrs: new Map(), attrOrder: 0, trackAttrOrder: trackOrder, linkCount: 0 };
}
