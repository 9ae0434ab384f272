import { H5FormatError, H5UnsupportedError } from '../errors.js';
import { ByteReader, isUndefinedAddress } from './byte-reader.js';
import { lookup3, verifyChecksum } from './checksum.js';
import type { FileContext } from './file-context.js';
import { ByteWriter } from './byte-writer.js';

/** Object header message type ids (spec IV.A.2). */
export const MessageType = {
  NIL: 0x00,
  Dataspace: 0x01,
  LinkInfo: 0x02,
  Datatype: 0x03,
  FillValueOld: 0x04,
  FillValue: 0x05,
  Link: 0x06,
  ExternalFileList: 0x07,
  DataLayout: 0x08,
  Bogus: 0x09,
  GroupInfo: 0x0a,
  FilterPipeline: 0x0b,
  Attribute: 0x0c,
  Comment: 0x0d,
  ModificationTimeOld: 0x0e,
  SharedMessageTable: 0x0f,
  Continuation: 0x10,
  SymbolTable: 0x11,
  ModificationTime: 0x12,
  BTreeK: 0x13,
  DriverInfo: 0x14,
  AttributeInfo: 0x15,
  ReferenceCount: 0x16,
  FileSpaceInfo: 0x17,
  CacheImage: 0x18,
} as const;

/** Message flag bits (spec IV.A.1.a/b). */
export const MessageFlag = {
  Constant: 0x01,
  Shared: 0x02,
  DontShare: 0x04,
  FailIfUnknownWrite: 0x08,
  MarkIfUnknown: 0x10,
  WasUnknown: 0x20,
  Shareable: 0x40,
  FailIfUnknownAlways: 0x80,
} as const;

export interface HeaderMessage {
  readonly type: number;
  readonly flags: number;
  /** The message body (a view into file bytes). */
  readonly data: Uint8Array;
  /** File address of the body, for error messages. */
  readonly address: number;
  /** v2 headers tracking attribute creation order store it per message. */
  readonly creationOrder?: number;
}

export interface ObjectHeader {
  readonly address: number;
  readonly version: 1 | 2;
  readonly referenceCount: number;
  readonly messages: HeaderMessage[];
  /** v2 header flags byte (0 for v1). */
  readonly flags: number;
  /** v2 stored times (seconds since the epoch) when flag bit 5 is set. */
  readonly times?: { access: number; modification: number; change: number; birth: number };
  /** v2 attribute phase change values when flag bit 4 is set. */
  readonly attributePhase?: { maxCompact: number; minDense: number };
}

/** Bound on continuation blocks per header; guards against cycles and hostile files. */
const MAX_CHUNKS = 65536;

/**
 * Read an object header of either version (spec IV.A.1.a "Version 1 Object
 * Header", IV.A.1.b "Version 2 Object Header"), following continuation
 * messages into further chunks.
 */
export function readObjectHeader(ctx: FileContext, address: number): ObjectHeader {
  return ctx.cached('OHDR', address, () => {
    if (isUndefinedAddress(address)) throw new H5FormatError('object header', address, 'undefined address');
    const first = ctx.bytes(address, 4, 'object header');
    if (first[0] === 0x4f && first[1] === 0x48 && first[2] === 0x44 && first[3] === 0x52) return readV2(ctx, address);
    if (first[0] === 1) return readV1(ctx, address);
    throw new H5FormatError('object header', address, `unknown object header version ${first[0]} (neither v1 nor "OHDR")`);
  });
}

interface Pending {
  address: number;
  length: number;
}

function followContinuations(ctx: FileContext, msgs: HeaderMessage[], from: number, queue: Pending[], seen: Set<number>) {
  for (let i = from; i < msgs.length; i++) {
    const m = msgs[i];
    if (m.type !== MessageType.Continuation) continue;
    const r = new ByteReader(m.data, m.address, 'continuation message', ctx.sizes);
    const address = r.offset();
    const length = r.lengthField();
    if (seen.has(address)) throw new H5FormatError('object header continuation', m.address, `cycle: block at ${address} already read`);
    if (seen.size >= MAX_CHUNKS) throw new H5FormatError('object header continuation', m.address, 'too many continuation blocks');
    seen.add(address);
    queue.push({ address, length });
  }
}

function readV1(ctx: FileContext, address: number): ObjectHeader {
  const r = ctx.reader(address, 16, 'object header v1');
  r.u8(); // version
  r.skip(1);
  r.u16(); // number of messages: not trusted, the chunks are parsed to their ends
  const referenceCount = r.u32();
  const headerSize = r.u32();
  const messages: HeaderMessage[] = [];
  const seen = new Set<number>([address]);
  const queue: Pending[] = [{ address: address + 16, length: headerSize }];
  while (queue.length) {
    const chunk = queue.shift()!;
    const before = messages.length;
    const c = ctx.reader(chunk.address, chunk.length, 'object header v1 chunk');
    while (c.remaining >= 8) {
      const type = c.u16();
      const size = c.u16();
      const flags = c.u8();
      c.skip(3);
      if (size > c.remaining) c.fail(`message of type ${type} claims ${size} bytes, ${c.remaining} left in the chunk`);
      const at = c.here;
      const data = c.bytesView(size);
      messages.push({ type, flags, data, address: at });
      // Message bodies are padded to 8 bytes in v1 headers; libhdf5 stores sizes already aligned.
      c.align(8);
    }
    followContinuations(ctx, messages, before, queue, seen);
  }
  return { address, version: 1, referenceCount, messages, flags: 0 };
}

function readV2(ctx: FileContext, address: number): ObjectHeader {
  const pre = ctx.readerUpTo(address, 4 + 2 + 16 + 4 + 8, 'object header v2');
  pre.signature('OHDR');
  const version = pre.u8();
  if (version !== 2) throw new H5UnsupportedError(`object header version ${version} at ${address} is not supported`);
  const flags = pre.u8();
  let times: ObjectHeader['times'];
  if (flags & 0x20) {
    times = { access: pre.u32(), modification: pre.u32(), change: pre.u32(), birth: pre.u32() };
  }
  let attributePhase: ObjectHeader['attributePhase'];
  if (flags & 0x10) attributePhase = { maxCompact: pre.u16(), minDense: pre.u16() };
  const chunk0Size = pre.uint(1 << (flags & 3));
  const prefix = pre.pos;
  const whole = ctx.bytes(address, prefix + chunk0Size + 4, 'object header v2');
  verifyChecksum(ctx, whole, address, 'object header v2');
  const tracksOrder = (flags & 0x04) !== 0;
  const messages: HeaderMessage[] = [];
  const seen = new Set<number>([address]);
  const parseMessages = (c: ByteReader) => {
    const headerSize = tracksOrder ? 6 : 4;
    // The chunk ends with the 4-byte checksum; a gap shorter than a message header may precede it.
    while (c.remaining - 4 >= headerSize) {
      const type = c.u8();
      const size = c.u16();
      const mflags = c.u8();
      const creationOrder = tracksOrder ? c.u16() : undefined;
      if (size > c.remaining - 4) c.fail(`message of type ${type} claims ${size} bytes, ${c.remaining - 4} left in the chunk`);
      const at = c.here;
      const data = c.bytesView(size);
      messages.push({ type, flags: mflags, data, address: at, creationOrder });
    }
  };
  const c0 = new ByteReader(whole, address, 'object header v2', ctx.sizes).seek(prefix);
  parseMessages(c0);
  const queue: Pending[] = [];
  followContinuations(ctx, messages, 0, queue, seen);
  while (queue.length) {
    const chunk = queue.shift()!;
    const before = messages.length;
    const bytes = ctx.bytes(chunk.address, chunk.length, 'object header continuation block');
    const c = new ByteReader(bytes, chunk.address, 'object header continuation block', ctx.sizes);
    c.signature('OCHK');
    verifyChecksum(ctx, bytes, chunk.address, 'object header continuation block');
    parseMessages(c);
    followContinuations(ctx, messages, before, queue, seen);
  }
  return { address, version: 2, referenceCount: 1, messages, flags, times, attributePhase };
}

/** A message to encode into an object header. */
export interface OutgoingMessage {
  readonly type: number;
  readonly flags?: number;
  readonly data: Uint8Array;
  readonly creationOrder?: number;
}

/** Bytes a v1 header needs for these messages (8-byte message headers, bodies padded to 8). */
export function objectHeaderV1Size(messages: readonly OutgoingMessage[]): number {
  let n = 16;
  for (const m of messages) n += 8 + Math.ceil(m.data.length / 8) * 8;
  return n;
}

/**
 * Version 1 object header (spec IV.A.1.a) in one chunk. `dataSize` (≥ what the
 * messages need) leaves room for later messages as one NIL message, the way
 * libhdf5 pads headers.
 */
export function encodeObjectHeaderV1(messages: readonly OutgoingMessage[], referenceCount: number, dataSize?: number): Uint8Array {
  const need = objectHeaderV1Size(messages) - 16;
  const size = Math.max(need, dataSize ?? need);
  const w = new ByteWriter(undefined, 16 + size);
  const nil = size - need >= 8 ? 1 : 0;
  w.u8(1).u8(0).u16(messages.length + nil).u32(referenceCount).u32(size).u32(0);
  for (const m of messages) {
    const padded = Math.ceil(m.data.length / 8) * 8;
    w.u16(m.type).u16(padded).u8(m.flags ?? 0).zeros(3).bytes(m.data).zeros(padded - m.data.length);
  }
  if (nil) w.u16(MessageType.NIL).u16(size - need - 8).u8(0).zeros(3).zeros(size - need - 8);
  return w.finish();
}

/** Bytes of a v2 header (spec IV.A.1.b) for these messages. */
export function objectHeaderV2Size(messages: readonly OutgoingMessage[], o: { trackCreationOrder?: boolean; attributePhase?: boolean }): number {
  const mh = o.trackCreationOrder ? 6 : 4;
  let body = 0;
  for (const m of messages) body += mh + m.data.length;
  const widthBytes = body < 0x100 ? 1 : body < 0x10000 ? 2 : 4;
  return 6 + (o.attributePhase ? 4 : 0) + widthBytes + body + 4;
}

/**
 * Version 2 object header "OHDR" (spec IV.A.1.b) in one chunk, no stored
 * times (deterministic output), checksummed.
 */
export function encodeObjectHeaderV2(
  messages: readonly OutgoingMessage[],
  o: { trackCreationOrder?: boolean; indexCreationOrder?: boolean; attributePhase?: { maxCompact: number; minDense: number } } = {},
): Uint8Array {
  const mh = o.trackCreationOrder ? 6 : 4;
  let body = 0;
  for (const m of messages) body += mh + m.data.length;
  const width = body < 0x100 ? 0 : body < 0x10000 ? 1 : 2;
  let flags = width;
  if (o.trackCreationOrder) flags |= 0x04;
  if (o.indexCreationOrder) flags |= 0x08;
  if (o.attributePhase) flags |= 0x10;
  const w = new ByteWriter();
  w.bytes(new TextEncoder().encode('OHDR')).u8(2).u8(flags);
  if (o.attributePhase) w.u16(o.attributePhase.maxCompact).u16(o.attributePhase.minDense);
  w.uint(1 << width, body);
  for (const m of messages) {
    w.u8(m.type).u16(m.data.length).u8(m.flags ?? 0);
    if (o.trackCreationOrder) w.u16(m.creationOrder ?? 0);
    w.bytes(m.data);
  }
  const bytes = w.finish();
  return w.u32(lookup3(bytes)).finish();
}
