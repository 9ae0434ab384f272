import type { FileContext } from './file-context.js';
import { ByteReader, isUndefinedAddress, UNDEFINED_ADDRESS, type FieldSizes } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';
import { H5FormatError } from '../errors.js';

/** Deepest v1 B-tree h5kit follows; real trees are a few levels deep. */
const MAX_DEPTH = 64;

/** One raw-data chunk as a v1 B-tree (type 1) key describes it (spec III.A.1, "chunked raw data"). */
export interface ChunkRecord {
  /** Element offsets of the chunk's first element, one per dataset dimension. */
  readonly offset: number[];
  readonly address: number;
  /** Stored (possibly filtered) size in bytes. */
  readonly size: number;
  /** Bit i set: filter i of the pipeline was skipped for this chunk. */
  readonly filterMask: number;
}

interface NodeHeader {
  type: number;
  level: number;
  entries: number;
  r: ByteReader;
}

function readNode(ctx: FileContext, address: number, keySize: number, expectType: number): NodeHeader {
  const o = ctx.sizes.offsetSize;
  const head = ctx.reader(address, 8 + 2 * o, 'v1 B-tree node');
  head.signature('TREE');
  const type = head.u8();
  const level = head.u8();
  const entries = head.u16();
  if (type !== expectType) head.fail(`node type ${type}, expected ${expectType}`);
  const body = 8 + 2 * o + entries * (keySize + o) + keySize;
  const r = ctx.reader(address, body, 'v1 B-tree node');
  r.seek(8 + 2 * o);
  return { type, level, entries, r };
}

/**
 * Children of a group B-tree (node type 0) in key order: the addresses of its
 * symbol table nodes. Keys are local-heap offsets of names and are not needed
 * to list a group.
 */
export function groupBTreeLeaves(ctx: FileContext, address: number): number[] {
  const out: number[] = [];
  const seen = new Set<number>();
  const keySize = ctx.sizes.lengthSize;
  const visit = (addr: number, depth: number, expectLevel: number) => {
    if (depth > MAX_DEPTH) throw new H5FormatError('v1 B-tree node', addr, 'tree deeper than 64 levels');
    if (seen.has(addr)) throw new H5FormatError('v1 B-tree node', addr, 'cycle in group B-tree');
    seen.add(addr);
    const { level, entries, r } = readNode(ctx, addr, keySize, 0);
    if (expectLevel >= 0 && level !== expectLevel) r.fail(`level ${level}, parent expected ${expectLevel}`);
    const children: number[] = [];
    for (let i = 0; i < entries; i++) {
      r.skip(keySize);
      const child = r.offset();
      if (isUndefinedAddress(child)) r.fail('undefined child address');
      children.push(child);
    }
    if (level === 0) out.push(...children);
    else {
      // Sibling nodes share this node's K, so its size is a good guess for theirs (an async source fetches them together).
      ctx.want(children.map((c) => ({ address: c, length: r.length })));
      for (const child of children) visit(child, depth + 1, level - 1);
    }
  };
  visit(address, 0, -1);
  return out;
}

/**
 * Chunk records of a chunked dataset's B-tree (node type 1). `rank` is the
 * dataset rank (the key stores rank + 1 offsets, the last one for the element
 * byte offset, always 0). With `lo`/`hi` (chunk-aligned element coordinates of
 * the selection's bounding box) subtrees that lie entirely outside that
 * lexicographic range are skipped.
 */
export function chunkBTreeRecords(
  ctx: FileContext,
  address: number,
  rank: number,
  lo?: number[],
  hi?: number[],
): ChunkRecord[] {
  const out: ChunkRecord[] = [];
  const seen = new Set<number>();
  const keySize = 8 + 8 * (rank + 1);
  const readKey = (r: ByteReader) => {
    const size = r.u32();
    const filterMask = r.u32();
    const offset: number[] = new Array(rank);
    for (let d = 0; d < rank; d++) offset[d] = r.u64();
    r.skip(8);
    return { size, filterMask, offset };
  };
  const visit = (addr: number, depth: number, expectLevel: number) => {
    if (depth > MAX_DEPTH) throw new H5FormatError('v1 B-tree node', addr, 'tree deeper than 64 levels');
    if (seen.has(addr)) throw new H5FormatError('v1 B-tree node', addr, 'cycle in chunk B-tree');
    seen.add(addr);
    const { level, entries, r } = readNode(ctx, addr, keySize, 1);
    if (expectLevel >= 0 && level !== expectLevel) r.fail(`level ${level}, parent expected ${expectLevel}`);
    const keys: { size: number; filterMask: number; offset: number[] }[] = [];
    const children: number[] = [];
    for (let i = 0; i < entries; i++) {
      keys.push(readKey(r));
      children.push(r.offset());
    }
    keys.push(readKey(r));
    if (level === 0) {
      for (let i = 0; i < entries; i++) out.push({ offset: keys[i].offset, address: children[i], size: keys[i].size, filterMask: keys[i].filterMask });
      return;
    }
    // Child i holds chunks in [key i, key i+1): skip it when that range misses [lo, hi].
    // Key i+1 (when it is the next child's left key) bounds child i from above.
    const wanted: number[] = [];
    for (let i = 0; i < entries; i++) {
      if (lo && i + 1 < entries && lexCompare(keys[i + 1].offset, lo) <= 0) continue;
      if (hi && lexCompare(keys[i].offset, hi) > 0) continue;
      wanted.push(children[i]);
    }
    // Sibling nodes share this node's K, so its size is a good guess for theirs (an async source fetches them together).
    ctx.want(wanted.map((c) => ({ address: c, length: r.length })));
    for (const child of wanted) visit(child, depth + 1, level - 1);
  };
  visit(address, 0, -1);
  return out;
}

function lexCompare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

/** Bytes of a v1 B-tree node with room for 2K children (libhdf5 allocates nodes full). */
export function btreeV1NodeSize(sizes: FieldSizes, keySize: number, k: number): number {
  return 8 + 2 * sizes.offsetSize + (2 * k + 1) * keySize + 2 * k * sizes.offsetSize;
}

/**
 * A "TREE" node (spec III.A.1): keys and child addresses interleaved, key 0
 * first and one more key than children; siblings undefined (h5kit writes
 * each level left to right but libhdf5 does not need the sibling links to read).
 */
export function encodeBTreeV1Node(
  sizes: FieldSizes,
  o: { type: 0 | 1; level: number; keys: Uint8Array[]; children: number[]; k: number; left?: number; right?: number },
): Uint8Array {
  const keySize = o.keys[0].length;
  const total = btreeV1NodeSize(sizes, keySize, o.k);
  const w = new ByteWriter(sizes, total);
  w.bytes(new TextEncoder().encode('TREE')).u8(o.type).u8(o.level).u16(o.children.length);
  w.offset(o.left ?? UNDEFINED_ADDRESS).offset(o.right ?? UNDEFINED_ADDRESS);
  for (let i = 0; i < o.children.length; i++) w.bytes(o.keys[i]).offset(o.children[i]);
  w.bytes(o.keys[o.children.length]);
  w.zeros(total - w.pos);
  return w.finish();
}
