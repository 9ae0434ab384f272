import type { ByteReader, FieldSizes } from '../byte-reader.js';
import { ByteWriter } from '../byte-writer.js';
import { H5ValueError } from '../../errors.js';

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

/**
 * Encode a shared message pointer (spec IV.A.2, "Shared Message") as
 * H5O__shared_encode does in both format families: a committed object
 * (named datatype) is version 2, type 2 ("committed"), then its header
 * address; a message in the shared-message heap is version 3, type 1, then
 * its 8-byte fractal heap ID. libhdf5 no longer writes version 1.
 */
export function encodeSharedPointer(p: SharedPointer, sizes: FieldSizes): Uint8Array {
  const w = new ByteWriter(sizes, 2 + Math.max(8, sizes.offsetSize));
  if (p.where === 'object-header') return w.u8(2).u8(2).offset(p.address).finish();
  if (p.heapId.length !== 8) throw new H5ValueError(`shared message heap ID of ${p.heapId.length} bytes (must be 8)`);
  return w.u8(3).u8(1).bytes(p.heapId).finish();
}
