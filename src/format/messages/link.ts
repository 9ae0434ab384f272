import type { ByteReader, FieldSizes } from '../byte-reader.js';
import { ByteWriter, encodeUtf8 } from '../byte-writer.js';
import { H5ValueError } from '../../errors.js';

/** Link message (spec IV.A.2.g): one link of a compact or dense new-style group. */
export type LinkMessage =
  | { readonly kind: 'hard'; readonly name: string; readonly creationOrder?: number; readonly address: number }
  | { readonly kind: 'soft'; readonly name: string; readonly creationOrder?: number; readonly target: string }
  | { readonly kind: 'external'; readonly name: string; readonly creationOrder?: number; readonly file: string; readonly target: string }
  | { readonly kind: 'user-defined'; readonly name: string; readonly creationOrder?: number; readonly linkType: number; readonly data: Uint8Array };

export function readLinkMessage(r: ByteReader): LinkMessage {
  const version = r.u8();
  if (version !== 1) r.fail(`unknown link message version ${version}`);
  const flags = r.u8();
  const linkType = flags & 0x08 ? r.u8() : 0;
  let creationOrder: number | undefined;
  if (flags & 0x04) {
    const v = r.u64big();
    creationOrder = Number(v);
  }
  if (flags & 0x10) r.u8(); // link name charset: names are decoded as UTF-8 either way
  const nameLength = r.uint(1 << (flags & 3));
  if (nameLength === 0) r.fail('empty link name');
  const name = new TextDecoder().decode(r.bytesView(nameLength));
  if (linkType === 0) return { kind: 'hard', name, creationOrder, address: r.offset() };
  const len = r.u16();
  const body = r.bytesView(len);
  if (linkType === 1) return { kind: 'soft', name, creationOrder, target: new TextDecoder().decode(body) };
  if (linkType === 64) {
    // Body: a version/flags byte, then the file name and the object path, each NUL-terminated.
    let i = 1;
    while (i < body.length && body[i] !== 0) i++;
    const file = new TextDecoder().decode(body.subarray(1, i));
    let j = i + 1;
    while (j < body.length && body[j] !== 0) j++;
    const target = new TextDecoder().decode(body.subarray(i + 1, j));
    return { kind: 'external', name, creationOrder, file, target };
  }
  return { kind: 'user-defined', name, creationOrder, linkType, data: body };
}

export interface EncodeLinkOptions {
  /** Character set of the link name (from the link creation property list); ASCII stores no charset field. */
  readonly charset?: 'ascii' | 'utf8';
}

/**
 * Encode a link message body (spec IV.A.2.g) as H5O__link_encode does.
 * Flags: bits 0-1 the width of the name length (1, 2, 4 or 8 bytes, the
 * fewest that hold it), bit 2 creation order present, bit 3 link type present
 * (not for hard links), bit 4 charset present (not for ASCII). The name has no
 * NUL. A soft link's target and a user-defined link's data are preceded by a
 * 2-byte length; an external link's data is a version/flags byte (0), then
 * the file name and object path, each NUL-terminated.
 */
export function encodeLinkMessage(link: LinkMessage, sizes: FieldSizes, opts: EncodeLinkOptions = {}): Uint8Array {
  const name = encodeUtf8(link.name);
  if (name.length === 0) throw new H5ValueError('empty link name');
  const width = name.length > 0xffffffff ? 3 : name.length > 0xffff ? 2 : name.length > 0xff ? 1 : 0;
  const linkType = link.kind === 'hard' ? 0 : link.kind === 'soft' ? 1 : link.kind === 'external' ? 64 : link.linkType;
  if (link.kind === 'user-defined' && (linkType < 64 || linkType > 255)) throw new H5ValueError(`user-defined link type ${linkType} (64-255)`);
  const utf8 = opts.charset === 'utf8';
  let flags = width;
  if (link.creationOrder !== undefined) flags |= 0x04;
  if (linkType !== 0) flags |= 0x08;
  if (utf8) flags |= 0x10;
  const w = new ByteWriter(sizes, 32 + name.length);
  w.u8(1).u8(flags);
  if (linkType !== 0) w.u8(linkType);
  // The creation order is a signed 64-bit value (INT64ENCODE).
  if (link.creationOrder !== undefined) w.uint(8, BigInt.asUintN(64, BigInt(link.creationOrder)));
  if (utf8) w.u8(1);
  w.uint(1 << width, name.length).bytes(name);
  let body: Uint8Array;
  switch (link.kind) {
    case 'hard':
      return w.offset(link.address).finish();
    case 'soft':
      body = encodeUtf8(link.target);
      break;
    case 'external': {
      const file = encodeUtf8(link.file);
      const path = encodeUtf8(link.target);
      body = new Uint8Array(1 + file.length + 1 + path.length + 1);
      body.set(file, 1);
      body.set(path, file.length + 2);
      break;
    }
    case 'user-defined':
      body = link.data;
      break;
  }
  if (body.length > 0xffff) throw new H5ValueError(`link data of ${body.length} bytes exceeds 65535`);
  return w.u16(body.length).bytes(body).finish();
}
