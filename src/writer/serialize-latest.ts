import type { FieldSizes } from '../format/byte-reader.js';
import { UNDEFINED_ADDRESS } from '../format/byte-reader.js';
import { ByteWriter, encodeUtf8 } from '../format/byte-writer.js';
import { lookup3 } from '../format/checksum.js';
import type { ChunkIndex } from '../format/messages/data-layout.js';
import { encodeAttributeInfo, encodeGroupInfo, encodeLinkInfo, type DenseStorageInfo } from '../format/messages/info.js';
import { encodeLinkMessage, type LinkMessage } from '../format/messages/link.js';
import { encodeObjectHeaderV2, MessageFlag, MessageType, objectHeaderV2Size, type OutgoingMessage } from '../format/object-header.js';
import { encodeSuperblockV2V3 } from '../format/superblock.js';
import type { Allocator } from './allocator.js';
import { writeBTreeV2 } from './btree-v2-writer.js';
import { chunkIndexDescription, writeChunkIndex } from './chunk-index-writer.js';
import type { DraftGroup, DraftLink, DraftObject } from './draft.js';
import { DENSE_ATTRIBUTE_HEAP, DENSE_LINK_HEAP, FractalHeapWriter } from './fractal-heap-writer.js';
import { collect, committedTypeMessage, datasetMessages, type AttributeEncoder, type EncodedAttribute } from './serialize-classic.js';

/**
 * Serialises a draft tree in the format libhdf5 writes with
 * `libver='latest'` (HDF5 1.10 bounds): superblock 3, object header 2
 * ("OHDR", checksummed, without stored times so that the same input gives
 * the same bytes), new-style groups (link info + group info + link messages,
 * or a fractal heap with v2 B-tree indexes once dense), attribute info with
 * compact or dense attributes, and the latest message versions (datatype
 * floor 3, dataspace 2, fill value 3, filter pipeline 2, layout 4 with the
 * new chunk indexes).
 */

/** libhdf5's default link phase change (H5G_CRT_GINFO_MAX_COMPACT / MIN_DENSE): dense above 8 links. */
const MAX_COMPACT_LINKS = 8;
const MIN_DENSE_LINKS = 6;
/** Default attribute phase change (H5O_CRT_ATTR_MAX_COMPACT_DEF): dense above 8 attributes. */
const MAX_COMPACT_ATTRS = 8;
/** No header message may reach this size (H5O_MESG_MAX_SIZE); a larger attribute forces dense storage. */
const MESSAGE_MAX_SIZE = 65536;
/** Creation index libhdf5 gives attributes of objects that do not track creation order (H5O_MAX_CRT_ORDER_IDX). */
const UNTRACKED_ATTR_ORDER = 0xffff;
/** The dense-storage name and creation-order indexes (H5G_NAME_BT2_*, H5G_CORDER_BT2_*, H5A_*_BT2_*). */
const DENSE_INDEX_NODE_SIZE = 512;

interface Side {
  /** Dense link storage of a group. */
  links?: DenseStorageInfo;
  /** Dense attribute storage. */
  attrs?: DenseStorageInfo;
  /** Chunk index of a chunked dataset. */
  chunks?: { index: ChunkIndex; address: number };
}

const PLACEHOLDER: DenseStorageInfo = {
  creationOrderTracked: false,
  creationOrderIndexed: false,
  fractalHeapAddress: 0,
  nameIndexAddress: 0,
  creationOrderIndexAddress: 0,
};

export function serializeLatest(root: DraftGroup, alloc: Allocator, sizes: FieldSizes, encodeAttrs: AttributeEncoder, superblockSize: number): void {
  const objects = collect(root);
  const attrs = new Map<DraftObject, EncodedAttribute[]>();
  for (const o of objects) attrs.set(o, encodeAttrs(o));
  const denseAttrs = (o: DraftObject) => {
    const list = attrs.get(o)!;
    // H5O__attr_create: dense past the compact maximum, or for a message no header can hold.
    return list.length > MAX_COMPACT_ATTRS || list.some((a) => a.message.length >= MESSAGE_MAX_SIZE);
  };
  const denseLinks = (g: DraftGroup) => g.links.size > MAX_COMPACT_LINKS;

  // Pass 1: header sizes do not depend on addresses (every address field has a fixed width).
  const headerSize = new Map<DraftObject, number>();
  for (const o of objects) {
    const placeholder: Side = {
      links: o.kind === 'group' && denseLinks(o) ? PLACEHOLDER : undefined,
      attrs: denseAttrs(o) ? PLACEHOLDER : undefined,
      chunks: o.kind === 'dataset' && o.layout === 'chunked' ? { index: chunkIndexDescription(o), address: 0 } : undefined,
    };
    const size = objectHeaderV2Size(messages(o, attrs.get(o)!, sizes, placeholder), headerOptions(o));
    headerSize.set(o, size);
    o.address = alloc.alloc(size);
  }
  // Pass 2: dense storage and chunk indexes, which need the children's addresses.
  const side = new Map<DraftObject, Side>();
  for (const o of objects) {
    const s: Side = {};
    if (o.kind === 'group' && denseLinks(o)) s.links = writeDenseLinks(o, alloc, sizes);
    if (denseAttrs(o)) s.attrs = writeDenseAttributes(o, attrs.get(o)!, alloc, sizes);
    if (o.kind === 'dataset' && o.layout === 'chunked') s.chunks = writeChunkIndex(o, alloc, sizes);
    side.set(o, s);
  }
  // Pass 3: headers with real addresses.
  for (const o of objects) {
    const bytes = encodeObjectHeaderV2(messages(o, attrs.get(o)!, sizes, side.get(o)!), headerOptions(o));
    if (bytes.length !== headerSize.get(o)) throw new Error(`internal: object header size changed (${headerSize.get(o)} → ${bytes.length})`);
    alloc.sink.write(o.address!, bytes);
  }
  const sb = encodeSuperblockV2V3({ version: 3, offsetSize: sizes.offsetSize, lengthSize: sizes.lengthSize, endOfFile: alloc.end, rootHeader: root.address! });
  alloc.sink.write(0, sb.subarray(0, superblockSize));
}

/**
 * Header flags: objects tracking attribute creation order store it per
 * message; h5py's `track_order` also indexes it (flags bits 2 and 3).
 */
function headerOptions(o: DraftObject): { trackCreationOrder: boolean; indexCreationOrder: boolean } {
  return { trackCreationOrder: o.trackAttrOrder, indexCreationOrder: o.trackAttrOrder };
}

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
        : { kind: 'external', name, creationOrder, file: l.file, target: l.path };
  // h5py's link creation property list asks for UTF-8 names; libhdf5 stores the charset only when not ASCII.
  return encodeLinkMessage(msg, sizes, { charset: isAscii(name) ? 'ascii' : 'utf8' });
}

/** The messages of an object's header, in the order libhdf5 adds them. */
function messages(o: DraftObject, attrs: EncodedAttribute[], sizes: FieldSizes, side: Side): OutgoingMessage[] {
  const out: OutgoingMessage[] = [];
  if (o.kind === 'group') {
    const dense = side.links;
    out.push({
      type: MessageType.LinkInfo,
      data: encodeLinkInfo(
        {
          creationOrderTracked: o.trackOrder,
          creationOrderIndexed: o.trackOrder,
          maxCreationIndex: o.linkOrder,
          fractalHeapAddress: dense ? dense.fractalHeapAddress : UNDEFINED_ADDRESS,
          nameIndexAddress: dense ? dense.nameIndexAddress : UNDEFINED_ADDRESS,
          creationOrderIndexAddress: dense ? dense.creationOrderIndexAddress : UNDEFINED_ADDRESS,
        },
        sizes,
      ),
    });
    out.push({ type: MessageType.GroupInfo, flags: MessageFlag.Constant, data: encodeGroupInfo({ maxCompact: MAX_COMPACT_LINKS, minDense: MIN_DENSE_LINKS }) });
  } else if (o.kind === 'datatype') {
    out.push(committedTypeMessage(o, sizes, 'latest'));
  } else {
    out.push(...datasetMessages(o, sizes, 'latest', side.chunks));
  }
  // Attribute info: present once an object has attributes (libhdf5 adds it with the first one).
  if (attrs.length) {
    const dense = side.attrs;
    out.push({
      type: MessageType.AttributeInfo,
      flags: MessageFlag.DontShare,
      data: encodeAttributeInfo(
        {
          creationOrderTracked: o.trackAttrOrder,
          creationOrderIndexed: o.trackAttrOrder,
          maxCreationIndex: o.attrOrder,
          fractalHeapAddress: dense ? dense.fractalHeapAddress : UNDEFINED_ADDRESS,
          nameIndexAddress: dense ? dense.nameIndexAddress : UNDEFINED_ADDRESS,
          creationOrderIndexAddress: dense ? dense.creationOrderIndexAddress : UNDEFINED_ADDRESS,
        },
        sizes,
      ),
    });
  }
  if (o.kind === 'group' && !side.links) {
    // Compact links, in the order they were created.
    for (const [name, l] of o.links) out.push({ type: MessageType.Link, data: linkMessage(name, l, o.trackOrder, sizes) });
  }
  if (!side.attrs) {
    for (const a of attrs) out.push({ type: MessageType.Attribute, data: a.message, creationOrder: o.trackAttrOrder ? a.creationOrder : undefined });
  }
  // Version 2 headers have no reference count field: a count above 1 is a message (spec IV.A.2.w).
  if (o.linkCount > 1) out.push({ type: MessageType.ReferenceCount, flags: MessageFlag.DontShare, data: new ByteWriter(undefined, 5).u8(0).u32(o.linkCount).finish() });
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
function writeDenseLinks(g: DraftGroup, alloc: Allocator, sizes: FieldSizes): DenseStorageInfo {
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
  if (g.trackOrder) {
    const orderRecords = entries
      .slice()
      .sort((a, b) => a.order - b.order)
      .map((e) => new ByteWriter(sizes, 8 + idLength).u64(e.order).bytes(e.id).finish());
    orderIndex = writeBTreeV2(alloc, sizes, { type: 6, recordSize: 8 + idLength, nodeSize: DENSE_INDEX_NODE_SIZE }, orderRecords);
  }
  return { creationOrderTracked: g.trackOrder, creationOrderIndexed: g.trackOrder, fractalHeapAddress: heapAddress, nameIndexAddress: nameIndex, creationOrderIndexAddress: orderIndex };
}

/**
 * Dense attribute storage (spec IV.A.2.v; H5A__dense_create/insert): the
 * attribute messages in a fractal heap (messages above 4 KiB become huge
 * objects), a type 8 v2 B-tree (heap ID, message flags, creation order,
 * name hash; sorted by hash) and, when creation order is indexed, a type 9
 * one (heap ID, flags, creation order; sorted by order).
 */
function writeDenseAttributes(o: DraftObject, attrs: EncodedAttribute[], alloc: Allocator, sizes: FieldSizes): DenseStorageInfo {
  const heap = new FractalHeapWriter(sizes, DENSE_ATTRIBUTE_HEAP);
  const tracked = o.trackAttrOrder;
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
  if (tracked) {
    const orderRecords = entries
      .slice()
      .sort((a, b) => a.order - b.order)
      .map((e) => new ByteWriter(sizes, idLength + 5).bytes(e.id).u8(0).u32(e.order).finish());
    orderIndex = writeBTreeV2(alloc, sizes, { type: 9, recordSize: idLength + 5, nodeSize: DENSE_INDEX_NODE_SIZE }, orderRecords);
  }
  return { creationOrderTracked: tracked, creationOrderIndexed: tracked, fractalHeapAddress: heapAddress, nameIndexAddress: nameIndex, creationOrderIndexAddress: orderIndex };
}
