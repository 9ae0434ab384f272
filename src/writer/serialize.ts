import type { FieldSizes } from '../format/byte-reader.js';
import { type FormatFamily } from '../format/byte-writer.js';
import { lookup3 } from '../format/checksum.js';
import type { DenseStorageInfo } from '../format/messages/info.js';
import { encodeObjectHeaderV1, encodeObjectHeaderV2, MessageType, objectHeaderV1Size, objectHeaderV2Size, type OutgoingMessage } from '../format/object-header.js';
import { encodeSuperblockV0, encodeSuperblockV2V3 } from '../format/superblock.js';
import { H5ValueError } from '../errors.js';
import type { Allocator } from './allocator.js';
import { chunkIndexDescription, writeChunkIndex } from './chunk-index-writer.js';
import type { DraftGroup, DraftObject, PreservedHeader } from './draft.js';
import {
  classicMessages,
  collect,
  datasetMessages,
  DEFAULT_KS,
  symbolTableMessage,
  writeChunkBTree,
  writeGroupTable,
  type AttributeEncoder,
  type BTreeKs,
  type EncodedAttribute,
} from './serialize-classic.js';
import {
  attributeInfoMessage,
  compactAttributeMessages,
  compactLinkMessages,
  denseAttributes,
  denseLinks,
  latestMessages,
  linkInfoMessage,
  newStyleGroupMessages,
  referenceCountMessages,
  writeDenseAttributes,
  writeDenseLinks,
  type Side,
} from './serialize-latest.js';

/**
 * Serialises a draft tree: one driver for both format families and for the
 * copies an edit makes (spec-notes/editing.md). New objects take the
 * family's encoding (classic: object header 1, symbol-table groups, v1
 * B-tree chunk index; latest: object header 2, link messages or dense
 * links, v4 chunk indexes); a copied header keeps its own version, group
 * kind and every message it had, and only its link storage, attributes and
 * reference count are rebuilt. Objects an edit leaves in place
 * (`existing`) are only pointed at.
 *
 * Three passes, as in a new file: header sizes first (no size depends on an
 * address), then the side structures that need children's addresses (group
 * heaps and B-trees, dense storage, chunk indexes), then the headers. The
 * caller writes the superblock: a new file's, or an edit's commit.
 */
export interface SerializeOptions {
  /** Encoding of new objects. */
  readonly family: FormatFamily;
  /** B-tree K values of the file (superblock); libhdf5's defaults otherwise. */
  readonly ks?: BTreeKs;
  /**
   * Called once every object header has its address and before anything
   * is written: stores the values that hold references (their targets'
   * addresses), so deferred raw data lands before the chunk indexes are
   * built and attribute messages are final before the headers are encoded.
   * Returns whether it did anything (then pass-1 headers are not reused).
   */
  readonly bind?: (objects: readonly DraftObject[]) => boolean;
}

/** Where the root landed; `btree`/`heap` when it is a symbol-table group (for the superblock 0 root entry's cache). */
export interface SerializedRoot {
  readonly address: number;
  readonly btree?: number;
  readonly heap?: number;
}

interface Style {
  readonly header: 1 | 2;
  /** An old-style group (symbol table) rather than link messages. */
  readonly symbolTable: boolean;
  /** Encoding of the dataset messages it writes: a copied dataset keeps its layout message version (3 classic, 4 latest). */
  readonly family: FormatFamily;
}

function styleOf(o: DraftObject, family: FormatFamily): Style {
  if (o.preserved) {
    const layout = o.preserved.messages.find((m) => m.type === MessageType.DataLayout);
    return {
      header: o.preserved.version,
      symbolTable: o.kind === 'group' && o.preserved.links?.storage === 'symbol-table',
      family: layout ? (layout.data[0] >= 4 ? 'latest' : 'earliest') : family,
    };
  }
  if (family === 'latest') return { header: 2, symbolTable: false, family };
  if (o.kind !== 'group') return { header: 1, symbolTable: false, family };
  // Classic family (H5G__obj_create_real, H5G__obj_insert): a group tracking link creation order, or
  // holding an external or user-defined link, is new-style; attribute creation order needs a version 2 header.
  const newStyle = o.trackOrder || [...o.links.values()].some((l) => l.kind === 'external' || l.kind === 'user-defined');
  return { header: o.trackAttrOrder ? 2 : 1, symbolTable: !newStyle, family };
}

const PLACEHOLDER: DenseStorageInfo = {
  creationOrderTracked: false,
  creationOrderIndexed: false,
  fractalHeapAddress: 0,
  nameIndexAddress: 0,
  creationOrderIndexAddress: 0,
};

/**
 * Whether an object's header bytes are known in pass 1, before other objects
 * have addresses (given no side structure): a dataset whose messages name no
 * other object (a committed datatype is named by its address). Groups are not:
 * their link messages hold their children's addresses.
 */
function settledEarly(o: DraftObject): boolean {
  return o.kind === 'dataset' && !o.committed;
}

export function serializeDraft(root: DraftGroup, alloc: Allocator, sizes: FieldSizes, encodeAttrs: AttributeEncoder, opts: SerializeOptions): SerializedRoot {
  const { family } = opts;
  const ks = opts.ks ?? DEFAULT_KS;
  const objects = collect(root);
  const attrs = new Map<DraftObject, EncodedAttribute[]>();
  for (const o of objects) attrs.set(o, encodeAttrs(o));
  const style = new Map<DraftObject, Style>(objects.map((o) => [o, styleOf(o, family)]));
  const dense = (o: DraftObject) => ({
    links: rebuildsLinks(o) && !style.get(o)!.symbolTable && denseLinks(o as DraftGroup, sizes),
    attrs: rebuildsAttributes(o) && denseAttributes(o, attrs.get(o)!, style.get(o)!.header),
  });

  // Pass 1: header sizes do not depend on addresses (every address field has a fixed width).
  const headerSize = new Map<DraftObject, number>();
  const firstBytes = new Map<DraftObject, Uint8Array>();
  for (const o of objects) {
    const d = dense(o);
    const placeholder: Side = {
      links: d.links ? PLACEHOLDER : undefined,
      attrs: d.attrs ? PLACEHOLDER : undefined,
      chunks: style.get(o)!.family === 'latest' && o.kind === 'dataset' && o.layout === 'chunked' && rebuildsData(o) ? { index: chunkIndexDescription(o), address: 0 } : undefined,
    };
    const bytes = headerBytes(o, messagesOf(o, attrs.get(o)!, sizes, placeholder, style.get(o)!, family), style.get(o)!);
    headerSize.set(o, bytes.length);
    if (settledEarly(o)) firstBytes.set(o, bytes);
    o.address = alloc.alloc(bytes.length);
  }
  const patched = opts.bind?.(objects) ?? false;
  // Pass 2: side structures, which need the children's addresses.
  const side = new Map<DraftObject, Side>();
  for (const o of objects) {
    const s: Side = {};
    const d = dense(o);
    if (o.kind === 'group' && rebuildsLinks(o) && style.get(o)!.symbolTable) Object.assign(s, writeGroupTable(o, alloc, sizes, ks));
    if (o.kind === 'group' && d.links) s.links = writeDenseLinks(o, alloc, sizes);
    if (d.attrs) s.attrs = writeDenseAttributes(o, attrs.get(o)!, alloc, sizes);
    if (o.kind === 'dataset' && o.layout === 'chunked' && rebuildsData(o)) {
      if (style.get(o)!.family === 'latest') s.chunks = writeChunkIndex(o, alloc, sizes);
      else s.btree = writeChunkBTree(o, alloc, sizes, ks);
    }
    side.set(o, s);
  }
  // Pass 3: headers with real addresses. A header of pass 1 is final when nothing in it waited for
  // an address: no side structure, and no message bytes patched by bind.
  for (const o of objects) {
    const s = side.get(o)!;
    const early = !patched && Object.keys(s).length === 0 ? firstBytes.get(o) : undefined;
    const bytes = early ?? headerBytes(o, messagesOf(o, attrs.get(o)!, sizes, s, style.get(o)!, family), style.get(o)!);
    if (bytes.length !== headerSize.get(o)) throw new Error(`internal: object header size changed (${headerSize.get(o)} → ${bytes.length})`);
    alloc.sink.write(o.address!, bytes);
  }
  const rs = side.get(root)!;
  return { address: root.address!, btree: rs.btree, heap: rs.heap };
}

/** How a new file is laid out around its tree. */
export interface NewFileOptions extends Pick<SerializeOptions, 'family' | 'bind'> {
  /** Bytes reserved for the superblock at (base-relative) offset 0, written last. */
  readonly superblockSize: number;
  /** Size of the user block before the superblock (0 = none); every stored address is relative to it (spec II.A, base address). */
  readonly userblock?: number;
}

/**
 * A new file: the tree, then the superblock at base-relative offset 0,
 * last: version 0 in the classic family (the root's B-tree and heap cached
 * in its entry), version 3 in the latest. The superblock's base address is
 * the user block's size, and its end-of-file address counts the user block
 * (absolute), as libhdf5 writes both (spec-notes/superblock.md).
 */
export function serializeNewFile(root: DraftGroup, alloc: Allocator, sizes: FieldSizes, encodeAttrs: AttributeEncoder, opts: NewFileOptions): void {
  const r = serializeDraft(root, alloc, sizes, encodeAttrs, { family: opts.family, bind: opts.bind });
  const baseAddress = opts.userblock ?? 0;
  const endOfFile = baseAddress + alloc.end;
  const sb =
    opts.family === 'latest'
      ? encodeSuperblockV2V3({ version: 3, offsetSize: sizes.offsetSize, lengthSize: sizes.lengthSize, baseAddress, endOfFile, rootHeader: r.address })
      : encodeSuperblockV0({
          offsetSize: sizes.offsetSize,
          lengthSize: sizes.lengthSize,
          baseAddress,
          endOfFile,
          rootHeader: r.address,
          rootBTree: r.btree,
          rootHeap: r.heap,
          groupLeafK: DEFAULT_KS.leafK,
          groupInternalK: DEFAULT_KS.internalK,
        });
  alloc.sink.write(0, sb.subarray(0, opts.superblockSize));
}

/** A copy rebuilds its link storage only when its links changed (spec-notes/editing.md); a new group always builds it. */
function rebuildsLinks(o: DraftObject): boolean {
  return o.kind === 'group' && (!o.preserved || o.preserved.changed.links);
}

function rebuildsData(o: DraftObject): boolean {
  return o.kind === 'dataset' && (!o.preserved || o.preserved.changed.data);
}

function rebuildsAttributes(o: DraftObject): boolean {
  return !o.preserved || o.preserved.changed.attrs;
}

function messagesOf(o: DraftObject, attrs: readonly EncodedAttribute[], sizes: FieldSizes, side: Side, style: Style, family: FormatFamily): OutgoingMessage[] {
  if (o.preserved) return preservedMessages(o, o.preserved, attrs, sizes, side, style);
  if (o.kind === 'copy') throw new Error('internal: a copied object without its header');
  if (family === 'latest') return latestMessages(o, attrs, sizes, side);
  return o.kind === 'group' && !style.symbolTable ? newStyleGroupMessages(o, attrs, sizes, side, style.header) : classicMessages(o, attrs, sizes, side);
}

/** Messages the serializer writes anew in a copied header; continuation and NIL messages are dropped (the copy is one chunk). */
const DROPPED = new Set<number>([MessageType.NIL, MessageType.Continuation]);

/**
 * The messages of a copied header (spec-notes/editing.md, "Principle" 1):
 * every message it had, byte for byte and in order, except the kinds that
 * are rebuilt (link storage, attributes, reference count), which take the
 * place of the first message of their type, or go at the end when the
 * header had none.
 */
function preservedMessages(o: DraftObject, p: PreservedHeader, attrs: readonly EncodedAttribute[], sizes: FieldSizes, side: Side, style: Style): OutgoingMessage[] {
  const rebuilt = new Map<number, OutgoingMessage[]>();
  if (o.kind === 'group' && p.changed.links) {
    if (style.symbolTable) rebuilt.set(MessageType.SymbolTable, [symbolTableMessage(sizes, side)]);
    else {
      rebuilt.set(MessageType.LinkInfo, [linkInfoMessage(o, side.links, sizes)]);
      rebuilt.set(MessageType.Link, side.links ? [] : compactLinkMessages(o, sizes));
    }
  }
  if (p.changed.attrs) {
    // libhdf5 keeps an attribute info message once it exists and adds one to a version 2 header with its first attribute.
    const info = p.attrs.info || (style.header === 2 && attrs.length > 0);
    rebuilt.set(MessageType.AttributeInfo, info ? [attributeInfoMessage(o, side.attrs, sizes)] : []);
    rebuilt.set(MessageType.Attribute, side.attrs ? [] : compactAttributeMessages(o, attrs));
  }
  if (o.kind === 'dataset' && (p.changed.data || p.changed.space)) {
    // Written data or a new extent: the layout (storage address, chunk index) and dataspace messages, at the versions the copy had.
    const index = o.layout !== 'chunked' ? undefined : style.family === 'latest' ? side.chunks : { index: { type: 'btree-v1' as const }, address: side.btree ?? 0 };
    const fresh = datasetMessages(o, sizes, style.family, index);
    if (p.changed.data) rebuilt.set(MessageType.DataLayout, fresh.filter((m) => m.type === MessageType.DataLayout));
    if (p.changed.space) rebuilt.set(MessageType.Dataspace, fresh.filter((m) => m.type === MessageType.Dataspace));
  }
  // Version 1 headers keep the count in their prefix.
  if (style.header === 2) rebuilt.set(MessageType.ReferenceCount, referenceCountMessages(o));
  const out: OutgoingMessage[] = [];
  const placed = new Set<number>();
  for (const m of p.messages) {
    if (DROPPED.has(m.type)) continue;
    const r = rebuilt.get(m.type);
    if (r) {
      if (!placed.has(m.type)) out.push(...r);
      placed.add(m.type);
      continue;
    }
    out.push({ type: m.type, flags: m.flags, data: m.data, creationOrder: m.creationOrder });
  }
  for (const [type, r] of rebuilt) if (!placed.has(type)) out.push(...r);
  return out;
}

/** v1 message sizes are 16-bit and padded to 8 (spec IV.A.1.a). */
const V1_MESSAGE_MAX = 0xfff8;

/** The header bytes of `o`: version 1 or 2 as its style says; a copy keeps its v2 flags, times and phase change values. */
function headerBytes(o: DraftObject, messages: OutgoingMessage[], style: Style): Uint8Array {
  if (style.header === 1) {
    for (const m of messages) {
      if (m.data.length > V1_MESSAGE_MAX) throw new H5ValueError(`a message of ${m.data.length} bytes does not fit a version 1 object header (at most ${V1_MESSAGE_MAX})`);
    }
    return encodeObjectHeaderV1(messages, o.linkCount, objectHeaderV1Size(messages) - 16);
  }
  const p = o.preserved;
  // Objects tracking attribute creation order store it per message; h5py's `track_order` also indexes it (flags bits 2 and 3).
  const opts = p
    ? { trackCreationOrder: (p.flags & 0x04) !== 0, indexCreationOrder: (p.flags & 0x08) !== 0, attributePhase: p.attributePhase }
    : { trackCreationOrder: o.trackAttrOrder, indexCreationOrder: o.trackAttrOrder };
  const bytes = encodeObjectHeaderV2(messages, opts);
  if (objectHeaderV2Size(messages, { trackCreationOrder: opts.trackCreationOrder, attributePhase: !!opts.attributePhase }) !== bytes.length) {
    throw new Error('internal: v2 header size');
  }
  return p?.times ? withTimes(bytes, p.times) : bytes;
}

/**
 * A version 2 header with stored times (spec IV.A.1.b: flag bit 5; access,
 * modification, change and birth times follow the flags byte, before the
 * phase change values), checksum recomputed. A copy keeps its times as
 * they were, so an edit changes no byte it does not have to.
 */
function withTimes(bytes: Uint8Array, t: NonNullable<PreservedHeader['times']>): Uint8Array {
  const out = new Uint8Array(bytes.length + 16);
  out.set(bytes.subarray(0, 6));
  out[5] |= 0x20;
  const dv = new DataView(out.buffer);
  [t.access, t.modification, t.change, t.birth].forEach((v, i) => dv.setUint32(6 + 4 * i, v, true));
  out.set(bytes.subarray(6, bytes.length - 4), 22);
  dv.setUint32(out.length - 4, lookup3(out.subarray(0, out.length - 4)), true);
  return out;
}
