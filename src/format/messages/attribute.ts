import type { ByteReader } from '../byte-reader.js';
import { ByteReader as Reader } from '../byte-reader.js';
import { readDataspace, type Dataspace } from './dataspace.js';
import { readDatatype, type Datatype } from './datatype.js';
import { readSharedPointer, type SharedPointer } from './shared-message.js';

/**
 * Attribute message (spec IV.A.2.m), versions 1–3. The datatype (or, rarely,
 * the dataspace) may be shared: then the field holds a shared pointer that
 * the model resolves.
 */
export interface AttributeMessage {
  readonly name: string;
  readonly type: Datatype | SharedPointer;
  readonly space: Dataspace | SharedPointer;
  /** Raw value bytes in the file's encoding. */
  readonly data: Uint8Array;
  readonly dataAddress: number;
  readonly charset: 'ascii' | 'utf8';
  /** Creation order, from the v2 object header or the dense-storage index. */
  creationOrder?: number;
}

export function readAttributeMessage(r: ByteReader): AttributeMessage {
  const version = r.u8();
  if (version < 1 || version > 3) r.fail(`unknown attribute message version ${version}`);
  const flags = version === 1 ? (r.skip(1), 0) : r.u8();
  const nameSize = r.u16();
  const typeSize = r.u16();
  const spaceSize = r.u16();
  const charset = version === 3 ? (r.u8() ? 'utf8' : 'ascii') : 'ascii';
  const pad = (n: number) => (version === 1 ? Math.ceil(n / 8) * 8 : n);
  const nameBytes = r.bytesView(pad(nameSize));
  let end = 0;
  while (end < nameSize && nameBytes[end] !== 0) end++;
  const name = new TextDecoder().decode(nameBytes.subarray(0, end));
  const typeAt = r.here;
  const typeBytes = r.bytesView(pad(typeSize));
  const spaceAt = r.here;
  const spaceBytes = r.bytesView(pad(spaceSize));
  const tr = new Reader(typeBytes, typeAt, 'attribute datatype', r.sizes);
  const sr = new Reader(spaceBytes, spaceAt, 'attribute dataspace', r.sizes);
  const type = flags & 1 ? readSharedPointer(tr) : readDatatype(tr);
  const space = flags & 2 ? readSharedPointer(sr) : readDataspace(sr);
  const dataAddress = r.here;
  return { name, type, space, data: r.bytesView(r.remaining), dataAddress, charset };
}
