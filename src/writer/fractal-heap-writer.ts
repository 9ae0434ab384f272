import type { FieldSizes } from '../format/byte-reader.js';
import { UNDEFINED_ADDRESS } from '../format/byte-reader.js';
import { limitEncodedSize, log2Floor } from '../format/btree-v2.js';
import { ByteWriter } from '../format/byte-writer.js';
import { lookup3 } from '../format/checksum.js';
import { H5ValueError } from '../errors.js';
import type { Allocator } from './allocator.js';
import { writeBTreeV2 } from './btree-v2-writer.js';

/**
 * Creation parameters of a fractal heap (spec III.G, the "FRHP" header
 * fields of the same names).
 */
export interface FractalHeapParams {
  readonly tableWidth: number;
  readonly startBlockSize: number;
  readonly maxDirectBlockSize: number;
  /** "Maximum heap size": bits of heap offsets. */
  readonly maxHeapBits: number;
  readonly maxManagedObjectSize: number;
  readonly startRootRows: number;
}

/** Dense link storage of a group (H5Gdense.c, H5G_FHEAP_MAN_*): 7-byte heap IDs. */
export const DENSE_LINK_HEAP: FractalHeapParams = {
  tableWidth: 4,
  startBlockSize: 512,
  maxDirectBlockSize: 64 * 1024,
  maxHeapBits: 32,
  maxManagedObjectSize: 4 * 1024,
  startRootRows: 1,
};

/** Dense attribute storage (H5Oprivate.h, H5O_FHEAP_MAN_*, used by H5A__dense_create): 8-byte heap IDs. */
export const DENSE_ATTRIBUTE_HEAP: FractalHeapParams = {
  tableWidth: 4,
  startBlockSize: 1024,
  maxDirectBlockSize: 64 * 1024,
  maxHeapBits: 40,
  maxManagedObjectSize: 4 * 1024,
  startRootRows: 1,
};

/** Heap ID type bits (byte 0, bits 4-5; spec III.G "Fractal Heap ID"). */
const ID_MANAGED = 0x00;
const ID_HUGE = 0x10;
const ID_TINY = 0x20;
/** Header flag bit 1: direct blocks carry a checksum (libhdf5 always sets it for these heaps). */
const FLAG_CHECKSUM_DIRECT = 0x02;
/** libhdf5's huge-object B-tree (H5HFhuge.c, H5HF_HUGE_BT2_NODE_SIZE and the split/merge percents). */
const HUGE_BTREE_NODE_SIZE = 512;

/** A slot of the doubling table that holds a direct block. */
interface Slot {
  /** Heap offset of the block's first byte. */
  readonly offset: number;
  readonly size: number;
  /** (row, column) of each indirect block entry from the root down to the block. */
  readonly path: readonly (readonly [number, number])[];
}

interface DirectBlock {
  readonly slot: Slot;
  used: number;
  readonly objects: { at: number; data: Uint8Array }[];
}

/** A child indirect block being assembled: entries by index (row × width + column). */
interface IndirectNode {
  readonly rows: number;
  readonly offset: number;
  address: number;
  readonly entries: Map<number, number | IndirectNode>;
}

/**
 * Builds a fractal heap as libhdf5 lays one out when objects are inserted
 * one after another and never removed (H5HF_insert): objects no larger than
 * the ID are "tiny" (kept in the ID), objects above the maximum managed
 * size are "huge" (stored on their own, found through a v2 B-tree), the
 * rest are "managed": packed in insertion order into direct blocks taken
 * in doubling-table order, starting with a root direct block and switching
 * to a root indirect block once a second block is needed. A block too small
 * for the next object is skipped and stays unallocated, as libhdf5 does
 * (H5HF__hdr_skip_blocks).
 *
 * Heap IDs depend only on heap offsets, so `add` returns them at once; the
 * blocks get file addresses in `write`.
 *
 * No free-space manager is written (its address is undefined): libhdf5
 * then starts an empty one when it next modifies the heap and allocates new
 * objects in fresh blocks from the allocation iterator.
 */
export class FractalHeapWriter {
  readonly idLength: number;
  private readonly offsetBytes: number;
  private readonly lengthBytes: number;
  private readonly tinyMax: number;
  private readonly tinyExtended: boolean;
  private readonly hugeDirect: boolean;
  private readonly startBits: number;
  private readonly firstRowBits: number;
  private readonly maxDirectRows: number;
  private readonly maxRootRows: number;
  private readonly rowSize: number[] = [];
  private readonly rowOffset: number[] = [];
  /** Direct block header: signature, version, heap address, block offset, checksum. */
  private readonly overhead: number;

  private readonly blocks: DirectBlock[] = [];
  private readonly slotIterator: Iterator<Slot>;
  private current?: DirectBlock;
  private readonly huge: { id: number; data: Uint8Array; heapId: Uint8Array }[] = [];
  private managedCount = 0;
  private managedBytes = 0;
  private tinyCount = 0;
  private tinyBytes = 0;

  constructor(
    private readonly sizes: FieldSizes,
    readonly params: FractalHeapParams,
  ) {
    const p = params;
    const pow2 = (n: number) => n > 0 && 2 ** log2Floor(n) === n;
    if (!pow2(p.tableWidth) || !pow2(p.startBlockSize) || !pow2(p.maxDirectBlockSize) || p.maxDirectBlockSize < p.startBlockSize) {
      throw new H5ValueError('fractal heap: table width and block sizes must be powers of two');
    }
    // Heap ID field widths (H5HF__hdr_finish_init_phase1); an ID length of 0 in the
    // creation parameters means "just long enough for a managed object" (all libhdf5 uses here).
    this.offsetBytes = Math.ceil(p.maxHeapBits / 8);
    this.lengthBytes = Math.min(Math.ceil(log2Floor(p.maxDirectBlockSize) / 8), limitEncodedSize(p.maxManagedObjectSize));
    this.idLength = 1 + this.offsetBytes + this.lengthBytes;
    // Tiny objects (H5HF__tiny_init): up to 16 bytes with a 4-bit length, longer with a 12-bit one.
    const room = this.idLength - 1;
    this.tinyExtended = room > 17;
    this.tinyMax = room <= 16 ? room : room === 17 ? 16 : room - 1;
    // Huge objects (H5HF__huge_init): address and length in the ID when they fit, else a key into the B-tree.
    this.hugeDirect = room >= sizes.offsetSize + sizes.lengthSize;
    // Doubling table (H5HF__dtable_init).
    this.startBits = log2Floor(p.startBlockSize);
    this.firstRowBits = this.startBits + log2Floor(p.tableWidth);
    this.maxDirectRows = log2Floor(p.maxDirectBlockSize) - this.startBits + 2;
    this.maxRootRows = p.maxHeapBits - this.firstRowBits + 1;
    let size = p.startBlockSize;
    let offset = p.startBlockSize * p.tableWidth;
    this.rowSize.push(p.startBlockSize);
    this.rowOffset.push(0);
    for (let row = 1; row < this.maxRootRows; row++) {
      this.rowSize.push(size);
      this.rowOffset.push(offset);
      size *= 2;
      offset *= 2;
    }
    this.overhead = 4 + 1 + sizes.offsetSize + this.offsetBytes + 4;
    this.slotIterator = this.slots(0, this.maxRootRows, []);
  }

  /** Direct block slots of an indirect block (and its children), in heap offset order. */
  private *slots(base: number, rows: number, path: readonly (readonly [number, number])[]): Generator<Slot> {
    for (let row = 0; row < rows; row++) {
      for (let col = 0; col < this.params.tableWidth; col++) {
        const offset = base + this.rowOffset[row] + col * this.rowSize[row];
        const here = [...path, [row, col] as const];
        if (row < this.maxDirectRows) yield { offset, size: this.rowSize[row], path: here };
        else yield* this.slots(offset, this.childRows(row), here);
      }
    }
  }

  /** Rows of the child indirect block sitting in `row` (spec III.G, "Fractal Heap Indirect Block"). */
  private childRows(row: number): number {
    return log2Floor(this.rowSize[row]) - this.firstRowBits + 1;
  }

  /** Store one object; returns its heap ID (spec III.G "Fractal Heap ID": managed, tiny or huge). */
  add(data: Uint8Array): Uint8Array {
    const n = data.length;
    if (n === 0) throw new H5ValueError('fractal heap: empty object');
    const id = new Uint8Array(this.idLength);
    if (n > this.params.maxManagedObjectSize) {
      const key = this.huge.length + 1; // libhdf5 numbers huge objects from 1 (H5HF__huge_insert)
      id[0] = ID_HUGE;
      // Indirect huge IDs carry the key; direct ones get address and length in write(),
      // so index records must be encoded after write() (serialize-latest does).
      if (!this.hugeDirect) id.set(new ByteWriter(this.sizes, 8).uint(Math.min(this.idLength - 1, 8), key).finish(), 1);
      this.huge.push({ id: key, data, heapId: id });
      return id;
    }
    if (n <= this.tinyMax) {
      if (this.tinyExtended) {
        id[0] = ID_TINY | ((n - 1) >> 8);
        id[1] = (n - 1) & 0xff;
        id.set(data, 2);
      } else {
        id[0] = ID_TINY | (n - 1);
        id.set(data, 1);
      }
      this.tinyCount++;
      this.tinyBytes += n;
      return id;
    }
    let block = this.current;
    while (!block || block.slot.size - this.overhead - block.used < n) {
      const next = this.slotIterator.next();
      if (next.done) throw new H5ValueError(`fractal heap full (${this.params.maxHeapBits}-bit offsets)`);
      if (next.value.size - this.overhead < n) continue; // skipped: too small for this object
      block = { slot: next.value, used: 0, objects: [] };
      this.blocks.push(block);
      this.current = block;
    }
    const at = this.overhead + block.used;
    block.objects.push({ at, data });
    block.used += n;
    this.managedCount++;
    this.managedBytes += n;
    const w = new ByteWriter(this.sizes, this.idLength).u8(ID_MANAGED).uint(this.offsetBytes, block.slot.offset + at).uint(this.lengthBytes, n);
    id.set(w.finish());
    return id;
  }

  /** Size of the "FRHP" header (spec III.G), unfiltered. */
  private headerSize(): number {
    const o = this.sizes.offsetSize;
    const l = this.sizes.lengthSize;
    return 4 + 1 + 2 + 2 + 1 + 4 + l + o + l + o + 8 * l + 2 + l + l + 2 + 2 + o + 2 + 4;
  }

  private indirectSize(rows: number): number {
    return 4 + 1 + this.sizes.offsetSize + this.offsetBytes + rows * this.params.tableWidth * this.sizes.offsetSize + 4;
  }

  /** Total capacity for objects of the direct blocks an indirect block of `rows` rows spans (libhdf5 counts it all as free space). */
  private capacity(rows: number): number {
    let total = 0;
    for (let row = 0; row < rows; row++) {
      const each = row < this.maxDirectRows ? this.rowSize[row] - this.overhead : this.capacity(this.childRows(row));
      total += each * this.params.tableWidth;
    }
    return total;
  }

  /** Write the heap; returns the header address. */
  write(alloc: Allocator): number {
    const s = this.sizes;
    const headerAddress = alloc.alloc(this.headerSize());
    const blocks = this.blocks;
    const directRoot = blocks.length === 1 && blocks[0].slot.offset === 0;
    let rootAddress = UNDEFINED_ADDRESS;
    let rootRows = 0;
    let managedSpace = 0;
    let freeSpace = 0;
    let iterator = 0;
    let allocated = 0;
    if (directRoot) {
      rootAddress = this.writeDirect(alloc, headerAddress, blocks[0]);
      managedSpace = blocks[0].slot.size;
      freeSpace = managedSpace - this.overhead - this.managedBytes;
      allocated = managedSpace;
    } else if (blocks.length) {
      // libhdf5 doubles the root indirect block's rows as the heap grows (H5HF__man_iblock_root_double).
      const needed = Math.max(...blocks.map((b) => b.slot.path[0][0])) + 1;
      rootRows = Math.max(this.params.startRootRows, 1);
      while (rootRows < needed) rootRows *= 2;
      rootRows = Math.min(rootRows, this.maxRootRows);
      const root: IndirectNode = { rows: rootRows, offset: 0, address: alloc.alloc(this.indirectSize(rootRows)), entries: new Map() };
      const all: IndirectNode[] = [root];
      for (const b of blocks) {
        let node = root;
        const path = b.slot.path;
        for (let i = 0; i < path.length - 1; i++) {
          const [row, col] = path[i];
          const index = row * this.params.tableWidth + col;
          let child = node.entries.get(index);
          if (child === undefined) {
            const rows = this.childRows(row);
            child = { rows, offset: node.offset + this.rowOffset[row] + col * this.rowSize[row], address: alloc.alloc(this.indirectSize(rows)), entries: new Map() };
            node.entries.set(index, child);
            all.push(child);
          }
          node = child as IndirectNode;
        }
        const [row, col] = path[path.length - 1];
        node.entries.set(row * this.params.tableWidth + col, this.writeDirect(alloc, headerAddress, b));
        allocated += b.slot.size;
      }
      for (const node of all) alloc.sink.write(node.address, this.encodeIndirect(headerAddress, node));
      rootAddress = root.address;
      for (let row = 0; row < rootRows; row++) managedSpace += this.rowSize[row] * this.params.tableWidth;
      freeSpace = this.capacity(rootRows) - this.managedBytes;
      const last = blocks[blocks.length - 1].slot;
      // The allocation iterator points at the slot after the last block created (H5HF__hdr_inc_iter).
      iterator = last.offset + last.size;
    }
    const hugeBTree = this.writeHuge(alloc);
    let hugeBytes = 0;
    for (const h of this.huge) hugeBytes += h.data.length;

    const w = new ByteWriter(s, this.headerSize());
    w.bytes(ascii('FRHP')).u8(0).u16(this.idLength).u16(0).u8(FLAG_CHECKSUM_DIRECT).u32(this.params.maxManagedObjectSize);
    w.length(this.huge.length).offset(hugeBTree);
    w.length(freeSpace).offset(UNDEFINED_ADDRESS);
    w.length(managedSpace).length(allocated).length(iterator).length(this.managedCount);
    w.length(hugeBytes).length(this.huge.length).length(this.tinyBytes).length(this.tinyCount);
    w.u16(this.params.tableWidth).length(this.params.startBlockSize).length(this.params.maxDirectBlockSize);
    w.u16(this.params.maxHeapBits).u16(this.params.startRootRows).offset(rootAddress).u16(rootRows);
    const body = w.finish();
    alloc.sink.write(headerAddress, w.u32(lookup3(body)).finish());
    return headerAddress;
  }

  /** A direct block "FHDB": header, objects, zero fill; the checksum covers the whole block with its field zeroed. */
  private writeDirect(alloc: Allocator, heapAddress: number, b: DirectBlock): number {
    const bytes = new Uint8Array(b.slot.size);
    const head = new ByteWriter(this.sizes, this.overhead).bytes(ascii('FHDB')).u8(0).offset(heapAddress).uint(this.offsetBytes, b.slot.offset).finish();
    bytes.set(head);
    for (const o of b.objects) bytes.set(o.data, o.at);
    new DataView(bytes.buffer).setUint32(head.length, lookup3(bytes), true);
    return alloc.put(bytes);
  }

  /** An indirect block "FHIB": entries row by row (undefined = not allocated), trailing checksum. */
  private encodeIndirect(heapAddress: number, node: IndirectNode): Uint8Array {
    const w = new ByteWriter(this.sizes, this.indirectSize(node.rows));
    w.bytes(ascii('FHIB')).u8(0).offset(heapAddress).uint(this.offsetBytes, node.offset);
    for (let i = 0; i < node.rows * this.params.tableWidth; i++) {
      const e = node.entries.get(i);
      w.offset(e === undefined ? UNDEFINED_ADDRESS : typeof e === 'number' ? e : e.address);
    }
    const body = w.finish();
    return w.u32(lookup3(body)).finish();
  }

  /**
   * Huge objects: each written where the allocator puts it, then indexed by
   * a v2 B-tree, type 1 (key = the ID's number, record = address, length,
   * key) or, when IDs hold the address themselves, type 3 (address, length;
   * sorted by address). Returns the tree address (undefined without huge objects).
   */
  private writeHuge(alloc: Allocator): number {
    if (!this.huge.length) return UNDEFINED_ADDRESS;
    const s = this.sizes;
    const records: Uint8Array[] = [];
    for (const h of this.huge) {
      const address = alloc.put(h.data);
      if (this.hugeDirect) {
        h.heapId.set(new ByteWriter(s).offset(address).length(h.data.length).finish(), 1);
        records.push(new ByteWriter(s).offset(address).length(h.data.length).finish());
      } else {
        records.push(new ByteWriter(s).offset(address).length(h.data.length).length(h.id).finish());
      }
    }
    // Addresses grow with the keys, so both record kinds are already in key order.
    const recordSize = s.offsetSize + s.lengthSize * (this.hugeDirect ? 1 : 2);
    return writeBTreeV2(alloc, s, { type: this.hugeDirect ? 3 : 1, recordSize, nodeSize: HUGE_BTREE_NODE_SIZE }, records);
  }
}

function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}
