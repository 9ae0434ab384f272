import type { ByteReader, FieldSizes } from '../byte-reader.js';
import { ByteReader as Reader } from '../byte-reader.js';
import { ByteWriter, encodeUtf8, type FormatFamily } from '../byte-writer.js';
import { H5ValueError } from '../../errors.js';
import { dataspaceVersionFor, encodeDataspace, readDataspace, type Dataspace } from './dataspace.js';
import { encodeDatatype, readDatatype, type Datatype } from './datatype.js';
import { encodeSharedPointer, readSharedPointer, type SharedPointer } from './shared-message.js';

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

function isShared(x: Datatype | Dataspace | SharedPointer): x is SharedPointer {
  return 'where' in x;
}

/**
 * Attribute message version libhdf5 1.10 writes (H5A__set_version): 3 when
 * the name's character set is not ASCII, else 2 when the datatype or
 * dataspace is shared, else 1; then raised to the family floor (3 for latest).
 */
export function attributeMessageVersionFor(family: FormatFamily, attr: Pick<AttributeMessage, 'type' | 'space' | 'charset'>): 1 | 2 | 3 {
  if (family === 'latest' || attr.charset === 'utf8') return 3;
  return isShared(attr.type) || isShared(attr.space) ? 2 : 1;
}

export interface EncodeAttributeOptions {
  /**
   * Family whose rules pick the embedded datatype and dataspace versions
   * (H5A__create applies H5T_set_version and H5S_set_version). Defaults to
   * `earliest`: the message version alone does not tell the family, since an
   * earliest-family attribute with a UTF-8 name is version 3 too.
   */
  readonly family?: FormatFamily;
}

/**
 * Encode an attribute message body (spec IV.A.2.m) as H5O_attr_encode does:
 * the name (NUL-terminated), datatype and dataspace sizes are exact, but in
 * version 1 each of the three parts is zero-padded to a multiple of 8.
 * Version 2 adds flags (bit 0 shared datatype, bit 1 shared dataspace);
 * version 3 adds the name's character set. The raw value follows.
 */
export function encodeAttributeMessage(
  attr: Pick<AttributeMessage, 'name' | 'type' | 'space' | 'data' | 'charset'>,
  sizes: FieldSizes,
  version: 1 | 2 | 3,
  opts: EncodeAttributeOptions = {},
): Uint8Array {
  const family = opts.family ?? 'earliest';
  const typeShared = isShared(attr.type);
  const spaceShared = isShared(attr.space);
  if (version === 1 && (typeShared || spaceShared)) throw new H5ValueError('a shared datatype or dataspace needs attribute message version 2 or later');
  if (version < 3 && attr.charset === 'utf8') throw new H5ValueError('a UTF-8 attribute name needs attribute message version 3');
  const name = encodeUtf8(attr.name);
  if (name.length === 0 || name.includes(0)) throw new H5ValueError(`invalid attribute name ${JSON.stringify(attr.name)}`);
  const typeBytes = isShared(attr.type) ? encodeSharedPointer(attr.type, sizes) : encodeDatatype(attr.type, sizes, { version: family });
  const space = attr.space;
  const spaceBytes = isShared(space) ? encodeSharedPointer(space, sizes) : encodeDataspace(space, sizes, dataspaceVersionFor(family, space));
  if (name.length + 1 > 0xffff || typeBytes.length > 0xffff || spaceBytes.length > 0xffff) throw new H5ValueError('attribute name, datatype or dataspace too large');
  const pad = (n: number) => (version === 1 ? Math.ceil(n / 8) * 8 - n : 0);
  const w = new ByteWriter(sizes, 32 + name.length + typeBytes.length + spaceBytes.length + attr.data.length);
  w.u8(version).u8(version === 1 ? 0 : (typeShared ? 1 : 0) | (spaceShared ? 2 : 0));
  w.u16(name.length + 1).u16(typeBytes.length).u16(spaceBytes.length);
  if (version === 3) w.u8(attr.charset === 'utf8' ? 1 : 0);
  w.bytes(name).u8(0).zeros(pad(name.length + 1));
  w.bytes(typeBytes).zeros(pad(typeBytes.length));
  w.bytes(spaceBytes).zeros(pad(spaceBytes.length));
  return w.bytes(attr.data).finish();
}
