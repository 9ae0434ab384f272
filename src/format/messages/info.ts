import type { ByteReader } from '../byte-reader.js';

/** Link info message (spec IV.A.2.c): where a new-style group keeps dense links. */
export interface LinkInfo {
  readonly creationOrderTracked: boolean;
  readonly creationOrderIndexed: boolean;
  readonly fractalHeapAddress: number;
  readonly nameIndexAddress: number;
  readonly creationOrderIndexAddress: number;
}

export function readLinkInfo(r: ByteReader): LinkInfo {
  const version = r.u8();
  if (version !== 0) r.fail(`unknown link info version ${version}`);
  const flags = r.u8();
  if (flags & 1) r.skip(8); // maximum creation index
  const fractalHeapAddress = r.offset();
  const nameIndexAddress = r.offset();
  const creationOrderIndexAddress = flags & 2 ? r.offset() : -1;
  return { creationOrderTracked: (flags & 1) !== 0, creationOrderIndexed: (flags & 2) !== 0, fractalHeapAddress, nameIndexAddress, creationOrderIndexAddress };
}

/** Attribute info message (spec IV.A.2.v): where an object keeps dense attributes. */
export interface AttributeInfo {
  readonly creationOrderTracked: boolean;
  readonly creationOrderIndexed: boolean;
  readonly fractalHeapAddress: number;
  readonly nameIndexAddress: number;
  readonly creationOrderIndexAddress: number;
}

export function readAttributeInfo(r: ByteReader): AttributeInfo {
  const version = r.u8();
  if (version !== 0) r.fail(`unknown attribute info version ${version}`);
  const flags = r.u8();
  if (flags & 1) r.skip(2); // maximum creation index
  const fractalHeapAddress = r.offset();
  const nameIndexAddress = r.offset();
  const creationOrderIndexAddress = flags & 2 ? r.offset() : -1;
  return { creationOrderTracked: (flags & 1) !== 0, creationOrderIndexed: (flags & 2) !== 0, fractalHeapAddress, nameIndexAddress, creationOrderIndexAddress };
}

/** Group info message (spec IV.A.2.k): compact/dense thresholds of a new-style group. */
export interface GroupInfo {
  readonly maxCompact: number;
  readonly minDense: number;
}

export function readGroupInfo(r: ByteReader): GroupInfo {
  const version = r.u8();
  if (version !== 0) r.fail(`unknown group info version ${version}`);
  const flags = r.u8();
  let maxCompact = 8;
  let minDense = 6;
  if (flags & 1) {
    maxCompact = r.u16();
    minDense = r.u16();
  }
  return { maxCompact, minDense };
}

/** Symbol table message (spec IV.A.2.r): an old-style group's B-tree and local heap. */
export interface SymbolTableMessage {
  readonly btreeAddress: number;
  readonly heapAddress: number;
}

export function readSymbolTableMessage(r: ByteReader): SymbolTableMessage {
  return { btreeAddress: r.offset(), heapAddress: r.offset() };
}

/** Modification time (spec IV.A.2.s, new; IV.A.2.o, old ASCII form), as seconds since the epoch. */
export function readModificationTime(r: ByteReader): number {
  const version = r.u8();
  if (version !== 1) r.fail(`unknown modification time version ${version}`);
  r.skip(3);
  return r.u32();
}

export function readModificationTimeOld(r: ByteReader): number {
  const s = new TextDecoder().decode(r.bytesView(14));
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(s);
  if (!m) r.fail(`malformed old modification time ${JSON.stringify(s)}`);
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) / 1000;
}

/** Object comment (spec IV.A.2.n). */
export function readComment(r: ByteReader): string {
  let end = r.pos;
  while (end < r.length && r.bytes[end] !== 0) end++;
  return new TextDecoder().decode(r.bytesView(end - r.pos));
}

/** External data files (spec IV.A.2.h): contiguous data stored in other files. */
export interface ExternalFileList {
  readonly heapAddress: number;
  readonly slots: { nameOffset: number; fileOffset: number; size: number }[];
}

export function readExternalFileList(r: ByteReader): ExternalFileList {
  const version = r.u8();
  if (version !== 1) r.fail(`unknown external file list version ${version}`);
  r.skip(3);
  r.u16(); // allocated slots
  const used = r.u16();
  const heapAddress = r.offset();
  const slots: ExternalFileList['slots'] = [];
  for (let i = 0; i < used; i++) {
    const nameOffset = r.lengthField();
    const fileOffset = r.lengthField();
    // An unlimited size (all ones) is allowed for the last slot.
    const s = r.addressOf(r.sizes.lengthSize);
    slots.push({ nameOffset, fileOffset, size: s < 0 ? Number.MAX_SAFE_INTEGER : s });
  }
  return { heapAddress, slots };
}
