import type { FieldSizes } from '../format/byte-reader.js';
import { encodeBTreeV1Node, btreeV1NodeSize } from '../format/btree-v1.js';
import { ByteWriter, type FormatFamily } from '../format/byte-writer.js';
import { encodeLocalHeapHeader, LocalHeapBuilder, localHeapHeaderSize } from '../format/local-heap.js';
import { dataLayoutVersionFor, encodeDataLayout, type ChunkIndex, type DataLayout } from '../format/messages/data-layout.js';
import { dataspaceVersionFor, encodeDataspace } from '../format/messages/dataspace.js';
import { encodeDatatype } from '../format/messages/datatype.js';
import { encodeFillValue, fillValueVersionFor } from '../format/messages/fill-value.js';
import { encodeFilterPipeline, filterPipelineVersionFor } from '../format/messages/filter-pipeline.js';
import { encodeSymbolTableMessage } from '../format/messages/info.js';
import { encodeSharedPointer } from '../format/messages/shared-message.js';
import { MessageFlag, MessageType, type OutgoingMessage } from '../format/object-header.js';
import { encodeSymbolTableNode, symbolTableNodeSize, type SymbolTableEntry } from '../format/symbol-table.js';
import { compareNames } from '../model/links.js';
import { H5ValueError } from '../errors.js';
import type { Allocator } from './allocator.js';
import { sortedChunks } from './chunk-index-writer.js';
import type { DraftDataset, DraftGroup, DraftNamedType, DraftObject, DraftTarget } from './draft.js';

/**
 * The pieces of the classic format libhdf5 writes by default (object header
 * 1, symbol-table groups with a v1 B-tree and a local heap, layout message 3,
 * v1 B-tree chunk index): what HDF5 1.8+, jsfive, MATLAB and netCDF read.
 * serialize.ts drives them (and the superblock 0).
 */
/**
 * libhdf5's default B-tree K values (superblock v0 fields; H5F_CRT_SYM_LEAF_DEF,
 * H5F_CRT_BTREE_RANK_DEF, HDF5_BTREE_CHUNK_IK_DEF). An edited file keeps its own:
 * node sizes follow from them, so a reader of that file expects them.
 */
export interface BTreeKs {
  /** A symbol table node holds 2K entries. */
  readonly leafK: number;
  /** Group B-tree nodes hold 2K children. */
  readonly internalK: number;
  /** Chunk B-tree nodes hold 2K children. */
  readonly chunkK: number;
}
export const DEFAULT_KS: BTreeKs = { leafK: 4, internalK: 16, chunkK: 32 };
/** libhdf5's smallest local heap data segment for a new group. */
const MIN_HEAP_DATA = 88;

/** One attribute of an object, its message encoded once (vlen values already in the global heap). */
export interface EncodedAttribute {
  readonly name: string;
  readonly creationOrder: number;
  /** The attribute message body. */
  readonly message: Uint8Array;
  /** Message flags of an attribute copied from an edited file (0 for new ones). */
  readonly flags?: number;
}

/** The attributes of an object in creation order. */
export type AttributeEncoder = (obj: DraftObject) => EncodedAttribute[];

/**
 * Every object reachable through hard links, each once, with its object
 * header reference count: one per hard link (the root counts one) plus one
 * per dataset sharing it as its committed datatype, since libhdf5 counts
 * those uses too (H5T_link), so a deleted dataset never frees a type still
 * linked.
 */
export function collect(root: DraftGroup): DraftObject[] {
  const out: DraftObject[] = [];
  const seen = new Set<DraftObject>();
  const visit = (o: DraftTarget) => {
    // Objects an edit leaves in place are only pointed at (spec-notes/editing.md).
    if (o.kind === 'existing' || seen.has(o)) return;
    seen.add(o);
    out.push(o);
    if (o.kind === 'group') for (const l of o.links.values()) if (l.kind === 'hard') visit(l.target);
    if (o.kind === 'dataset' && o.committed) visit(o.committed);
  };
  visit(root);
  // A copied header's count is the editor's (links from unchanged groups count too, and they are not in the draft).
  for (const o of out) if (!o.preserved) o.linkCount = o === root ? 1 : 0;
  const bump = (t: DraftTarget) => {
    if (t.kind !== 'existing' && !t.preserved) t.linkCount++;
  };
  for (const o of out) {
    if (o.kind === 'group') for (const l of o.links.values()) if (l.kind === 'hard') bump(l.target);
    if (o.kind === 'dataset' && o.committed) bump(o.committed);
  }
  return out;
}

/**
 * The messages of a new object's version 1 header (classic family); without
 * `side` (pass 1) addresses are placeholders of the same size. Attribute
 * messages follow the object's own.
 */
export function classicMessages(o: DraftGroup | DraftDataset | DraftNamedType, attrs: readonly EncodedAttribute[], sizes: FieldSizes, side?: { btree?: number; heap?: number }): OutgoingMessage[] {
  const out: OutgoingMessage[] = [];
  if (o.kind === 'group') {
    out.push(symbolTableMessage(sizes, side));
  } else if (o.kind === 'datatype') {
    out.push(committedTypeMessage(o, sizes, 'earliest'));
  } else {
    const chunkIndex = o.layout === 'chunked' ? { index: { type: 'btree-v1' as const }, address: side?.btree ?? 0 } : undefined;
    out.push(...datasetMessages(o, sizes, 'earliest', chunkIndex));
  }
  for (const a of attrs) out.push({ type: MessageType.Attribute, flags: a.flags, data: a.message });
  return out;
}

/** The symbol table message of an old-style group (spec IV.A.2.r): its B-tree and local heap. */
export function symbolTableMessage(sizes: FieldSizes, side?: { btree?: number; heap?: number }): OutgoingMessage {
  return { type: MessageType.SymbolTable, data: encodeSymbolTableMessage({ btreeAddress: side?.btree ?? 0, heapAddress: side?.heap ?? 0 }, sizes) };
}

/**
 * The datatype message of a committed datatype's own header: libhdf5 marks
 * it constant and not shareable (flags 0x05) in both families.
 */
export function committedTypeMessage(t: DraftNamedType, sizes: FieldSizes, family: FormatFamily): OutgoingMessage {
  return { type: MessageType.Datatype, flags: MessageFlag.Constant | MessageFlag.DontShare, data: encodeDatatype(t.type, sizes, { version: family }) };
}

/**
 * The messages describing a dataset (dataspace, datatype, fill value, filter
 * pipeline, layout), each at the version libhdf5 1.10 writes in `family`
 * (the `…VersionFor` rules of spec-notes/encoding.md). `chunkIndex` gives a
 * chunked dataset's index and its address.
 */
export function datasetMessages(ds: DraftDataset, sizes: FieldSizes, family: FormatFamily, chunkIndex?: { index: ChunkIndex; address: number }): OutgoingMessage[] {
  const out: OutgoingMessage[] = [];
  out.push({ type: MessageType.Dataspace, data: encodeDataspace(ds.space, sizes, dataspaceVersionFor(family, ds.space)) });
  if (ds.committed) {
    out.push({ type: MessageType.Datatype, flags: MessageFlag.Constant | MessageFlag.Shared, data: encodeSharedPointer({ where: 'object-header', address: ds.committed.address ?? 0 }, sizes) });
  } else {
    out.push({ type: MessageType.Datatype, flags: MessageFlag.Constant, data: encodeDatatype(ds.type, sizes, { version: family }) });
  }
  const chunked = ds.layout === 'chunked';
  // Allocation/fill times as h5py's datasets carry them: late + if-set for contiguous, incremental for chunked.
  out.push({
    type: MessageType.FillValue,
    flags: MessageFlag.Constant,
    data: encodeFillValue(
      { allocTime: chunked ? 3 : ds.layout === 'compact' ? 1 : 2, fillTime: chunked ? 0 : 2, defined: ds.fillDefined, value: ds.fill },
      fillValueVersionFor(family),
    ),
  });
  if (ds.filters.length) out.push({ type: MessageType.FilterPipeline, flags: MessageFlag.Constant, data: encodeFilterPipeline(ds.filters, filterPipelineVersionFor(family)) });
  const esz = ds.type.size;
  const n = ds.space.dims.reduce((a, b) => a * b, 1);
  const version = dataLayoutVersionFor(family);
  let layout: DataLayout;
  if (ds.layout === 'compact') layout = { version, class: 'compact', data: ds.compact ?? new Uint8Array(n * esz) };
  else if (ds.layout === 'contiguous') layout = { version, class: 'contiguous', address: ds.contiguousAddress ?? -1, size: n * esz };
  else {
    if (!chunkIndex) throw new H5ValueError('a chunked layout needs its chunk index');
    layout = { version, class: 'chunked', address: chunkIndex.address, chunkDims: ds.chunks!, elementSize: esz, index: chunkIndex.index, dontFilterPartialEdgeChunks: false };
  }
  out.push({ type: MessageType.DataLayout, data: encodeDataLayout(layout, sizes, { version }) });
  return out;
}

/** Local heap + symbol table nodes + group B-tree of one group. */
export function writeGroupTable(g: DraftGroup, alloc: Allocator, sizes: FieldSizes, ks: BTreeKs = DEFAULT_KS): { btree: number; heap: number } {
  const LEAF_K = ks.leafK;
  const names = [...g.links.keys()].sort(compareNames);
  const heap = new LocalHeapBuilder();
  const entries: SymbolTableEntry[] = [];
  for (const name of names) {
    const link = g.links.get(name)!;
    const nameOffset = heap.add(name);
    if (link.kind === 'hard') entries.push({ linkNameOffset: nameOffset, objectHeaderAddress: link.target.address!, cacheType: 0 });
    else if (link.kind === 'soft') {
      const valueOffset = heap.add(link.path);
      entries.push({ linkNameOffset: nameOffset, objectHeaderAddress: -1, cacheType: 2, softLinkOffset: valueOffset });
    } else {
      throw new H5ValueError(`${link.kind} link "${name}" needs the latest format (libver: 'latest'); symbol-table groups cannot hold it`);
    }
  }
  // Header and data segment side by side, as libhdf5 allocates them.
  const { data, freeOffset } = heap.segment(MIN_HEAP_DATA);
  const heapAddress = alloc.alloc(localHeapHeaderSize(sizes) + data.length);
  alloc.sink.write(heapAddress, encodeLocalHeapHeader(sizes, data.length, freeOffset, heapAddress + localHeapHeaderSize(sizes)));
  alloc.sink.write(heapAddress + localHeapHeaderSize(sizes), data);

  // Leaves: full symbol table nodes of 2K entries.
  const leaves: { address: number; lastName: number }[] = [];
  for (let i = 0; i < entries.length; i += 2 * LEAF_K) {
    const part = entries.slice(i, i + 2 * LEAF_K);
    const address = alloc.put(encodeSymbolTableNode(part, sizes, LEAF_K));
    leaves.push({ address, lastName: part[part.length - 1].linkNameOffset });
    void symbolTableNodeSize;
  }
  const key = (heapOffset: number) => new ByteWriter(sizes, sizes.lengthSize).length(heapOffset).finish();
  const btree = writeBTree(
    alloc,
    sizes,
    0,
    ks.internalK,
    leaves.map((l) => ({ address: l.address, left: key(0), right: key(l.lastName) })),
    key(0),
  );
  return { btree, heap: heapAddress };
}

interface Child {
  address: number;
  /** Key before the child. */
  left: Uint8Array;
  /** Key after the child. */
  right: Uint8Array;
}

/**
 * Build a v1 B-tree bottom-up over `children` (already in key order), nodes
 * filled to 2K; returns the root address. Key i of a node is the left key of
 * child i; its last key is the right key of the last child.
 */
function writeBTree(alloc: Allocator, sizes: FieldSizes, type: 0 | 1, k: number, children: Child[], emptyKey: Uint8Array): number {
  let level = 0;
  let layer = children;
  for (;;) {
    if (layer.length <= 2 * k) {
      const keys = layer.length ? [layer[0].left, ...layer.map((c) => c.right)] : [emptyKey];
      return alloc.put(encodeBTreeV1Node(sizes, { type, level, keys, children: layer.map((c) => c.address), k }));
    }
    const next: Child[] = [];
    for (let i = 0; i < layer.length; i += 2 * k) {
      const part = layer.slice(i, i + 2 * k);
      const keys = [part[0].left, ...part.map((c) => c.right)];
      const address = alloc.put(encodeBTreeV1Node(sizes, { type, level, keys, children: part.map((c) => c.address), k }));
      next.push({ address, left: part[0].left, right: part[part.length - 1].right });
    }
    layer = next;
    level++;
  }
}

/** The chunk index of a classic chunked dataset: a v1 B-tree of type 1 over the written chunks. */
export function writeChunkBTree(ds: DraftDataset, alloc: Allocator, sizes: FieldSizes, ks: BTreeKs = DEFAULT_KS): number {
  const cd = ds.chunks!;
  const rank = cd.length;
  const records = sortedChunks(ds);
  const key = (size: number, mask: number, offsets: number[]) => {
    const w = new ByteWriter(sizes, 8 + 8 * (rank + 1)).u32(size).u32(mask);
    for (const o of offsets) w.u64(o);
    return w.u64(0).finish();
  };
  const children: Child[] = records.map((r) => ({
    address: r.address,
    left: key(r.size, r.filterMask, r.scaled.map((s, d) => s * cd[d])),
    // libhdf5's right key of a chunk is the next chunk position in every dimension.
    right: key(0, 0, r.scaled.map((s, d) => (s + 1) * cd[d])),
  }));
  // Inside a node the key between two children is the right one's left key.
  for (let i = 0; i + 1 < children.length; i++) children[i].right = children[i + 1].left;
  void btreeV1NodeSize;
  return writeBTree(alloc, sizes, 1, ks.chunkK, children, key(0, 0, new Array(rank).fill(0)));
}
