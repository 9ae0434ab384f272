import { verifyTrailingChecksum } from './checksum.js';
import { H5FormatError } from '../errors.js';
import { ByteReader, isUndefinedAddress } from './byte-reader.js';
import type { FileContext } from './file-context.js';

/** Signature + version + type + checksum: the fixed part of every v2 B-tree node (H5B2_METADATA_PREFIX_SIZE). */
const NODE_PREFIX = 10;
/** Deepest tree h5kit follows; a depth this large would need more records than any file holds. */
const MAX_DEPTH = 64;

/** floor(log2(n)) for a positive integer below 2^53, exactly (H5VM_log2_gen). */
export function log2Floor(n: number): number {
  if (n < 1) return 0;
  if (n < 2 ** 32) return 31 - Math.clz32(n);
  return 32 + 31 - Math.clz32(Math.floor(n / 2 ** 32));
}

/** Bytes needed to encode values up to `limit` (H5VM_limit_enc_size). */
export function limitEncodedSize(limit: number | bigint): number {
  let v = BigInt(limit);
  let bits = -1;
  while (v > 0n) {
    v >>= 1n;
    bits++;
  }
  return Math.floor(Math.max(bits, 0) / 8) + 1;
}

/** Per-depth node geometry, computed the way libhdf5 does in H5B2__hdr_init. */
interface NodeInfo {
  /** Maximum records in a node at this depth (0 = leaf). */
  maxRecords: number;
  /** Bytes of the "total records in child" field of pointers to a node at this depth. */
  totalRecordsSize: number;
}

/**
 * Version 2 B-tree (spec III.A.2): the "BTHD" header, "BTIN" internal
 * nodes and "BTLF" leaves, all checksummed. Records are opaque here; the
 * `decode*Record` helpers below parse the record types of the spec.
 */
export class BTreeV2 {
  /** Size in bytes of the "number of records" field of child pointers. */
  readonly childCountSize: number;
  private readonly info: NodeInfo[];

  private constructor(
    private readonly ctx: FileContext,
    readonly address: number,
    readonly type: number,
    readonly nodeSize: number,
    readonly recordSize: number,
    readonly depth: number,
    readonly rootAddress: number,
    readonly rootRecords: number,
    readonly totalRecords: number,
  ) {
    const o = ctx.sizes.offsetSize;
    const leafMax = Math.floor((nodeSize - NODE_PREFIX) / recordSize);
    if (leafMax < 1) throw new H5FormatError('v2 B-tree header', address, `node size ${nodeSize} holds no record of ${recordSize} bytes`);
    this.childCountSize = limitEncodedSize(leafMax);
    this.info = [{ maxRecords: leafMax, totalRecordsSize: 0 }];
    let cumulative = BigInt(leafMax);
    const mask64 = (1n << 64n) - 1n;
    for (let d = 1; d <= depth; d++) {
      const pointer = o + this.childCountSize + (d > 1 ? this.info[d - 1].totalRecordsSize : 0);
      const max = Math.floor((nodeSize - (NODE_PREFIX + pointer)) / (recordSize + pointer));
      if (max < 1) throw new H5FormatError('v2 B-tree header', address, `node size ${nodeSize} too small for an internal node at depth ${d}`);
      // libhdf5 accumulates in a 64-bit unsigned integer.
      cumulative = ((BigInt(max) + 1n) * cumulative + BigInt(max)) & mask64;
      this.info.push({ maxRecords: max, totalRecordsSize: limitEncodedSize(cumulative) });
    }
  }

  /** Read (once per file) the v2 B-tree whose header is at `address`. */
  static read(ctx: FileContext, address: number): BTreeV2 {
    return ctx.cached('BTHD', address, () => {
      if (isUndefinedAddress(address)) throw new H5FormatError('v2 B-tree header', address, 'undefined address');
      const o = ctx.sizes.offsetSize;
      const l = ctx.sizes.lengthSize;
      const size = 4 + 1 + 1 + 4 + 2 + 2 + 1 + 1 + o + 2 + l + 4;
      const r = ctx.reader(address, size, 'v2 B-tree header');
      r.signature('BTHD');
      const version = r.u8();
      if (version !== 0) r.fail(`unknown v2 B-tree header version ${version}`);
      const type = r.u8();
      const nodeSize = r.u32();
      const recordSize = r.u16();
      const depth = r.u16();
      r.u8(); // split percent
      r.u8(); // merge percent
      const rootAddress = r.offset();
      const rootRecords = r.u16();
      const totalRecords = r.lengthField();
      verifyTrailingChecksum(ctx, r.bytes, address, "v2 B-tree header");
      if (recordSize === 0) r.fail('record size 0');
      if (nodeSize < NODE_PREFIX + recordSize) r.fail(`node size ${nodeSize} is too small`);
      if (depth > MAX_DEPTH) r.fail(`depth ${depth} exceeds ${MAX_DEPTH}`);
      return new BTreeV2(ctx, address, type, nodeSize, recordSize, depth, rootAddress, rootRecords, totalRecords);
    });
  }

  /**
   * Every record in key order, each as a reader over exactly its bytes.
   * Guards: node addresses are visited once (cycles fail), record counts are
   * checked against the node capacity, the depth is the header's.
   */
  records(): ByteReader[] {
    const out: ByteReader[] = [];
    if (isUndefinedAddress(this.rootAddress) || this.rootRecords === 0) return out;
    const seen = new Set<number>();
    this.walk(this.rootAddress, this.rootRecords, this.depth, seen, out);
    return out;
  }

  /**
   * Find one record with a key comparison: `compare(record)` < 0 when the
   * wanted key sorts before the record, 0 on a match, > 0 after it.
   */
  find<T>(compare: (record: ByteReader) => number, decode: (record: ByteReader) => T): T | undefined {
    if (isUndefinedAddress(this.rootAddress) || this.rootRecords === 0) return undefined;
    let address = this.rootAddress;
    let count = this.rootRecords;
    const seen = new Set<number>();
    for (let depth = this.depth; ; depth--) {
      const node = this.readNode(address, count, depth, seen);
      let lo = 0;
      let hi = count;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const c = compare(node.record(mid));
        if (c === 0) return decode(node.record(mid));
        if (c < 0) hi = mid;
        else lo = mid + 1;
      }
      if (depth === 0) return undefined;
      const child = node.children![lo];
      address = child.address;
      count = child.records;
    }
  }

  private walk(address: number, count: number, depth: number, seen: Set<number>, out: ByteReader[]): void {
    const node = this.readNode(address, count, depth, seen);
    if (depth === 0) {
      for (let i = 0; i < count; i++) out.push(node.record(i));
      return;
    }
    const children = node.children!;
    // A full walk reads every child: an async source fetches them in one round (nodes are nodeSize bytes at most).
    this.ctx.want(children.map((c) => ({ address: c.address, length: this.nodeSize })));
    for (let i = 0; i <= count; i++) {
      this.walk(children[i].address, children[i].records, depth - 1, seen, out);
      if (i < count) out.push(node.record(i));
    }
  }

  private readNode(address: number, count: number, depth: number, seen: Set<number>): NodeView {
    const leaf = depth === 0;
    const structure = leaf ? 'v2 B-tree leaf node' : 'v2 B-tree internal node';
    if (isUndefinedAddress(address)) throw new H5FormatError(structure, address, 'child node has an undefined address');
    if (seen.has(address)) throw new H5FormatError(structure, address, 'cycle: node reached twice');
    seen.add(address);
    const info = this.info[depth];
    if (count > info.maxRecords) {
      throw new H5FormatError(structure, address, `${count} records exceed the node capacity of ${info.maxRecords}`);
    }
    const o = this.ctx.sizes.offsetSize;
    const pointerSize = leaf ? 0 : o + this.childCountSize + (depth > 1 ? this.info[depth - 1].totalRecordsSize : 0);
    const size = 6 + count * this.recordSize + (leaf ? 0 : (count + 1) * pointerSize) + 4;
    const bytes = this.ctx.bytes(address, size, structure);
    const r = new ByteReader(bytes, address, structure, this.ctx.sizes);
    r.signature(leaf ? 'BTLF' : 'BTIN');
    const version = r.u8();
    if (version !== 0) r.fail(`unknown node version ${version}`);
    const type = r.u8();
    if (type !== this.type) r.fail(`record type ${type} differs from the header's ${this.type}`);
    verifyTrailingChecksum(this.ctx, bytes, address, structure);
    const recordsAt = 6;
    const recordSize = this.recordSize;
    let children: { address: number; records: number }[] | undefined;
    if (!leaf) {
      r.seek(recordsAt + count * recordSize);
      children = [];
      const childMax = this.info[depth - 1].maxRecords;
      for (let i = 0; i <= count; i++) {
        const a = r.offset();
        const n = r.uint(this.childCountSize);
        if (depth > 1) r.varUint(this.info[depth - 1].totalRecordsSize);
        if (n > childMax) r.fail(`child ${i} claims ${n} records, more than its capacity ${childMax}`);
        children.push({ address: a, records: n });
      }
    }
    const sizes = this.ctx.sizes;
    return {
      children,
      record: (i: number) =>
        new ByteReader(bytes.subarray(recordsAt + i * recordSize, recordsAt + (i + 1) * recordSize), address + recordsAt + i * recordSize, `v2 B-tree type ${type} record`, sizes),
    };
  }
}

interface NodeView {
  children?: { address: number; records: number }[];
  record(i: number): ByteReader;
}

// ---------------------------------------------------------------------------
// Record types (spec III.A.2, "Version 2 B-tree, Type N Record Layout").

/** Types 1–4: "huge" fractal heap objects; 1/2 are reached through an ID, 3/4 directly. */
export interface HugeObjectRecord {
  readonly address: number;
  /** Bytes stored in the file (after filtering, for types 2/4). */
  readonly length: number;
  readonly filterMask: number;
  /** Size after undoing the filters (= length for unfiltered objects). */
  readonly objectSize: number;
  /** Types 1/2 only: the ID the heap ID carries. */
  readonly id: number;
}

export function decodeHugeObjectRecord(type: number, r: ByteReader): HugeObjectRecord {
  const address = r.offset();
  const length = r.lengthField();
  let filterMask = 0;
  let objectSize = length;
  if (type === 2 || type === 4) {
    filterMask = r.u32();
    objectSize = r.lengthField();
  }
  const id = type === 1 || type === 2 ? r.lengthField() : 0;
  return { address, length, filterMask, objectSize, id };
}

/** Type 5: link name index of a dense group (hash of the name, heap ID of the link message). */
export function decodeLinkNameRecord(r: ByteReader): { hash: number; heapId: Uint8Array } {
  const hash = r.u32();
  return { hash, heapId: r.bytesView(r.remaining) };
}

/** Type 6: link creation order index of a dense group. */
export function decodeLinkCreationOrderRecord(r: ByteReader): { creationOrder: number; heapId: Uint8Array } {
  const creationOrder = Number(r.u64big());
  return { creationOrder, heapId: r.bytesView(r.remaining) };
}

/** Type 7 (also the entry of a SOHM list): one shared message of a SOHM index. */
export type SharedMessageRecord =
  | { readonly location: 'heap'; readonly hash: number; readonly referenceCount: number; readonly heapId: Uint8Array }
  | { readonly location: 'object-header'; readonly hash: number; readonly messageType: number; readonly index: number; readonly objectHeaderAddress: number };

export function decodeSharedMessageRecord(r: ByteReader): SharedMessageRecord {
  const location = r.u8();
  const hash = r.u32();
  if (location === 0) {
    const referenceCount = r.u32();
    return { location: 'heap', hash, referenceCount, heapId: r.bytesView(8) };
  }
  if (location === 1) {
    r.u8(); // reserved
    const messageType = r.u8();
    const index = r.u16();
    return { location: 'object-header', hash, messageType, index, objectHeaderAddress: r.offset() };
  }
  r.fail(`unknown shared message location ${location}`);
}

/** Types 8 and 9: attribute name / creation order index of dense attribute storage. */
export interface AttributeIndexRecord {
  readonly heapId: Uint8Array;
  /** Object header message flags of the attribute (bit 1: shared, stored in the SOHM heap). */
  readonly messageFlags: number;
  readonly creationOrder: number;
  /** Type 8 only. */
  readonly hash?: number;
}

export function decodeAttributeRecord(type: 8 | 9, r: ByteReader): AttributeIndexRecord {
  const heapId = r.bytesView(8);
  const messageFlags = r.u8();
  const creationOrder = r.u32();
  const hash = type === 8 ? r.u32() : undefined;
  return { heapId, messageFlags, creationOrder, hash };
}

/** Types 10 and 11: chunks of a dataset indexed by a v2 B-tree (scaled offsets = chunk grid coordinates). */
export interface ChunkIndexRecord {
  readonly address: number;
  /** Type 11 only: stored chunk size. */
  readonly size?: number;
  readonly filterMask: number;
  readonly scaled: number[];
}

export function decodeChunkRecord(type: 10 | 11, r: ByteReader, rank: number, chunkSizeLength: number): ChunkIndexRecord {
  const address = r.offset();
  let size: number | undefined;
  let filterMask = 0;
  if (type === 11) {
    size = r.uint(chunkSizeLength);
    filterMask = r.u32();
  }
  const scaled: number[] = [];
  for (let d = 0; d < rank; d++) scaled.push(r.u64());
  return { address, size, filterMask, scaled };
}
