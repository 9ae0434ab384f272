import { H5FormatError } from '../errors.js';
import { groupBTreeLeaves } from '../format/btree-v1.js';
import { isUndefinedAddress } from '../format/byte-reader.js';
import type { FileContext } from '../format/file-context.js';
import { LocalHeap } from '../format/local-heap.js';
import { readLinkInfo, readSymbolTableMessage, type LinkInfo } from '../format/messages/info.js';
import { readLinkMessage, type LinkMessage } from '../format/messages/link.js';
import { MessageType, type ObjectHeader } from '../format/object-header.js';
import { DEFAULT_LEAF_K, readSymbolTableNode, symbolTableNodeSize } from '../format/symbol-table.js';
import { need } from '../on-demand/registry.js';
import { findMessage, findMessages, messageReader } from './header-messages.js';

export type Link = LinkMessage;

export interface GroupStorage {
  readonly kind: 'symbol-table' | 'compact' | 'dense';
  readonly trackOrder: boolean;
  readonly linkInfo?: LinkInfo;
}

/** Whether an object header describes a group: old style (symbol table) or new (link info / links). */
export function isGroupHeader(h: ObjectHeader): boolean {
  return !!(findMessage(h, MessageType.SymbolTable) || findMessage(h, MessageType.LinkInfo) || findMessage(h, MessageType.Link));
}

export function groupStorage(ctx: FileContext, h: ObjectHeader): GroupStorage {
  if (findMessage(h, MessageType.SymbolTable)) return { kind: 'symbol-table', trackOrder: false };
  const li = findMessage(h, MessageType.LinkInfo);
  const linkInfo = li ? readLinkInfo(messageReader(ctx, li, 'link info message')) : undefined;
  const dense = !!linkInfo && !isUndefinedAddress(linkInfo.fractalHeapAddress);
  return { kind: dense ? 'dense' : 'compact', trackOrder: !!linkInfo?.creationOrderTracked, linkInfo };
}

/**
 * Byte-wise (strcmp) order of UTF-8 names, as libhdf5 and h5py sort links,
 * which is code point order. UTF-16 code-unit order equals it except where
 * a surrogate (U+D800..DFFF, i.e. a code point above U+FFFF) meets a unit
 * from U+E000 up: there surrogates must sort last (ICU's code point order
 * fix-up). No encoding, no allocation: it runs on every listed link.
 */
export function compareNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let ca = a.charCodeAt(i);
    let cb = b.charCodeAt(i);
    if (ca === cb) continue;
    if (ca >= 0xd800 && cb >= 0xd800) {
      ca += ca >= 0xe000 ? -0x800 : 0x2000;
      cb += cb >= 0xe000 ? -0x800 : 0x2000;
    }
    return ca - cb;
  }
  return a.length - b.length;
}

/** Sort links by name (compareNames), skipping the sort when they already are (symbol-table leaves are). */
function sortByName(links: Link[]): void {
  for (let i = 1; i < links.length; i++) {
    if (compareNames(links[i - 1].name, links[i].name) > 0) {
      links.sort((a, b) => compareNames(a.name, b.name));
      return;
    }
  }
}

/**
 * The links of a group in h5py's iteration order: creation order when the
 * group tracks it, otherwise by name.
 */
export function groupLinks(ctx: FileContext, h: ObjectHeader, hint?: { btreeAddress?: number; heapAddress?: number }): Link[] {
  const st = groupStorage(ctx, h);
  let links: Link[];
  if (st.kind === 'symbol-table') {
    const m = findMessage(h, MessageType.SymbolTable)!;
    const sym = readSymbolTableMessage(messageReader(ctx, m, 'symbol table message'));
    links = symbolTableLinks(ctx, sym.btreeAddress ?? hint?.btreeAddress, sym.heapAddress ?? hint?.heapAddress);
  } else if (st.kind === 'compact') {
    links = findMessages(h, MessageType.Link).map((m) => readLinkMessage(messageReader(ctx, m, 'link message')));
  } else {
    links = need('denseStorage', 'dense link storage (fractal heap)').denseLinks(ctx, st.linkInfo!);
  }
  if (st.trackOrder) links.sort((a, b) => (a.creationOrder ?? 0) - (b.creationOrder ?? 0));
  else sortByName(links);
  return links;
}

/** Links of an old-style group: v1 B-tree → symbol table nodes → names in the local heap (spec IV.A.2.r). */
export function symbolTableLinks(ctx: FileContext, btreeAddress: number, heapAddress: number): Link[] {
  const heap = LocalHeap.read(ctx, heapAddress);
  const out: Link[] = [];
  const leaves = groupBTreeLeaves(ctx, btreeAddress);
  ctx.want(leaves.map((address) => ({ address, length: symbolTableNodeSize(ctx.sizes.offsetSize, DEFAULT_LEAF_K) })));
  for (const leaf of leaves) {
    for (const e of readSymbolTableNode(ctx, leaf)) {
      const name = heap.string(e.linkNameOffset);
      if (e.cacheType === 2) {
        out.push({ kind: 'soft', name, target: heap.string(e.softLinkOffset!) });
      } else {
        if (isUndefinedAddress(e.objectHeaderAddress)) {
          throw new H5FormatError('symbol table entry', leaf, `link "${name}" has an undefined object address`);
        }
        out.push({ kind: 'hard', name, address: e.objectHeaderAddress });
      }
    }
  }
  return out;
}
