import type { ByteReader } from '../byte-reader.js';

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
