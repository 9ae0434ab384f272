import type { FieldSizes } from '../format/byte-reader.js';
import { UNDEFINED_ADDRESS } from '../format/byte-reader.js';
import { ByteWriter, encodeUtf8 } from '../format/byte-writer.js';
import { lookup3 } from '../format/checksum.js';
import type { ChunkIndex } from '../format/messages/data-layout.js';
import { encodeAttributeInfo, encodeGroupInfo, encodeLinkInfo, type DenseStorageInfo } from '../format/messages/info.js';
import { encodeLinkMessage, type LinkMessage } from '../format/messages/link.js';
import { MessageFlag, MessageType, type OutgoingMessage } from '../format/object-header.js';
import { H5UnsupportedError } from '../errors.js';
import type { Allocator } from './allocator.js';
import { writeBTreeV2 } from './btree-v2-writer.js';
import type { DraftDataset, DraftGroup, DraftLink, DraftNamedType, DraftObject } from './draft.js';
import { DENSE_ATTRIBUTE_HEAP, DENSE_LINK_HEAP, FractalHeapWriter } from './fractal-heap-writer.js';
import { committedTypeMessage, datasetMessages, type EncodedAttribute } from './serialize-classic.js';

/**
 * The pieces of the format libhdf5 writes with `libver='latest'` (HDF5 1.10
 * bounds), driven by serialize.ts: object header 2 ("OHDR", checksummed,
 * without stored times so that the same input gives the same bytes),
 * new-style groups (link info + group info + link messages,
 * or a fractal heap with v2 B-tree indexes once dense), attribute info with
 * compact or dense attributes, and the latest message versions (datatype
 * floor 3, dataspace 2, fill value 3, filter pipeline 2, layout 4 with the
 * new chunk indexes).
 */

/** libhdf5's default link phase change (H5G_CRT_GINFO_MAX_COMPACT / MIN_DENSE): dense above 8 links. */
export const MAX_COMPACT_LINKS = 8;
export const MIN_DENSE_LINKS = 6;
/** Default attribute phase change (H5O_CRT_ATTR_MAX_COMPACT_DEF): dense above 8 attributes. */
const MAX_COMPACT_ATTRS = 8;
const MIN_DENSE_ATTRS = 6;
/** No header message may reach this size (H5O_MESG_MAX_SIZE); a larger attribute forces dense storage. */
const MESSAGE_MAX_SIZE = 65536;
/** Creation index libhdf5 gives attributes of objects that do not track creation order (H5O_MAX_CRT_ORDER_IDX). */
const UNTRACKED_ATTR_ORDER = 0xffff;
/** The dense-storage name and creation-order indexes (H5G_NAME_BT2_*, H5G_CORDER_BT2_*, H5A_*_BT2_*). */
const DENSE_INDEX_NODE_SIZE = 512;

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

function linkMessage(name: string, l: DraftLink, tracked: boolean, sizes: FieldSizes): Uint8Array {
  const creationOrder = tracked ? l.creationOrder : undefined;
  const msg: LinkMessage =
    l.kind === 'hard'
      ? { kind: 'hard', name, creationOrder, address: l.target.address ?? 0 }
      : l.kind === 'soft'
        ? { kind: 'soft', name, creationOrder, target: l.path }
        : l.kind === 'external'
          ? { kind: 'external', name, creationOrder, file: l.file, target: l.path }
          : { kind: 'user-defined', name, creationOrder, linkType: l.linkType, data: l.data };
  // h5py's link creation property list asks for UTF-8 names; libhdf5 stores the charset only when not ASCII.
  return encodeLinkMessage(msg, sizes, { charset: isAscii(name) ? 'ascii' : 'utf8' });
}

/** Whether a group's creation order index exists (new groups index what they track; copies keep theirs). */
export function linksIndexed(g: DraftGroup): boolean {
  const p = g.preserved?.links;
  return p && p.storage !== 'symbol-table' ? p.indexed : g.trackOrder;
}

/** Whether attribute creation order is indexed (header flag bit 3 of a copy; new objects index what they track, as h5py asks). */
export function attrsIndexed(o: DraftObject): boolean {
  return o.preserved ? (o.preserved.flags & 0x08) !== 0 : o.trackAttrOrder;
}

/**
 * Link storage of a new-style group: dense past the compact maximum, or
 * when a link message reaches H5O_MESG_MAX_SIZE (a header message's size
 * field is 16 bits; H5G__obj_insert checks both). A copied group changes
 * phase as libhdf5 does on insert and remove (H5G__obj_insert,
 * H5G__obj_remove_update_linfo) with its own group info values: compact
 * becomes dense above max compact links, dense stays dense down to min
 * dense.
 */
export function denseLinks(g: DraftGroup, sizes: FieldSizes): boolean {
  const p = g.preserved?.links;
  const big = [...g.links].some(([name, l]) => linkMessage(name, l, g.trackOrder, sizes).length >= MESSAGE_MAX_SIZE);
  if (p && p.storage !== 'symbol-table') return big || (p.storage === 'dense' ? g.links.size >= p.minDense : g.links.size > p.maxCompact);
  return big || g.links.size > MAX_COMPACT_LINKS;
}

/**
 * Attribute storage of a version 2 header (H5O__attr_create,
 * H5O__attr_remove_update): dense past the compact maximum or for a message
 * no header can hold; a copied header that is dense stays dense down to its
 * min dense value. Version 1 headers never hold dense attributes (libhdf5
 * creates attribute info only in version 2 headers).
 */
export function denseAttributes(o: DraftObject, list: readonly EncodedAttribute[], headerVersion: 1 | 2): boolean {
  if (headerVersion === 1) return false;
  const big = list.some((a) => a.message.length >= MESSAGE_MAX_SIZE);
  const phase = o.preserved?.attributePhase ?? { maxCompact: MAX_COMPACT_ATTRS, minDense: MIN_DENSE_ATTRS };
  if (o.preserved?.attrs.dense) return big || list.length >= phase.minDense;
  return big || list.length > phase.maxCompact;
}

/** Where dense storage lives; all undefined while links or attributes are compact. */
function denseAddresses(dense: DenseStorageInfo | undefined) {
  return {
    fractalHeapAddress: dense?.fractalHeapAddress ?? UNDEFINED_ADDRESS,
    nameIndexAddress: dense?.nameIndexAddress ?? UNDEFINED_ADDRESS,
    creationOrderIndexAddress: dense?.creationOrderIndexAddress ?? UNDEFINED_ADDRESS,
  };
}

/** The link info message (spec IV.A.2.c) of a new-style group, with its dense storage if any. */
export function linkInfoMessage(g: DraftGroup, dense: DenseStorageInfo | undefined, sizes: FieldSizes): OutgoingMessage {
  return {
    type: MessageType.LinkInfo,
    data: encodeLinkInfo(
      {
        creationOrderTracked: g.trackOrder,
        creationOrderIndexed: linksIndexed(g),
        maxCreationIndex: g.linkOrder,
        ...denseAddresses(dense),
      },
      sizes,
    ),
  };
}

/** Compact links as link messages (spec IV.A.2.g), in the order they were created. */
export function compactLinkMessages(g: DraftGroup, sizes: FieldSizes): OutgoingMessage[] {
  return [...g.links].map(([name, l]) => ({ type: MessageType.Link, data: linkMessage(name, l, g.trackOrder, sizes) }));
}

/** The attribute info message (spec IV.A.2.v), with its dense storage if any. */
export function attributeInfoMessage(o: DraftObject, dense: DenseStorageInfo | undefined, sizes: FieldSizes): OutgoingMessage {
  return {
    type: MessageType.AttributeInfo,
    flags: MessageFlag.DontShare,
    data: encodeAttributeInfo(
      {
        creationOrderTracked: o.trackAttrOrder,
        creationOrderIndexed: attrsIndexed(o),
        maxCreationIndex: o.attrOrder,
        ...denseAddresses(dense),
      },
      sizes,
    ),
  };
}

/** Compact attribute messages; a header tracking creation order stores each one's index. */
export function compactAttributeMessages(o: DraftObject, attrs: readonly EncodedAttribute[]): OutgoingMessage[] {
  return attrs.map((a) => ({ type: MessageType.Attribute, flags: a.flags, data: a.message, creationOrder: o.trackAttrOrder ? a.creationOrder : undefined }));
}

/** Version 2 headers have no reference count field: a count above 1 is a message (spec IV.A.2.w). */
export function referenceCountMessages(o: DraftObject): OutgoingMessage[] {
  return o.linkCount > 1 ? [{ type: MessageType.ReferenceCount, flags: MessageFlag.DontShare, data: new ByteWriter(undefined, 5).u8(0).u32(o.linkCount).finish() }] : [];
}

/** What pass 2 of serialize.ts writes beside a header. */
export interface Side {
  /** Dense link storage of a new-style group. */
  links?: DenseStorageInfo;
  /** Dense attribute storage. */
  attrs?: DenseStorageInfo;
  /** Chunk index of a chunked dataset. */
  chunks?: { index: ChunkIndex; address: number };
  /** v1 B-tree (group or chunk index) and local heap of a classic object. */
  btree?: number;
  heap?: number;
}

/** The messages of a new object's version 2 header (latest family), in the order libhdf5 adds them. */
export function latestMessages(o: DraftGroup | DraftDataset | DraftNamedType, attrs: readonly EncodedAttribute[], sizes: FieldSizes, side: Side): OutgoingMessage[] {
  if (o.kind === 'group') return newStyleGroupMessages(o, attrs, sizes, side, 2);
  const out: OutgoingMessage[] = [];
  if (o.kind === 'datatype') out.push(committedTypeMessage(o, sizes, 'latest'));
  else out.push(...datasetMessages(o, sizes, 'latest', side.chunks));
  out.push(...attributeMessages(o, attrs, sizes, side, 2));
  out.push(...referenceCountMessages(o));
  return out;
}

/**
 * A new-style group (spec IV.A.2.c/k/g: link info, group info, link
 * messages or dense links) in a version 2 header, or in a version 1 header
 * as libhdf5 writes one in the classic family when the group tracks link
 * creation order or holds a link a symbol table cannot (external,
 * user-defined): there no attribute info and no reference count message
 * (H5A adds attribute info to version 2 headers only; version 1 keeps the
 * count in its prefix).
 */
export function newStyleGroupMessages(g: DraftGroup, attrs: readonly EncodedAttribute[], sizes: FieldSizes, side: Side, header: 1 | 2): OutgoingMessage[] {
  const out: OutgoingMessage[] = [linkInfoMessage(g, side.links, sizes)];
  out.push({ type: MessageType.GroupInfo, flags: MessageFlag.Constant, data: encodeGroupInfo({ maxCompact: MAX_COMPACT_LINKS, minDense: MIN_DENSE_LINKS }) });
  const attributes = attributeMessages(g, attrs, sizes, side, header);
  // Attribute info first, as libhdf5 adds it with the first attribute; the attributes after the links.
  if (header === 2 && attrs.length) out.push(attributes.shift()!);
  if (!side.links) out.push(...compactLinkMessages(g, sizes));
  out.push(...attributes);
  if (header === 2) out.push(...referenceCountMessages(g));
  return out;
}

/** Attribute info (version 2 headers with attributes; libhdf5 adds it with the first one), then compact attribute messages unless dense. */
function attributeMessages(o: DraftObject, attrs: readonly EncodedAttribute[], sizes: FieldSizes, side: Side, header: 1 | 2): OutgoingMessage[] {
  const out: OutgoingMessage[] = [];
  if (header === 2 && attrs.length) out.push(attributeInfoMessage(o, side.attrs, sizes));
  if (!side.attrs) out.push(...compactAttributeMessages(o, attrs));
  return out;
}

/** Name index key: lookup3 of the name's bytes (H5G__dense_insert, H5A__dense_insert: H5_checksum_lookup3(name, len, 0)). */
function nameHash(name: Uint8Array): number {
  return lookup3(name);
}

/** Sort by name hash, equal hashes by name (strcmp), as the name index compare callbacks do. */
function byHashThenName<T extends { hash: number; name: Uint8Array }>(a: T, b: T): number {
  if (a.hash !== b.hash) return a.hash - b.hash;
  const n = Math.min(a.name.length, b.name.length);
  for (let i = 0; i < n; i++) if (a.name[i] !== b.name[i]) return a.name[i] - b.name[i];
  return a.name.length - b.name.length;
}

/**
 * Dense link storage (spec IV.A.2.c; H5G__dense_create/insert): the link
 * messages in a fractal heap, a type 5 v2 B-tree (name hash, heap ID) and,
 * when creation order is indexed, a type 6 one (creation order, heap ID).
 */
export function writeDenseLinks(g: DraftGroup, alloc: Allocator, sizes: FieldSizes): DenseStorageInfo {
  const indexed = linksIndexed(g);
  const heap = new FractalHeapWriter(sizes, DENSE_LINK_HEAP);
  const entries = [...g.links].map(([name, l]) => ({
    name: encodeUtf8(name),
    hash: nameHash(encodeUtf8(name)),
    order: l.creationOrder,
    id: heap.add(linkMessage(name, l, g.trackOrder, sizes)),
  }));
  const heapAddress = heap.write(alloc);
  const idLength = heap.idLength;
  const nameRecords = entries
    .slice()
    .sort(byHashThenName)
    .map((e) => new ByteWriter(sizes, 4 + idLength).u32(e.hash).bytes(e.id).finish());
  const nameIndex = writeBTreeV2(alloc, sizes, { type: 5, recordSize: 4 + idLength, nodeSize: DENSE_INDEX_NODE_SIZE }, nameRecords);
  let orderIndex = UNDEFINED_ADDRESS;
  if (indexed) {
    const orderRecords = entries
      .slice()
      .sort((a, b) => a.order - b.order)
      .map((e) => new ByteWriter(sizes, 8 + idLength).u64(e.order).bytes(e.id).finish());
    orderIndex = writeBTreeV2(alloc, sizes, { type: 6, recordSize: 8 + idLength, nodeSize: DENSE_INDEX_NODE_SIZE }, orderRecords);
  }
  return { creationOrderTracked: g.trackOrder, creationOrderIndexed: indexed, fractalHeapAddress: heapAddress, nameIndexAddress: nameIndex, creationOrderIndexAddress: orderIndex };
}

/**
 * Dense attribute storage (spec IV.A.2.v; H5A__dense_create/insert): the
 * attribute messages in a fractal heap (messages above 4 KiB become huge
 * objects), a type 8 v2 B-tree (heap ID, message flags, creation order,
 * name hash; sorted by hash) and, when creation order is indexed, a type 9
 * one (heap ID, flags, creation order; sorted by order).
 */
export function writeDenseAttributes(o: DraftObject, attrs: readonly EncodedAttribute[], alloc: Allocator, sizes: FieldSizes): DenseStorageInfo {
  const heap = new FractalHeapWriter(sizes, DENSE_ATTRIBUTE_HEAP);
  const tracked = o.trackAttrOrder;
  const indexed = attrsIndexed(o);
  for (const a of attrs) {
    // A shared attribute (SOHM) is indexed by its shared-heap ID, not stored in this heap: not written by h5kit.
    if ((a.flags ?? 0) & MessageFlag.Shared) throw new H5UnsupportedError(`attribute "${a.name}" is a shared message; moving it to dense storage is not supported`);
  }
  const entries = attrs.map((a) => ({
    name: encodeUtf8(a.name),
    hash: nameHash(encodeUtf8(a.name)),
    order: tracked ? a.creationOrder : UNTRACKED_ATTR_ORDER,
    id: heap.add(a.message),
  }));
  const heapAddress = heap.write(alloc);
  const idLength = heap.idLength;
  // Message flags byte 0: h5kit never shares attribute messages.
  const nameRecords = entries
    .slice()
    .sort(byHashThenName)
    .map((e) => new ByteWriter(sizes, idLength + 9).bytes(e.id).u8(0).u32(e.order).u32(e.hash).finish());
  const nameIndex = writeBTreeV2(alloc, sizes, { type: 8, recordSize: idLength + 9, nodeSize: DENSE_INDEX_NODE_SIZE }, nameRecords);
  let orderIndex = UNDEFINED_ADDRESS;
  if (indexed) {
    const orderRecords = entries
      .slice()
      .sort((a, b) => a.order - b.order)
      .map((e) => new ByteWriter(sizes, idLength + 5).bytes(e.id).u8(0).u32(e.order).finish());
    orderIndex = writeBTreeV2(alloc, sizes, { type: 9, recordSize: idLength + 5, nodeSize: DENSE_INDEX_NODE_SIZE }, orderRecords);
  }
  return { creationOrderTracked: tracked, creationOrderIndexed: indexed, fractalHeapAddress: heapAddress, nameIndexAddress: nameIndex, creationOrderIndexAddress: orderIndex };
}
