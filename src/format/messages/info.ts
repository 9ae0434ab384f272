import type { ByteReader, FieldSizes } from '../byte-reader.js';
import { ByteWriter } from '../byte-writer.js';
import { H5ValueError } from '../../errors.js';

/**
 * Where an object keeps dense storage: the link info message of a new-style
 * group (spec IV.A.2.c) and the attribute info message (IV.A.2.v) have the
 * same fields; only the width of the stored maximum creation index differs
 * (8 bytes for links, 2 for attributes).
 */
export interface DenseStorageInfo {
  readonly creationOrderTracked: boolean;
  readonly creationOrderIndexed: boolean;
  readonly fractalHeapAddress: number;
  readonly nameIndexAddress: number;
  readonly creationOrderIndexAddress: number;
}

export type LinkInfo = DenseStorageInfo;
export type AttributeInfo = DenseStorageInfo;

function readDenseStorageInfo(r: ByteReader, what: string, maxIndexBytes: number): DenseStorageInfo {
  const version = r.u8();
  if (version !== 0) r.fail(`unknown ${what} version ${version}`);
  const flags = r.u8();
  if (flags & 1) r.skip(maxIndexBytes); // maximum creation index
  const fractalHeapAddress = r.offset();
  const nameIndexAddress = r.offset();
  const creationOrderIndexAddress = flags & 2 ? r.offset() : -1;
  return { creationOrderTracked: (flags & 1) !== 0, creationOrderIndexed: (flags & 2) !== 0, fractalHeapAddress, nameIndexAddress, creationOrderIndexAddress };
}

export function readLinkInfo(r: ByteReader): LinkInfo {
  return readDenseStorageInfo(r, 'link info', 8);
}

export function readAttributeInfo(r: ByteReader): AttributeInfo {
  return readDenseStorageInfo(r, 'attribute info', 2);
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

// ---------------------------------------------------------------------------
// Encoders (libhdf5 1.10 writes one version of each of these messages in every family).
// ---------------------------------------------------------------------------

/**
 * Encode a link info message body (spec IV.A.2.c; H5O__linfo_encode):
 * version 0, flags (bit 0 creation order tracked, bit 1 indexed), the
 * maximum creation index (8 bytes, only when tracked), the fractal heap and
 * name index addresses, then the creation order index address when indexed.
 */
function encodeDenseStorageInfo(info: DenseStorageInfo, maxCreationIndex: number | bigint | undefined, maxIndexBytes: number, sizes: FieldSizes): Uint8Array {
  const w = new ByteWriter(sizes, 2 + maxIndexBytes + 3 * sizes.offsetSize);
  w.u8(0).u8((info.creationOrderTracked ? 1 : 0) | (info.creationOrderIndexed ? 2 : 0));
  if (info.creationOrderTracked) w.uint(maxIndexBytes, BigInt.asUintN(8 * maxIndexBytes, BigInt(maxCreationIndex ?? 0)));
  w.offset(info.fractalHeapAddress).offset(info.nameIndexAddress);
  if (info.creationOrderIndexed) w.offset(info.creationOrderIndexAddress);
  return w.finish();
}

/** Link info message body (spec IV.A.2.c): the maximum creation index takes 8 bytes. */
export function encodeLinkInfo(info: LinkInfo & { readonly maxCreationIndex?: number | bigint }, sizes: FieldSizes): Uint8Array {
  return encodeDenseStorageInfo(info, info.maxCreationIndex, 8, sizes);
}

/** Attribute info message body (spec IV.A.2.v): the maximum creation index takes 2 bytes. */
export function encodeAttributeInfo(info: AttributeInfo & { readonly maxCreationIndex?: number }, sizes: FieldSizes): Uint8Array {
  return encodeDenseStorageInfo(info, info.maxCreationIndex, 2, sizes);
}

/**
 * Encode a group info message body (spec IV.A.2.j; H5O_ginfo_encode). The
 * phase change values are stored only when they differ from libhdf5's
 * defaults (8 compact, 6 dense), the estimates only when they differ from
 * theirs (4 entries, names of 8 bytes).
 */
export function encodeGroupInfo(info: GroupInfo & { readonly estimatedEntries?: number; readonly estimatedNameLength?: number }): Uint8Array {
  const phase = info.maxCompact !== 8 || info.minDense !== 6;
  const entries = info.estimatedEntries ?? 4;
  const nameLength = info.estimatedNameLength ?? 8;
  const est = entries !== 4 || nameLength !== 8;
  const w = new ByteWriter(undefined, 10);
  w.u8(0).u8((phase ? 1 : 0) | (est ? 2 : 0));
  if (phase) w.u16(info.maxCompact).u16(info.minDense);
  if (est) w.u16(entries).u16(nameLength);
  return w.finish();
}

/** Encode a symbol table message body (spec IV.A.2.r): the v1 B-tree and local heap addresses. */
export function encodeSymbolTableMessage(m: SymbolTableMessage, sizes: FieldSizes): Uint8Array {
  return new ByteWriter(sizes, 2 * sizes.offsetSize).offset(m.btreeAddress).offset(m.heapAddress).finish();
}

/**
 * Encode the (new) modification time message body (spec IV.A.2.s): version 1,
 * three reserved bytes, seconds since the epoch. libhdf5 1.10 writes this one,
 * never the old ASCII form, and only in version 1 object headers (version 2
 * headers keep times in the header itself).
 */
export function encodeModificationTime(seconds: number): Uint8Array {
  return new ByteWriter(undefined, 8).u8(1).zeros(3).u32(Math.floor(seconds)).finish();
}

/** Encode an object comment message body (spec IV.A.2.n): the text and a NUL. */
export function encodeComment(comment: string): Uint8Array {
  return new ByteWriter(undefined, comment.length + 1).cString(comment).finish();
}

/**
 * Encode an external data files message body (spec IV.A.2.h; H5O__efl_encode):
 * version 1, three reserved bytes, allocated slots (libhdf5 writes the number
 * used), used slots, the local heap address, then per slot the name offset in
 * the heap, the offset in the file and the size, all length-sized. A size of
 * Number.MAX_SAFE_INTEGER or more (the reader's "unlimited") is all ones.
 */
export function encodeExternalFileList(efl: ExternalFileList, sizes: FieldSizes): Uint8Array {
  const n = efl.slots.length;
  if (n > 0xffff) throw new H5ValueError(`${n} external file slots`);
  const w = new ByteWriter(sizes, 8 + sizes.offsetSize + 3 * n * sizes.lengthSize);
  w.u8(1).zeros(3).u16(n).u16(n).offset(efl.heapAddress);
  for (const s of efl.slots) {
    w.uint(sizes.lengthSize, s.nameOffset).uint(sizes.lengthSize, s.fileOffset);
    if (s.size >= Number.MAX_SAFE_INTEGER) w.allOnes(sizes.lengthSize);
    else w.uint(sizes.lengthSize, s.size);
  }
  return w.finish();
}

/** Encode an object header continuation message body (spec IV.A.2.q): the continuation block's address and length. */
export function encodeContinuation(address: number, length: number, sizes: FieldSizes): Uint8Array {
  return new ByteWriter(sizes, sizes.offsetSize + sizes.lengthSize).offset(address).uint(sizes.lengthSize, length).finish();
}

/** Read an object header continuation message body (spec IV.A.2.q). */
export function readContinuation(r: ByteReader): { address: number; length: number } {
  return { address: r.offset(), length: r.lengthField() };
}
