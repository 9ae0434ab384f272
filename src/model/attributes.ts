import { isUndefinedAddress } from '../format/byte-reader.js';
import type { FileContext } from '../format/file-context.js';
import { readAttributeMessage, type AttributeMessage } from '../format/messages/attribute.js';
import { readAttributeInfo } from '../format/messages/info.js';
import { MessageType, type ObjectHeader } from '../format/object-header.js';
import { need } from '../on-demand/registry.js';
import { findMessage, findMessages, messageReader, resolveMessage } from './header-messages.js';
import { fileSharedMessages } from './sohm.js';
import { compareNames } from './links.js';

/**
 * The attributes of an object, compact (attribute messages in the header) or
 * dense (attribute info message → fractal heap), in h5py's order: creation
 * order when tracked, else by name.
 */
export function objectAttributes(ctx: FileContext, h: ObjectHeader): { attrs: AttributeMessage[]; trackOrder: boolean; dense: boolean } {
  // An attribute message may itself be shared (SOHM): follow the pointer first.
  const compact = findMessages(h, MessageType.Attribute).map((m) => ({
    msg: readAttributeMessage(resolveMessage(ctx, m, fileSharedMessages(ctx)).reader),
    order: m.creationOrder ?? 0,
  }));
  const ai = findMessage(h, MessageType.AttributeInfo);
  const info = ai ? readAttributeInfo(messageReader(ctx, ai, 'attribute info message')) : undefined;
  const dense = !!info && !isUndefinedAddress(info.fractalHeapAddress);
  const trackOrder = !!info?.creationOrderTracked;
  let attrs: { msg: AttributeMessage; order: number }[] = compact;
  if (dense) attrs = attrs.concat(need('denseStorage', 'dense attribute storage (fractal heap)').denseAttributes(ctx, info!).map((msg) => ({ msg, order: msg.creationOrder ?? 0 })));
  if (trackOrder) attrs.sort((a, b) => a.order - b.order);
  else attrs.sort((a, b) => compareNames(a.msg.name, b.msg.name));
  return { attrs: attrs.map((a) => a.msg), trackOrder, dense };
}
