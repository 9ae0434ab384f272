import type { ByteReader, FieldSizes } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';
import type { FileContext } from './file-context.js';

/**
 * Symbol table entry (spec III.C). The scratch pad caches facts about the
 * object: for cache type 1 the group's B-tree and local heap addresses, for
 * type 2 the offset of a soft link's value in the local heap.
 */
export interface SymbolTableEntry {
  readonly linkNameOffset: number;
  readonly objectHeaderAddress: number;
  readonly cacheType: number;
  readonly btreeAddress?: number;
  readonly heapAddress?: number;
  readonly softLinkOffset?: number;
}

/** libhdf5's default group leaf K (H5F_CRT_SYM_LEAF_DEF): nodes of up to 8 entries. */
export const DEFAULT_LEAF_K = 4;

export function symbolTableEntrySize(offsetSize: number): number {
  return 2 * offsetSize + 4 + 4 + 16;
}

export function readSymbolTableEntry(r: ByteReader): SymbolTableEntry {
  const linkNameOffset = r.uint(r.sizes.offsetSize);
  const objectHeaderAddress = r.offset();
  const cacheType = r.u32();
  r.skip(4);
  const scratchStart = r.pos;
  // One object shape whatever the cache type (listing a group reads every entry).
  const btreeAddress = cacheType === 1 ? r.offset() : undefined;
  const heapAddress = cacheType === 1 ? r.offset() : undefined;
  const softLinkOffset = cacheType === 2 ? r.u32() : undefined;
  r.seek(scratchStart + 16);
  return { linkNameOffset, objectHeaderAddress, cacheType, btreeAddress, heapAddress, softLinkOffset };
}

/**
 * Symbol table node "SNOD" (spec III.B): the leaves of a group's v1 B-tree,
 * holding up to 2K entries sorted by name.
 */
export function readSymbolTableNode(ctx: FileContext, address: number): SymbolTableEntry[] {
  return ctx.cached('SNOD', address, () => {
    const entrySize = symbolTableEntrySize(ctx.sizes.offsetSize);
    // One read for the header and, usually, every entry: nodes hold 2K entries,
    // K = 4 by default (a listing reads one node after another).
    let r = ctx.readerUpTo(address, 8 + 2 * DEFAULT_LEAF_K * entrySize, 'symbol table node');
    r.signature('SNOD');
    const version = r.u8();
    if (version !== 1) r.fail(`unsupported version ${version}`);
    r.skip(1);
    const count = r.u16();
    if (r.remaining < count * entrySize) r = ctx.reader(address, 8 + count * entrySize, 'symbol table node').skip(8);
    const entries: SymbolTableEntry[] = [];
    for (let i = 0; i < count; i++) entries.push(readSymbolTableEntry(r));
    return entries;
  });
}

export function encodeSymbolTableEntry(w: ByteWriter, e: SymbolTableEntry): void {
  w.uint(w.sizes.offsetSize, e.linkNameOffset);
  w.offset(e.objectHeaderAddress);
  w.u32(e.cacheType).u32(0);
  const start = w.pos;
  if (e.cacheType === 1) w.offset(e.btreeAddress!).offset(e.heapAddress!);
  else if (e.cacheType === 2) w.u32(e.softLinkOffset!);
  w.zeros(16 - (w.pos - start));
}

/** Size of a symbol table node holding up to 2K entries; libhdf5 always allocates it full. */
export function symbolTableNodeSize(offsetSize: number, leafK: number): number {
  return 8 + 2 * leafK * symbolTableEntrySize(offsetSize);
}

/** A "SNOD" node (spec III.B) with its entries sorted by name and room for 2K. */
export function encodeSymbolTableNode(entries: SymbolTableEntry[], sizes: FieldSizes, leafK: number): Uint8Array {
  const w = new ByteWriter(sizes, symbolTableNodeSize(sizes.offsetSize, leafK));
  w.bytes(new TextEncoder().encode('SNOD')).u8(1).u8(0).u16(entries.length);
  for (const e of entries) encodeSymbolTableEntry(w, e);
  w.zeros(symbolTableNodeSize(sizes.offsetSize, leafK) - w.pos);
  return w.finish();
}
