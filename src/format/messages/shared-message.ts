import type { ByteReader } from '../byte-reader.js';

/**
 * A message whose "shared" flag is set stores a pointer instead of its body
 * (spec IV.A.2, "Shared Message"): to a committed object's header (typically
 * a named datatype) or, version 3 type 1, to an entry in the SOHM heap.
 */
export type SharedPointer =
  | { readonly where: 'object-header'; readonly address: number }
  | { readonly where: 'sohm-heap'; readonly heapId: Uint8Array };

export function readSharedPointer(r: ByteReader): SharedPointer {
  const version = r.u8();
  const type = r.u8();
  if (version === 1) {
    // Version 1 (HDF5 1.6) stores a whole object location: a name offset, then the header address.
    r.skip(6);
    r.offset();
    return { where: 'object-header', address: r.offset() };
  }
  if (version === 2) return { where: 'object-header', address: r.offset() };
  if (version === 3) {
    if (type === 1) return { where: 'sohm-heap', heapId: r.bytesView(8) };
    if (type === 2) return { where: 'object-header', address: r.offset() };
    r.fail(`unknown shared message type ${type}`);
  }
  r.fail(`unknown shared message version ${version}`);
}
