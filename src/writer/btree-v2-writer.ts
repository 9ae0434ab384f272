import type { FieldSizes } from '../format/byte-reader.js';
import { UNDEFINED_ADDRESS } from '../format/byte-reader.js';
import { limitEncodedSize } from '../format/btree-v2.js';
import { ByteWriter } from '../format/byte-writer.js';
import { lookup3 } from '../format/checksum.js';
import { H5ValueError } from '../errors.js';
import type { Allocator } from './allocator.js';

/**
 * Writes version 2 B-trees (spec III.A.2: header "BTHD", internal nodes
 * "BTIN", leaves "BTLF", all checksummed) bottom-up from records already in
 * key order. libhdf5 grows its trees by insertion and splits full nodes; a
 * file written at once can instead give every node its final contents, as
 * long as the geometry (records per node, widths of the count fields) is the
 * one libhdf5 derives from the node and record sizes, since readers and
 * later writers recompute it (H5B2__hdr_init).
 */
export interface BTreeV2Params {
  /** Record type (spec III.A.2: 1 huge objects, 5/6 links, 8/9 attributes, 10/11 chunks). */
  readonly type: number;
  readonly recordSize: number;
  /**
   * Bytes per node. libhdf5 uses 512 for the dense link and attribute
   * indexes (H5G_NAME_BT2_NODE_SIZE, H5A_NAME_BT2_NODE_SIZE and the creation
   * order ones) and the huge-object tree (H5HF_HUGE_BT2_NODE_SIZE); 2048 for
   * chunk indexes (H5D_BT2_NODE_SIZE).
   */
  readonly nodeSize?: number;
  /** libhdf5 uses 100/40 for every tree it creates. */
  readonly splitPercent?: number;
  readonly mergePercent?: number;
}

/** Signature + version + type + checksum: the fixed part of every node (H5B2_METADATA_PREFIX_SIZE). */
const NODE_PREFIX = 10;

interface Level {
  /** Records a node at this depth holds at most. */
  maxRecords: number;
  /** Records a subtree rooted at this depth holds at most (libhdf5's cum_max_nrec). */
  capacity: number;
  /** Bytes of the "total records" field of a pointer to a node at this depth (cum_max_nrec_size). */
  totalSize: number;
}

/** Node geometry per depth, computed exactly as H5B2__hdr_init does. */
function geometry(nodeSize: number, recordSize: number, offsetSize: number, depth: number): { levels: Level[]; countSize: number } {
  const leafMax = Math.floor((nodeSize - NODE_PREFIX) / recordSize);
  if (leafMax < 1) throw new H5ValueError(`v2 B-tree node of ${nodeSize} bytes holds no ${recordSize}-byte record`);
  const countSize = limitEncodedSize(leafMax);
  const levels: Level[] = [{ maxRecords: leafMax, capacity: leafMax, totalSize: limitEncodedSize(leafMax) }];
  for (let d = 1; d <= depth; d++) {
    const pointer = offsetSize + countSize + (d > 1 ? levels[d - 1].totalSize : 0);
    const max = Math.floor((nodeSize - (NODE_PREFIX + pointer)) / (recordSize + pointer));
    if (max < 1) throw new H5ValueError(`v2 B-tree node of ${nodeSize} bytes is too small for internal nodes`);
    const capacity = (max + 1) * levels[d - 1].capacity + max;
    levels.push({ maxRecords: max, capacity, totalSize: limitEncodedSize(capacity) });
  }
  return { levels, countSize };
}

/** Size in bytes of a v2 B-tree header (spec III.A.2). */
export function btreeV2HeaderSize(sizes: FieldSizes): number {
  return 4 + 1 + 1 + 4 + 2 + 2 + 1 + 1 + sizes.offsetSize + 2 + sizes.lengthSize + 4;
}

/**
 * Write a v2 B-tree holding `records` (each exactly `recordSize` bytes, in
 * the tree's key order) and return its header address. An empty tree has an
 * undefined root, as libhdf5 leaves a tree whose records were all removed.
 */
export function writeBTreeV2(alloc: Allocator, sizes: FieldSizes, params: BTreeV2Params, records: readonly Uint8Array[]): number {
  const nodeSize = params.nodeSize ?? 512;
  const { recordSize, type } = params;
  for (const r of records) if (r.length !== recordSize) throw new H5ValueError(`v2 B-tree record of ${r.length} bytes, expected ${recordSize}`);
  // Smallest depth whose subtree capacity holds every record.
  let depth = 0;
  let geo = geometry(nodeSize, recordSize, sizes.offsetSize, 0);
  while (records.length > geo.levels[depth].capacity) {
    depth++;
    geo = geometry(nodeSize, recordSize, sizes.offsetSize, depth);
  }
  // libhdf5 allocates the header when the tree is created, before any node.
  const headerAddress = alloc.alloc(btreeV2HeaderSize(sizes));
  let root = { address: UNDEFINED_ADDRESS, count: 0 };
  if (records.length) root = writeSubtree(alloc, sizes, type, nodeSize, geo, depth, records, 0, records.length);
  const w = new ByteWriter(sizes, btreeV2HeaderSize(sizes));
  w.bytes(ascii('BTHD')).u8(0).u8(type).u32(nodeSize).u16(recordSize).u16(depth);
  w.u8(params.splitPercent ?? 100).u8(params.mergePercent ?? 40);
  w.offset(root.address).u16(root.count).length(records.length);
  const body = w.finish();
  alloc.sink.write(headerAddress, w.u32(lookup3(body)).finish());
  return headerAddress;
}

/**
 * Write the subtree of `depth` over records[from, to) and return its root
 * node's address and record count. An internal node takes the fewest
 * children that can hold the records (at least two, so no node is empty)
 * and spreads the records evenly over them: every node then stays above
 * libhdf5's merge threshold, so later deletions by libhdf5 rebalance
 * normally.
 */
function writeSubtree(
  alloc: Allocator,
  sizes: FieldSizes,
  type: number,
  nodeSize: number,
  geo: { levels: Level[]; countSize: number },
  depth: number,
  records: readonly Uint8Array[],
  from: number,
  to: number,
): { address: number; count: number } {
  const n = to - from;
  const node = new ByteWriter(sizes, nodeSize);
  if (depth === 0) {
    if (n > geo.levels[0].maxRecords) throw new H5ValueError('v2 B-tree leaf overflow');
    node.bytes(ascii('BTLF')).u8(0).u8(type);
    for (let i = from; i < to; i++) node.bytes(records[i]);
    return { address: putNode(alloc, node, nodeSize), count: n };
  }
  const childCapacity = geo.levels[depth - 1].capacity;
  const k = Math.max(2, Math.ceil((n + 1) / (childCapacity + 1)));
  if (k - 1 > geo.levels[depth].maxRecords) throw new H5ValueError('v2 B-tree internal node overflow');
  const inChildren = n - (k - 1);
  const base = Math.floor(inChildren / k);
  const extra = inChildren % k;
  const children: { address: number; count: number; total: number }[] = [];
  const separators: Uint8Array[] = [];
  let at = from;
  for (let c = 0; c < k; c++) {
    const m = base + (c < extra ? 1 : 0);
    if (m < 1) throw new H5ValueError('v2 B-tree: too few records for its depth');
    const child = writeSubtree(alloc, sizes, type, nodeSize, geo, depth - 1, records, at, at + m);
    children.push({ ...child, total: m });
    at += m;
    if (c < k - 1) separators.push(records[at++]);
  }
  node.bytes(ascii('BTIN')).u8(0).u8(type);
  for (const s of separators) node.bytes(s);
  for (const c of children) {
    node.offset(c.address).uint(geo.countSize, c.count);
    // Pointers to internal children also carry the records of their whole subtree.
    if (depth > 1) node.uint(geo.levels[depth - 1].totalSize, c.total);
  }
  return { address: putNode(alloc, node, nodeSize), count: k - 1 };
}

/** Checksum the used part of a node, then pad to the node size libhdf5 allocates for every node. */
function putNode(alloc: Allocator, node: ByteWriter, nodeSize: number): number {
  const body = node.finish();
  const bytes = new Uint8Array(nodeSize);
  bytes.set(body);
  new DataView(bytes.buffer).setUint32(body.length, lookup3(body), true);
  if (body.length + 4 > nodeSize) throw new H5ValueError('v2 B-tree node overflow');
  return alloc.put(bytes);
}

function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}
