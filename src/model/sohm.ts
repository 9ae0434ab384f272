import { isUndefinedAddress } from '../format/byte-reader.js';
import type { FileContext } from '../format/file-context.js';
import { MessageType, readObjectHeader } from '../format/object-header.js';
import { readSuperblock } from '../format/superblock.js';
import { readSharedMessageTableMessage } from '../format/messages/shared-message-table.js';
import { need } from '../on-demand/registry.js';
import { findMessage, messageReader, type SharedMessageStore } from './header-messages.js';

/**
 * The SOHM store of a file whose superblock extension is at
 * `extensionAddress`, or undefined when the file shares no messages.
 * Memoised on the context, so dense attribute storage can reach it too.
 */
export function sharedMessageStore(ctx: FileContext, extensionAddress: number): SharedMessageStore | undefined {
  if (isUndefinedAddress(extensionAddress)) return undefined;
  return ctx.cached('SOHM', extensionAddress, () => {
    const ext = readObjectHeader(ctx, extensionAddress);
    const m = findMessage(ext, MessageType.SharedMessageTable);
    if (!m) return null;
    const msg = readSharedMessageTableMessage(messageReader(ctx, m, 'shared message table message'));
    if (isUndefinedAddress(msg.tableAddress) || msg.indexCount === 0) return null;
    return need('sharedMessages', 'shared object header messages (spec III.H)').openSharedMessages(ctx, msg.tableAddress, msg.indexCount);
  }) ?? undefined;
}

/**
 * The SOHM store of the file behind `ctx`, for code that has the context
 * but not the File (e.g. attributes shared in dense storage). The
 * superblock is read once per context.
 */
export function fileSharedMessages(ctx: FileContext): SharedMessageStore | undefined {
  const extension = ctx.cached('SOHM-extension', 0, () => readSuperblock(ctx.source).extensionAddress);
  return sharedMessageStore(ctx, extension);
}
