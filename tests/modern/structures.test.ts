/**
 * Unit tests of the modern-format structure readers on hand-built bytes:
 * fractal heap (managed, tiny, huge, filtered blocks), v2 B-tree, fixed and
 * extensible arrays. Each structure is laid out in a small in-memory image
 * with correct lookup3 checksums, then corrupted on purpose.
 */
import { deflate } from 'pako';
import { describe, expect, it } from 'vitest';
import { H5ChecksumError, H5FormatError } from '../../src/errors.js';
import { BTreeV2, decodeHugeObjectRecord } from '../../src/format/btree-v2.js';
import { ExtensibleArray } from '../../src/format/chunk-index/extensible-array.js';
import { FixedArray } from '../../src/format/chunk-index/fixed-array.js';
import { lookup3 } from '../../src/format/checksum.js';
import { FileContext } from '../../src/format/file-context.js';
import { FractalHeap } from '../../src/format/fractal-heap.js';
import { MemorySource } from '../../src/io/memory-source.js';

// ---------------------------------------------------------------------------
// byte helpers

type Part = Uint8Array | number[] | string;

function le(v: number, n: number): number[] {
  const out: number[] = [];
  let x = v;
  for (let i = 0; i < n; i++) {
    out.push(x % 256);
    x = Math.floor(x / 256);
  }
  return out;
}
const UNDEF = new Array(8).fill(0xff);
const O = (a: number) => (a < 0 ? UNDEF : le(a, 8));
const L = (v: number) => le(v, 8);

function cat(...parts: Part[]): Uint8Array {
  const arrays = parts.map((p) => (typeof p === 'string' ? new TextEncoder().encode(p) : p instanceof Uint8Array ? p : Uint8Array.from(p)));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

/** Append the lookup3 checksum of everything before it. */
function sum(...parts: Part[]): Uint8Array {
  const b = cat(...parts);
  return cat(b, le(lookup3(b), 4));
}

class Image {
  readonly bytes = new Uint8Array(64 * 1024);
  put(address: number, b: Uint8Array): this {
    this.bytes.set(b, address);
    return this;
  }
  ctx(): FileContext {
    return new FileContext(new MemorySource(this.bytes), 0, { offsetSize: 8, lengthSize: 8 });
  }
}

function expectFormatError(fn: () => unknown, structure: string, offset?: number, cls: typeof H5FormatError = H5FormatError): H5FormatError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(cls);
  const fe = err as H5FormatError;
  expect(fe.structure).toBe(structure);
  if (offset !== undefined) expect(fe.offset).toBe(offset);
  return fe;
}

// ---------------------------------------------------------------------------
// fractal heap builders

interface HeapParams {
  idLength: number;
  flags: number;
  maxManaged: number;
  hugeBTree?: number;
  width: number;
  start: number;
  maxDirect: number;
  maxHeapBits: number;
  rootAddress: number;
  rootRows: number;
  /** Deflate pipeline + root filtered size/mask. */
  filtered?: { rootSize: number; rootMask: number };
}

/** Filter pipeline message v2 with deflate level 6. */
const DEFLATE_PIPELINE = [2, 1, ...le(1, 2), ...le(0, 2), ...le(1, 2), ...le(6, 4)];

function heapHeader(p: HeapParams): Uint8Array {
  const filterInfo = p.filtered ? [...L(p.filtered.rootSize), ...le(p.filtered.rootMask, 4), ...DEFLATE_PIPELINE] : [];
  return sum(
    'FRHP', [0], le(p.idLength, 2), le(p.filtered ? DEFLATE_PIPELINE.length : 0, 2), [p.flags], le(p.maxManaged, 4),
    L(0), O(p.hugeBTree ?? -1), L(0), O(-1), L(0), L(0), L(0), L(0), L(0), L(0), L(0), L(0),
    le(p.width, 2), L(p.start), L(p.maxDirect), le(p.maxHeapBits, 2), le(1, 2), O(p.rootAddress), le(p.rootRows, 2),
    filterInfo,
  );
}

/** A direct block image of `size` bytes with `objects` placed at block-relative offsets. */
function directBlock(heapAddress: number, blockOffset: number, offsetSize: number, size: number, checksummed: boolean, objects: [number, Part][]): Uint8Array {
  const b = new Uint8Array(size);
  const head = cat('FHDB', [0], O(heapAddress), le(blockOffset, offsetSize));
  b.set(head, 0);
  for (const [at, data] of objects) b.set(cat(data), at);
  if (checksummed) b.set(le(lookup3(b), 4), head.length); // computed with the field still zero
  return b;
}

function indirectBlock(heapAddress: number, blockOffset: number, offsetSize: number, entries: Part[]): Uint8Array {
  return sum('FHIB', [0], O(heapAddress), le(blockOffset, offsetSize), ...entries);
}

/** Parameters shared by several tests: offsets in 2 bytes, lengths in 1 byte. */
const small = { width: 2, start: 512, maxDirect: 1024, maxHeapBits: 16, maxManaged: 200 };

describe('fractal heap', () => {
  it('reads managed objects from a checksummed root direct block, and tiny objects from the ID', () => {
    const H = 100;
    const img = new Image()
      .put(H, heapHeader({ ...small, idLength: 8, flags: 2, rootAddress: 1000, rootRows: 0 }))
      .put(1000, directBlock(H, 0, 2, 512, true, [[100, 'hello'], [300, 'world!']]));
    const heap = FractalHeap.read(img.ctx(), H);
    expect(heap.heapOffsetSize).toBe(2);
    expect(heap.heapLengthSize).toBe(1); // min(ceil(10 bits / 8), limit size of 200) = min(2, 1)
    const text = (b: Uint8Array) => new TextDecoder().decode(b);
    expect(text(heap.get(Uint8Array.from([0, 100, 0, 5, 0, 0, 0, 0])))).toBe('hello');
    const r = heap.read(Uint8Array.from([0, 44, 1, 6, 0, 0, 0, 0]));
    expect(text(r.data)).toBe('world!');
    expect(r.address).toBe(1300);
    // Tiny: length - 1 in the low nibble of byte 0.
    expect(text(heap.get(Uint8Array.from([0x20 | 2, 0x61, 0x62, 0x63, 0, 0, 0, 0])))).toBe('abc');
    // Outside the block's data.
    expectFormatError(() => heap.get(Uint8Array.from([0, 5, 0, 5, 0, 0, 0, 0])), 'fractal heap direct block', 1000);
  });

  it('reads extended tiny objects when the heap ID is longer than 18 bytes', () => {
    const img = new Image().put(100, heapHeader({ ...small, idLength: 20, flags: 0, rootAddress: -1, rootRows: 0 }));
    const heap = FractalHeap.read(img.ctx(), 100);
    const id = new Uint8Array(20);
    id[0] = 0x20; // length - 1 = 17 over 12 bits: 0x0 / 0x11
    id[1] = 17;
    for (let i = 0; i < 18; i++) id[2 + i] = 65 + i;
    expect(new TextDecoder().decode(heap.get(id))).toBe('ABCDEFGHIJKLMNOPQR');
  });

  it('rejects a direct block whose checksum does not match, naming block and offset', () => {
    const block = directBlock(100, 0, 2, 512, true, [[100, 'hello']]);
    block[101] ^= 0xff;
    const img = new Image().put(100, heapHeader({ ...small, idLength: 8, flags: 2, rootAddress: 1000, rootRows: 0 })).put(1000, block);
    const heap = FractalHeap.read(img.ctx(), 100);
    expectFormatError(() => heap.get(Uint8Array.from([0, 100, 0, 5, 0, 0, 0, 0])), 'fractal heap direct block', 1000, H5ChecksumError);
  });

  it('rejects a header whose checksum does not match', () => {
    const hdr = heapHeader({ ...small, idLength: 8, flags: 2, rootAddress: 1000, rootRows: 0 });
    hdr[20] ^= 1;
    const img = new Image().put(100, hdr);
    expectFormatError(() => FractalHeap.read(img.ctx(), 100), 'fractal heap header', 100, H5ChecksumError);
  });

  it('decodes a filtered root direct block', () => {
    const H = 100;
    const plain = directBlock(H, 0, 2, 512, true, [[64, 'compressed object']]);
    const stored = deflate(plain);
    const img = new Image()
      .put(H, heapHeader({ ...small, idLength: 8, flags: 2, rootAddress: 2000, rootRows: 0, filtered: { rootSize: stored.length, rootMask: 0 } }))
      .put(2000, stored);
    const heap = FractalHeap.read(img.ctx(), H);
    expect(heap.filters.map((f) => f.id)).toEqual([1]);
    const r = heap.read(Uint8Array.from([0, 64, 0, 17, 0, 0, 0, 0]));
    expect(new TextDecoder().decode(r.data)).toBe('compressed object');
    expect(r.address).toBe(-1);
  });

  it('walks a root indirect block with filtered direct block entries', () => {
    const H = 100;
    // width 2, rows 2: blocks at heap offsets 0, 512 (row 0) and 1024, 1536 (row 1).
    const blocks = [0, 512, 1024, 1536].map((off, i) => deflate(directBlock(H, off, 2, 512, false, [[40, `block ${i}`]])));
    let at = 3000;
    const entries: Part[] = [];
    const img = new Image();
    for (const b of blocks) {
      img.put(at, b);
      entries.push(O(at), L(b.length), le(0, 4));
      at += b.length + 16;
    }
    img.put(H, heapHeader({ ...small, idLength: 8, flags: 0, rootAddress: 1000, rootRows: 2, filtered: { rootSize: 0, rootMask: 0 } }));
    img.put(1000, indirectBlock(H, 0, 2, entries));
    const heap = FractalHeap.read(img.ctx(), H);
    for (const [i, off] of [0, 512, 1024, 1536].entries()) {
      const o = off + 40;
      expect(new TextDecoder().decode(heap.get(Uint8Array.from([0, o & 255, o >> 8, 7, 0, 0, 0, 0])))).toBe(`block ${i}`);
    }
  });

  it('fails on a cycle of indirect blocks instead of looping', () => {
    const H = 100;
    // max direct 512 = start: rows 0-1 are direct, row 2 holds indirect blocks.
    const p = { ...small, maxDirect: 512, maxManaged: 100, idLength: 8, flags: 0, rootAddress: 1000, rootRows: 3 };
    const entries: Part[] = [O(-1), O(-1), O(-1), O(-1), O(1000), O(1000)];
    const img = new Image().put(H, heapHeader(p)).put(1000, indirectBlock(H, 0, 2, entries));
    const heap = FractalHeap.read(img.ctx(), H);
    const off = 2048 + 30; // row 2, column 0
    const e = expectFormatError(() => heap.get(Uint8Array.from([0, off & 255, off >> 8, 4, 0, 0, 0, 0])), 'fractal heap indirect block', 1000);
    expect(e.detail).toMatch(/cycle/);
  });

  it('reads huge objects addressed directly by the heap ID, plain and filtered', () => {
    const payload = new TextEncoder().encode('a huge object, stored outside the heap blocks '.repeat(20));
    const packed = deflate(payload);
    const img = new Image()
      .put(100, heapHeader({ ...small, idLength: 17, flags: 0, rootAddress: -1, rootRows: 0 }))
      .put(400, heapHeader({ ...small, idLength: 29, flags: 0, rootAddress: -1, rootRows: 0, filtered: { rootSize: 0, rootMask: 0 } }))
      .put(5000, payload)
      .put(9000, packed);
    const ctx = img.ctx();
    const plain = FractalHeap.read(ctx, 100);
    expect(plain.read(cat([0x10], O(5000), L(payload.length)))).toEqual({ data: payload, address: 5000 });
    const filtered = FractalHeap.read(ctx, 400);
    expect(filtered.get(cat([0x10], O(9000), L(packed.length), le(0, 4), L(payload.length)))).toEqual(payload);
  });

  it('finds huge objects through the v2 B-tree of type 1 records', () => {
    const recs = [1, 2, 3].map((id) => cat(O(6000 + id * 100), L(10 + id), L(id)));
    const img = new Image()
      .put(100, heapHeader({ ...small, idLength: 8, flags: 0, hugeBTree: 300, rootAddress: -1, rootRows: 0 }))
      .put(300, sum('BTHD', [0, 1], le(512, 4), le(24, 2), le(0, 2), [100, 40], O(600), le(3, 2), L(3)))
      .put(600, sum('BTLF', [0, 1], ...recs));
    for (const id of [1, 2, 3]) img.put(6000 + id * 100, new Uint8Array(10 + id).fill(id));
    const heap = FractalHeap.read(img.ctx(), 100);
    // 8-byte IDs cannot hold address + length: a 7-byte object ID instead.
    expect(heap.get(cat([0x10], le(2, 7)))).toEqual(new Uint8Array(12).fill(2));
    expect(heap.get(cat([0x10], le(3, 7)))).toEqual(new Uint8Array(13).fill(3));
    expectFormatError(() => heap.get(cat([0x10], le(9, 7))), 'fractal heap', 100);
  });
});

// ---------------------------------------------------------------------------
// v2 B-tree

describe('v2 B-tree', () => {
  /** Type 1 records (address, length, id) of 24 bytes; 512-byte nodes hold 20. */
  const rec = (id: number) => cat(O(id * 10), L(id), L(id));
  const header = (root: number, depth: number, rootRecords: number, total: number) =>
    sum('BTHD', [0, 1], le(512, 4), le(24, 2), le(depth, 2), [100, 40], O(root), le(rootRecords, 2), L(total));

  it('iterates a two-level tree in key order and finds records', () => {
    // Internal node: child pointers are address + 1-byte record count (20 records fit a leaf).
    const img = new Image()
      .put(100, header(200, 1, 1, 5))
      .put(200, sum('BTIN', [0, 1], rec(3), O(1000), [2], O(2000), [2]))
      .put(1000, sum('BTLF', [0, 1], rec(1), rec(2)))
      .put(2000, sum('BTLF', [0, 1], rec(4), rec(5)));
    const bt = BTreeV2.read(img.ctx(), 100);
    expect(bt.records().map((r) => decodeHugeObjectRecord(1, r).id)).toEqual([1, 2, 3, 4, 5]);
    for (const id of [1, 3, 5]) {
      expect(bt.find((r) => id - decodeHugeObjectRecord(1, r).id, (r) => decodeHugeObjectRecord(1, r))?.address).toBe(id * 10);
    }
    expect(bt.find((r) => 6 - decodeHugeObjectRecord(1, r).id, (r) => r)).toBeUndefined();
  });

  it('fails on a node reached twice (cycle) instead of looping', () => {
    const img = new Image()
      .put(100, header(200, 1, 1, 5))
      .put(200, sum('BTIN', [0, 1], rec(3), O(1000), [2], O(1000), [2]))
      .put(1000, sum('BTLF', [0, 1], rec(1), rec(2)));
    const e = expectFormatError(() => BTreeV2.read(img.ctx(), 100).records(), 'v2 B-tree leaf node', 1000);
    expect(e.detail).toMatch(/cycle/);
  });

  it('fails on an internal node pointing to itself', () => {
    const img = new Image()
      .put(100, header(200, 2, 1, 5))
      .put(200, sum('BTIN', [0, 1], rec(3), O(200), [1], le(1, 2), O(200), [1], le(1, 2)));
    expectFormatError(() => BTreeV2.read(img.ctx(), 100).records(), 'v2 B-tree internal node', 200);
  });

  it('names the node and its offset on a checksum mismatch', () => {
    const leaf = sum('BTLF', [0, 1], rec(1), rec(2));
    leaf[10] ^= 0x40;
    const img = new Image().put(100, header(1000, 0, 2, 2)).put(1000, leaf);
    expectFormatError(() => BTreeV2.read(img.ctx(), 100).records(), 'v2 B-tree leaf node', 1000, H5ChecksumError);
  });

  it('rejects a child claiming more records than a node holds', () => {
    const img = new Image()
      .put(100, header(200, 1, 1, 5))
      .put(200, sum('BTIN', [0, 1], rec(3), O(1000), [200], O(2000), [2]));
    expectFormatError(() => BTreeV2.read(img.ctx(), 100).records(), 'v2 B-tree internal node');
  });
});

// ---------------------------------------------------------------------------
// fixed and extensible arrays

describe('fixed array', () => {
  it('reads a paged data block, skipping uninitialised pages', () => {
    // 10 elements, pages of 4: pages 0 and 2 initialised (bitmap 0b1010_0000).
    const page0 = sum(O(7000), O(-1), O(7200), O(7300));
    const page2 = sum(O(7800), O(7900));
    const prefix = sum('FADB', [0, 0], O(100), [0xa0]);
    const img = new Image()
      .put(100, sum('FAHD', [0, 0, 8, 2], L(10), O(500)))
      .put(500, prefix)
      .put(500 + prefix.length, page0)
      .put(500 + prefix.length + 36, new Uint8Array(36).fill(0xee)) // page 1: never written
      .put(500 + prefix.length + 72, page2);
    const ctx = img.ctx();
    const fa = FixedArray.read(ctx, 100);
    const e = fa.entries(ctx);
    expect(Array.from(e.index)).toEqual([0, 2, 3, 8, 9]);
    expect(Array.from(e.address)).toEqual([7000, 7200, 7300, 7800, 7900]);
    expect(Array.from(e.size)).toEqual([-1, -1, -1, -1, -1]);
  });

  it('names the page and its offset on a page checksum mismatch', () => {
    const page0 = sum(O(7000), O(7100), O(7200), O(7300));
    page0[3] ^= 1;
    const prefix = sum('FADB', [0, 0], O(100), [0x80]);
    const img = new Image().put(100, sum('FAHD', [0, 0, 8, 2], L(6), O(500))).put(500, prefix).put(500 + prefix.length, page0);
    const ctx = img.ctx();
    expectFormatError(() => FixedArray.read(ctx, 100).entries(ctx), 'fixed array data block page', 500 + prefix.length, H5ChecksumError);
  });

  it('reads filtered elements (address, chunk size, filter mask)', () => {
    // Element = 8-byte address + 3-byte size + 4-byte mask.
    const img = new Image()
      .put(100, sum('FAHD', [0, 1, 15, 10], L(2), O(500)))
      .put(500, sum('FADB', [0, 1], O(100), O(9000), le(70000, 3), le(2, 4), O(-1), le(0, 3), le(0, 4)));
    const ctx = img.ctx();
    const e = FixedArray.read(ctx, 100).entries(ctx);
    expect(e.count).toBe(1);
    expect([e.address[0], e.size[0], e.mask[0]]).toEqual([9000, 70000, 2]);
  });
});

describe('extensible array', () => {
  it('reads elements from the index block, its data blocks and super blocks', () => {
    // max 2^8 elements, 2 in the index block, data blocks of >= 2 elements, 2 pointers per super block:
    // super blocks 0,1 are reached from the index block (2 data block addresses), 2..7 through 6 super block addresses.
    const el = (i: number) => O(10000 + i);
    const img = new Image()
      .put(100, sum('EAHD', [0, 0, 8, 8, 2, 2, 2, 10], L(0), L(0), L(0), L(0), L(20), L(0), O(300)))
      .put(300, sum('EAIB', [0, 0], O(100), el(0), O(-1), O(-1), O(800), O(1200), O(-1), O(-1), O(-1), O(-1), O(-1)))
      // super block 1: one data block of 4 elements, array indexes 4..7
      .put(800, sum('EADB', [0, 0], O(100), [2], el(4), O(-1), el(6), el(7)))
      // super block 2: two data blocks of 4 elements (indexes 8..11, 12..15), the first unallocated
      .put(1200, sum('EASB', [0, 0], O(100), [6], O(-1), O(1500)))
      .put(1500, sum('EADB', [0, 0], O(100), [10], el(12), O(-1), O(-1), el(15)));
    const ctx = img.ctx();
    const ea = ExtensibleArray.read(ctx, 100);
    expect(ea.superBlocks.slice(0, 4).map((s) => [s.dataBlocks, s.dataBlockElements, s.startIndex])).toEqual([
      [1, 2, 0],
      [1, 4, 2],
      [2, 4, 6],
      [2, 8, 14],
    ]);
    const e = ea.entries(ctx);
    expect(Array.from(e.index)).toEqual([0, 4, 6, 7, 12, 15]);
    expect(Array.from(e.address)).toEqual([10000, 10004, 10006, 10007, 10012, 10015]);
  });

  it('rejects a header with inconsistent geometry', () => {
    // 2^1 elements at most, but data blocks of 4: libhdf5 would underflow its super block count.
    const img = new Image().put(100, sum('EAHD', [0, 0, 8, 1, 2, 4, 2, 10], L(0), L(0), L(0), L(0), L(0), L(0), O(-1)));
    expectFormatError(() => ExtensibleArray.read(img.ctx(), 100), 'extensible array header', 100);
  });

  it('names the index block on a checksum mismatch', () => {
    const iblock = sum('EAIB', [0, 0], O(100), O(-1), O(-1), O(-1), O(-1), O(-1), O(-1), O(-1), O(-1), O(-1), O(-1));
    iblock[20] ^= 1;
    const img = new Image().put(100, sum('EAHD', [0, 0, 8, 8, 2, 2, 2, 10], L(0), L(0), L(0), L(0), L(0), L(0), O(300))).put(300, iblock);
    const ctx = img.ctx();
    expectFormatError(() => ExtensibleArray.read(ctx, 100).entries(ctx), 'extensible array index block', 300, H5ChecksumError);
  });
});
