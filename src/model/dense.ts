import { H5FormatError } from '../errors.js';
import { BTreeV2, decodeAttributeRecord, decodeLinkNameRecord } from '../format/btree-v2.js';
import { ByteReader, isUndefinedAddress } from '../format/byte-reader.js';
import type { FileContext } from '../format/file-context.js';
import { FractalHeap } from '../format/fractal-heap.js';
import { readAttributeMessage, type AttributeMessage } from '../format/messages/attribute.js';
import type { AttributeInfo, LinkInfo } from '../format/messages/info.js';
import { readLinkMessage, type LinkMessage } from '../format/messages/link.js';
import { MessageFlag, MessageType } from '../format/object-header.js';
import type { SharedMessageStore } from './header-messages.js';
import { fileSharedMessages } from './sohm.js';

/**
 * Dense storage of links and attributes (spec IV.A.2.c / IV.A.2.v): message
 * bodies kept in a fractal heap, indexed by v2 B-trees (type 5: link names,
 * type 8: attribute names). Every record of the name index is one message.
 * Order is applied by the caller.
 */
export function denseLinks(ctx: FileContext, info: LinkInfo): LinkMessage[] {
  const heap = FractalHeap.read(ctx, info.fractalHeapAddress);
  if (isUndefinedAddress(info.nameIndexAddress)) {
    throw new H5FormatError('link info message', info.fractalHeapAddress, 'dense link storage has a fractal heap but no name index v2 B-tree');
  }
  const bt = BTreeV2.read(ctx, info.nameIndexAddress);
  if (bt.type !== 5) throw new H5FormatError('v2 B-tree header', bt.address, `link name index has record type ${bt.type}, expected 5`);
  return bt.records().map((rec) => {
    const { heapId } = decodeLinkNameRecord(rec);
    const { data, address } = heap.read(heapId);
    return readLinkMessage(new ByteReader(data, address, 'link message (dense storage)', ctx.sizes));
  });
}

export function denseAttributes(ctx: FileContext, info: AttributeInfo, sohm?: SharedMessageStore): AttributeMessage[] {
  const heap = FractalHeap.read(ctx, info.fractalHeapAddress);
  if (isUndefinedAddress(info.nameIndexAddress)) {
    throw new H5FormatError('attribute info message', info.fractalHeapAddress, 'dense attribute storage has a fractal heap but no name index v2 B-tree');
  }
  const bt = BTreeV2.read(ctx, info.nameIndexAddress);
  if (bt.type !== 8) throw new H5FormatError('v2 B-tree header', bt.address, `attribute name index has record type ${bt.type}, expected 8`);
  return bt.records().map((r) => {
    const at = r.address;
    const rec = decodeAttributeRecord(8, r);
    let data: Uint8Array;
    let address = -1;
    if (rec.messageFlags & MessageFlag.Shared) {
      // A shared attribute: the heap ID names the message in the SOHM heap for attributes.
      const store: SharedMessageStore | undefined = sohm ?? fileSharedMessages(ctx);
      if (!store) throw new H5FormatError('v2 B-tree type 8 record', at, 'attribute is shared but the file has no shared message table');
      data = store.read(rec.heapId, MessageType.Attribute);
    } else {
      ({ data, address } = heap.read(rec.heapId));
    }
    const msg = readAttributeMessage(new ByteReader(data, address, 'attribute message (dense storage)', ctx.sizes));
    msg.creationOrder = rec.creationOrder;
    return msg;
  });
}
