import { isUndefinedAddress, ByteReader } from './byte-reader.js';
import type { FileContext } from './file-context.js';
import { MessageType, readObjectHeader } from './object-header.js';

/**
 * The superblock extension (spec II.C, "Superblock Extension"): an object
 * header holding file-level messages that do not fit the fixed superblock.
 * libhdf5 reads and validates it when it opens a file, so h5kit does too.
 */
export interface SuperblockExtension {
  /** Shared object header message table (IV.A.2.p), when SOHM is enabled. */
  readonly sharedMessageTable?: { tableAddress: number; indexCount: number };
  /** Non-default v1 B-tree K values (IV.A.2.t). */
  readonly btreeK?: { indexedStorage: number; groupInternal: number; groupLeaf: number };
  /** File space strategy (IV.A.2.x): informational for a reader. */
  readonly fileSpace?: { version: number; strategy: number; persist: boolean; pageSize?: number };
  readonly driverId?: string;
  /** Where a metadata cache image lies (message 0x18), when libhdf5 saved one. */
  readonly cacheImage?: { address: number; length: number };
}

export function readSuperblockExtension(ctx: FileContext, address: number): SuperblockExtension | undefined {
  if (isUndefinedAddress(address)) return undefined;
  const h = readObjectHeader(ctx, address);
  const out: { -readonly [K in keyof SuperblockExtension]: SuperblockExtension[K] } = {};
  for (const m of h.messages) {
    const r = new ByteReader(m.data, m.address, 'superblock extension message', ctx.sizes);
    switch (m.type) {
      case MessageType.SharedMessageTable: {
        const version = r.u8();
        if (version !== 0) r.fail(`unknown shared message table version ${version}`);
        out.sharedMessageTable = { tableAddress: r.offset(), indexCount: r.u8() };
        break;
      }
      case MessageType.BTreeK: {
        const version = r.u8();
        if (version !== 0) r.fail(`unknown B-tree K values version ${version}`);
        out.btreeK = { indexedStorage: r.u16(), groupInternal: r.u16(), groupLeaf: r.u16() };
        break;
      }
      case MessageType.DriverInfo: {
        const version = r.u8();
        if (version !== 0) r.fail(`unknown driver info version ${version}`);
        out.driverId = new TextDecoder().decode(r.bytesView(8));
        r.bytesView(r.u16());
        break;
      }
      case MessageType.FileSpaceInfo:
        out.fileSpace = readFileSpaceInfo(r);
        break;
      case MessageType.CacheImage: {
        const version = r.u8();
        if (version !== 0) r.fail(`unknown cache image message version ${version}`);
        out.cacheImage = { address: r.offset(), length: r.lengthField() };
        break;
      }
    }
  }
  return out;
}

/**
 * File space info (spec IV.A.2.x). Version 0 is the HDF5 1.10.0 encoding:
 * a strategy byte and threshold, then, for the persisting strategy, one
 * free-space manager address per memory type.
 */
function readFileSpaceInfo(r: ByteReader): SuperblockExtension['fileSpace'] {
  const version = r.u8();
  if (version === 0) {
    const strategy = r.u8();
    if (strategy > 4) r.fail(`unknown file space strategy ${strategy}`);
    r.lengthField(); // threshold
    const persist = strategy === 1;
    if (persist) for (let i = 1; i < 7; i++) r.offset();
    return { version, strategy, persist };
  }
  if (version === 1) {
    const strategy = r.u8();
    if (strategy > 3) r.fail(`unknown file space strategy ${strategy}`);
    const persist = r.u8() !== 0;
    r.lengthField(); // threshold
    const pageSize = r.lengthField();
    r.u16(); // page end metadata threshold
    r.offset(); // EOA before free-space managers were allocated
    if (persist) for (let i = 1; i < 13; i++) r.offset();
    return { version, strategy, persist, pageSize };
  }
  r.fail(`unknown file space info version ${version}`);
}
