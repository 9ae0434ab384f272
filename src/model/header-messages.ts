import { H5FormatError, H5UnsupportedError } from '../errors.js';
import { ByteReader } from '../format/byte-reader.js';
import type { FileContext } from '../format/file-context.js';
import { MessageFlag, MessageType, readObjectHeader, type HeaderMessage, type ObjectHeader } from '../format/object-header.js';
import { readSharedPointer, type SharedPointer } from '../format/messages/shared-message.js';

/**
 * Access to an object header's messages with shared messages resolved: a
 * message flagged "shared" is replaced by the message it points to (in a
 * committed object's header or the SOHM heap).
 */
export function messageReader(ctx: FileContext, m: HeaderMessage, structure: string): ByteReader {
  return new ByteReader(m.data, m.address, structure, ctx.sizes);
}

export function findMessage(h: ObjectHeader, type: number): HeaderMessage | undefined {
  for (const m of h.messages) if (m.type === type) return m;
  return undefined;
}

export function findMessages(h: ObjectHeader, type: number): HeaderMessage[] {
  return h.messages.filter((m) => m.type === type);
}

/** Where a SOHM heap lookup goes (set when the superblock extension has a shared message table). */
export interface SharedMessageStore {
  /** The message body stored in the SOHM heap under this heap ID (`type`, the message type, picks the index's heap when known). */
  read(heapId: Uint8Array, type?: number): Uint8Array;
}

const MAX_SHARED_HOPS = 16;

/**
 * The body of a message, following shared pointers. `committedAddress` is set
 * when the body came from another object's header (a committed datatype).
 */
export function resolveMessage(
  ctx: FileContext,
  m: HeaderMessage,
  sohm?: SharedMessageStore,
): { reader: ByteReader; committedAddress?: number } {
  let cur = m;
  let committedAddress: number | undefined;
  for (let hop = 0; hop < MAX_SHARED_HOPS; hop++) {
    if (!(cur.flags & MessageFlag.Shared)) return { reader: messageReader(ctx, cur, messageName(cur.type)), committedAddress };
    const ptr = readSharedPointer(messageReader(ctx, cur, 'shared message'));
    const next = followShared(ctx, ptr, cur.type, sohm, cur.address);
    if (ptr.where === 'object-header') committedAddress ??= ptr.address;
    cur = next;
  }
  throw new H5FormatError('shared message', m.address, 'too many shared-message hops (cycle?)');
}

export function followShared(ctx: FileContext, ptr: SharedPointer, type: number, sohm: SharedMessageStore | undefined, at: number): HeaderMessage {
  if (ptr.where === 'sohm-heap') {
    if (!sohm) throw new H5FormatError('shared message', at, 'message stored in the shared message heap, but the file has no shared message table');
    const data = sohm.read(ptr.heapId);
    return { type, flags: 0, data, address: at };
  }
  const target = readObjectHeader(ctx, ptr.address);
  const found = findMessage(target, type);
  if (!found) throw new H5FormatError('shared message', at, `object header at ${ptr.address} has no message of type ${type}`);
  return found;
}

const MESSAGE_NAMES = new Map<number, string>(Object.entries(MessageType).map(([k, v]) => [v, `${k} message`]));

export function messageName(type: number): string {
  return MESSAGE_NAMES.get(type) ?? `message type ${type}`;
}

/** Messages libhdf5 refuses to open an object without understanding ("fail if unknown" flags). */
const KNOWN_MESSAGES = new Set<number>(Object.values(MessageType));

export function checkUnknownMessages(h: ObjectHeader): void {
  for (const m of h.messages) {
    if (!KNOWN_MESSAGES.has(m.type) && m.flags & MessageFlag.FailIfUnknownAlways) {
      throw new H5UnsupportedError(`object at ${h.address} has message type ${m.type} that must be understood to read it`);
    }
  }
}
