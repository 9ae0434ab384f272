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
import { encodeObjectHeaderV1, MessageFlag, MessageType, objectHeaderV1Size, type OutgoingMessage } from '../format/object-header.js';
import { encodeSuperblockV0 } from '../format/superblock.js';
import { encodeSymbolTableNode, symbolTableNodeSize, type SymbolTableEntry } from '../format/symbol-table.js';
import { compareNames } from '../model/links.js';
import { H5ValueError } from '../errors.js';
import type { Allocator } from './allocator.js';
import { sortedChunks } from './chunk-index-writer.js';
import type { DraftDataset, DraftGroup, DraftNamedType, DraftObject } from './draft.js';

/**
 * Serialises a draft tree in the classic format libhdf5 writes by default
 * (superblock 0, object header 1, symbol-table groups with a v1 B-tree and a
 * local heap, layout message 3, v1 B-tree chunk index): what HDF5 1.8+,
 * jsfive, MATLAB and netCDF read.
 */
const LEAF_K = 4; // symbol table node holds 2K entries
const INTERNAL_K = 16; // group B-tree nodes hold 2K children
const CHUNK_K = 32; // chunk B-tree nodes hold 2K children
/** libhdf5's smallest local heap data segment for a new group. */
const MIN_HEAP_DATA = 88;

/** One attribute of an object, its message encoded once (vlen values already in the global heap). */
export interface EncodedAttribute {
  readonly name: string;
  readonly creationOrder: number;
  /** The attribute message body. */
  readonly message: Uint8Array;
}

/** The attributes of an object in creation order. */
export type AttributeEncoder = (obj: DraftObject) => EncodedAttribute[];

export function serializeClassic(root: DraftGroup, alloc: Allocator, sizes: FieldSizes, encodeAttrs: AttributeEncoder, superblockSize: number): void {
  const objects = collect(root);
  const attrMessages = new Map<DraftObject, Uint8Array[]>();
  for (const o of objects) attrMessages.set(o, encodeAttrs(o).map((a) => a.message));

  // Pass 1: header sizes do not depend on addresses, so headers can be placed first.
  const headerSize = new Map<DraftObject, number>();
  for (const o of objects) {
    const size = objectHeaderV1Size(messages(o, attrMessages.get(o)!, sizes));
    headerSize.set(o, size);
    o.address = alloc.alloc(size);
  }
  // Pass 2: side structures (group heaps and B-trees, chunk B-trees) need child addresses.
  const side = new Map<DraftObject, { btree: number; heap: number }>();
  for (const o of objects) {
    if (o.kind === 'group') side.set(o, writeGroupTable(o, alloc, sizes));
    else if (o.kind === 'dataset' && o.layout === 'chunked') side.set(o, { btree: writeChunkBTree(o, alloc, sizes), heap: -1 });
  }
  // Pass 3: headers with real addresses.
  for (const o of objects) {
    const bytes = encodeObjectHeaderV1(messages(o, attrMessages.get(o)!, sizes, side.get(o)), o.linkCount, headerSize.get(o)! - 16);
    alloc.sink.write(o.address!, bytes);
  }
  const rootSide = side.get(root)!;
  alloc.sink.write(
    0,
    encodeSuperblockV0({
      offsetSize: sizes.offsetSize,
      lengthSize: sizes.lengthSize,
      endOfFile: alloc.end,
      rootHeader: root.address!,
      rootBTree: rootSide.btree,
      rootHeap: rootSide.heap,
      groupLeafK: LEAF_K,
      groupInternalK: INTERNAL_K,
    }).subarray(0, superblockSize),
  );
}

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
  const visit = (o: DraftObject) => {
    if (seen.has(o)) return;
    seen.add(o);
    out.push(o);
    if (o.kind === 'group') for (const l of o.links.values()) if (l.kind === 'hard') visit(l.target);
    if (o.kind === 'dataset' && o.committed) visit(o.committed);
  };
  visit(root);
  for (const o of out) o.linkCount = o === root ? 1 : 0;
  for (const o of out) {
    if (o.kind === 'group') for (const l of o.links.values()) if (l.kind === 'hard') l.target.linkCount++;
    if (o.kind === 'dataset' && o.committed) o.committed.linkCount++;
  }
  return out;
}

/** Messages of a classic header; without `side` (pass 1) addresses are placeholders of the same size. */
function messages(o: DraftObject, attrs: Uint8Array[], sizes: FieldSizes, side?: { btree: number; heap: number }): OutgoingMessage[] {
  const out: OutgoingMessage[] = [];
  if (o.kind === 'group') {
    out.push({ type: MessageType.SymbolTable, data: encodeSymbolTableMessage({ btreeAddress: side?.btree ?? 0, heapAddress: side?.heap ?? 0 }, sizes) });
  } else if (o.kind === 'datatype') {
    out.push(committedTypeMessage(o, sizes, 'earliest'));
  } else {
    const chunkIndex = o.layout === 'chunked' ? { index: { type: 'btree-v1' as const }, address: side?.btree ?? 0 } : undefined;
    out.push(...datasetMessages(o, sizes, 'earliest', chunkIndex));
  }
  for (const a of attrs) out.push({ type: MessageType.Attribute, data: a });
  return out;
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
function writeGroupTable(g: DraftGroup, alloc: Allocator, sizes: FieldSizes): { btree: number; heap: number } {
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
      throw new H5ValueError(`external link "${name}" needs the latest format (libver: 'latest'); symbol-table groups cannot hold it`);
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
    INTERNAL_K,
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
function writeChunkBTree(ds: DraftDataset, alloc: Allocator, sizes: FieldSizes): number {
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
  return writeBTree(alloc, sizes, 1, CHUNK_K, children, key(0, 0, new Array(rank).fill(0)));
}
