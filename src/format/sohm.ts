import { verifyTrailingChecksum } from './checksum.js';
import { H5FormatError } from '../errors.js';
import { ByteReader, isUndefinedAddress } from './byte-reader.js';
import { BTreeV2, decodeSharedMessageRecord, type SharedMessageRecord } from './btree-v2.js';
import type { FileContext } from './file-context.js';

/** One index of the master table: which message types it shares and where its index and heap are. */
export interface SharedMessageIndex {
  readonly indexType: 'list' | 'btree';
  /** Bit `1 << type` set for each message type the index holds (H5O_SHMESG_*_FLAG). */
  readonly messageTypeFlags: number;
  readonly minMessageSize: number;
  readonly listCutoff: number;
  readonly btreeCutoff: number;
  readonly messageCount: number;
  readonly indexAddress: number;
  readonly heapAddress: number;
}

/**
 * Shared Object Header Message Table (spec III.H, signature "SMTB"): one
 * header per index, then a checksum.
 */
export class SharedMessageMasterTable {
  private constructor(
    readonly address: number,
    readonly indexes: SharedMessageIndex[],
  ) {}

  static read(ctx: FileContext, address: number, indexCount: number): SharedMessageMasterTable {
    return ctx.cached('SMTB', address, () => {
      const structure = 'shared object header message table';
      if (isUndefinedAddress(address)) throw new H5FormatError(structure, address, 'undefined address');
      const o = ctx.sizes.offsetSize;
      const entry = 1 + 1 + 2 + 4 + 2 + 2 + 2 + o + o;
      const r = ctx.reader(address, 4 + indexCount * entry + 4, structure);
      r.signature('SMTB');
      verifyTrailingChecksum(ctx, r.bytes, address, structure);
      const indexes: SharedMessageIndex[] = [];
      for (let i = 0; i < indexCount; i++) {
        const version = r.u8();
        if (version !== 0) r.fail(`index ${i}: unknown version ${version}`);
        const t = r.u8();
        if (t !== 0 && t !== 1) r.fail(`index ${i}: unknown index type ${t}`);
        indexes.push({
          indexType: t === 0 ? 'list' : 'btree',
          messageTypeFlags: r.u16(),
          minMessageSize: r.u32(),
          listCutoff: r.u16(),
          btreeCutoff: r.u16(),
          messageCount: r.u16(),
          indexAddress: r.offset(),
          heapAddress: r.offset(),
        });
      }
      return new SharedMessageMasterTable(address, indexes);
    });
  }
}

/** Size of one shared message record (H5SM_SOHM_ENTRY_SIZE): location, hash, then the larger of the two bodies. */
export function sharedMessageRecordSize(offsetSize: number): number {
  return 1 + 4 + Math.max(4 + 8, 1 + 1 + 2 + offsetSize);
}

/**
 * Shared Message Record List (spec III.H, signature "SMLI"): the records of
 * a list-type index. The checksum follows the used records (libhdf5
 * allocates room for the list cutoff but checksums only what is used).
 */
export function readSharedMessageList(ctx: FileContext, address: number, count: number): SharedMessageRecord[] {
  const structure = 'shared message record list';
  if (isUndefinedAddress(address)) throw new H5FormatError(structure, address, 'undefined address');
  const size = sharedMessageRecordSize(ctx.sizes.offsetSize);
  const bytes = ctx.bytes(address, 4 + count * size + 4, structure);
  const r = new ByteReader(bytes, address, structure, ctx.sizes);
  r.signature('SMLI');
  verifyTrailingChecksum(ctx, bytes, address, structure);
  const out: SharedMessageRecord[] = [];
  for (let i = 0; i < count; i++) {
    const at = r.here;
    out.push(decodeSharedMessageRecord(new ByteReader(r.bytesView(size), at, structure, ctx.sizes)));
  }
  return out;
}

/** The records of one index, list or v2 B-tree (record type 7). */
export function sharedMessageIndexRecords(ctx: FileContext, index: SharedMessageIndex): SharedMessageRecord[] {
  if (isUndefinedAddress(index.indexAddress)) return [];
  if (index.indexType === 'list') return readSharedMessageList(ctx, index.indexAddress, index.messageCount);
  const bt = BTreeV2.read(ctx, index.indexAddress);
  if (bt.type !== 7) throw new H5FormatError('v2 B-tree header', bt.address, `SOHM index B-tree has record type ${bt.type}, expected 7`);
  return bt.records().map(decodeSharedMessageRecord);
}
