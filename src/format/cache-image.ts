import { verifyChecksum } from './checksum.js';
import type { FileContext } from './file-context.js';

/**
 * Metadata cache image "MDCI" (written by libhdf5 1.10+ when cache images are
 * enabled; located by message 0x18 in the superblock extension). It holds
 * the serialised images of metadata entries — object headers, heaps, B-tree
 * nodes — that are then NOT at their addresses on disk: a reader must serve
 * those addresses from the image. Layout as H5C__encode_cache_image_header
 * and _entry write it: signature, version 0, flags, image length (L), entry
 * count (4); per entry: type, flags, ring, age (1 each), three 2-byte flush
 * dependency counts, LRU rank (4), address (O), size (L), one address (O) per
 * flush-dependency parent, then the entry's bytes; a lookup3 checksum ends
 * the block.
 */
export interface CacheImageEntry {
  readonly address: number;
  readonly bytes: Uint8Array;
}

export function readCacheImage(ctx: FileContext, address: number, length: number): CacheImageEntry[] {
  const block = ctx.bytes(address, length, 'metadata cache image');
  const r = ctx.reader(address, length, 'metadata cache image');
  r.signature('MDCI');
  const version = r.u8();
  if (version !== 0) r.fail(`unknown cache image version ${version}`);
  const flags = r.u8();
  if (flags & 0x01) r.fail('cache image with saved resize status is not supported');
  const dataLength = r.lengthField();
  if (dataLength > length) r.fail(`image data length ${dataLength} exceeds the ${length}-byte block`);
  const count = r.u32();
  verifyChecksum(ctx, block.subarray(0, dataLength), address, 'metadata cache image');
  const out: CacheImageEntry[] = [];
  for (let i = 0; i < count; i++) {
    r.skip(4); // type, flags, ring, age
    r.skip(4); // flush dependency child counts
    const parents = r.u16();
    r.skip(4); // LRU rank
    const entryAddress = r.offset();
    const size = r.lengthField();
    r.skip(parents * ctx.sizes.offsetSize);
    out.push({ address: entryAddress, bytes: r.bytesView(size) });
  }
  return out;
}
