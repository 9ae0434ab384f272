import { H5FormatError, H5UnsupportedError } from '../errors.js';
import type { ByteSource } from '../io/source.js';
import { ByteReader, UNDEFINED_ADDRESS } from './byte-reader.js';
import { lookup3, verifyChecksum, type ChecksumPolicy } from './checksum.js';
import { encodeSymbolTableEntry, readSymbolTableEntry, type SymbolTableEntry } from './symbol-table.js';
import { ByteWriter } from './byte-writer.js';

/** `\x89HDF\r\n\x1a\n` */
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * The superblock (spec II.A). Versions 0/1 carry the root group as a symbol
 * table entry; versions 2/3 carry only its object header address and a
 * checksum, plus an optional superblock-extension object header.
 */
export interface Superblock {
  readonly version: number;
  /** Absolute position of the signature: the user-block size. */
  readonly location: number;
  readonly offsetSize: number;
  readonly lengthSize: number;
  /** Absolute address that stored addresses are relative to. */
  readonly baseAddress: number;
  readonly endOfFileAddress: number;
  readonly groupLeafNodeK: number;
  readonly groupInternalNodeK: number;
  readonly indexedStorageK: number;
  readonly fileConsistencyFlags: number;
  readonly rootObjectHeaderAddress: number;
  /** v0/v1 only: the root's symbol table entry (its scratch pad caches the B-tree/heap). */
  readonly rootEntry?: SymbolTableEntry;
  readonly extensionAddress: number;
  readonly driverInfoAddress: number;
}

/** Search for the signature at 0, 512, 1024, 2048, … (spec II.A: user block sizes). */
export function findSuperblock(source: ByteSource): number {
  for (let at = 0; at + SIGNATURE.length <= source.size; at = at === 0 ? 512 : at * 2) {
    const b = source.read(at, SIGNATURE.length);
    if (SIGNATURE.every((v, i) => b[i] === v)) return at;
  }
  throw new H5FormatError('superblock', 0, 'no HDF5 signature at offset 0 or any power-of-two offset from 512 (not an HDF5 file)');
}

export function readSuperblock(source: ByteSource, policy: ChecksumPolicy = {}): Superblock {
  const location = findSuperblock(source);
  const head = source.read(location, Math.min(source.size - location, 256));
  const r = new ByteReader(head, location, 'superblock');
  r.skip(8);
  const version = r.u8();
  if (version === 0 || version === 1) return readV0V1(r, version, location);
  if (version === 2 || version === 3) return readV2V3(r, version, location, policy);
  throw new H5UnsupportedError(`superblock version ${version} at offset ${location} is not supported`);
}

function checkSizes(r: ByteReader, offsetSize: number, lengthSize: number): void {
  const ok = (n: number) => n === 2 || n === 4 || n === 8;
  if (!ok(offsetSize)) r.fail(`invalid size of offsets ${offsetSize}`);
  if (!ok(lengthSize)) r.fail(`invalid size of lengths ${lengthSize}`);
}

function readV0V1(r: ByteReader, version: number, location: number): Superblock {
  r.u8(); // free-space storage version
  r.u8(); // root group symbol table entry version
  r.skip(1);
  r.u8(); // shared header message format version
  const offsetSize = r.u8();
  const lengthSize = r.u8();
  checkSizes(r, offsetSize, lengthSize);
  r.skip(1);
  const groupLeafNodeK = r.u16();
  const groupInternalNodeK = r.u16();
  if (groupLeafNodeK === 0 || groupInternalNodeK === 0) r.fail('group B-tree K must be positive');
  const fileConsistencyFlags = r.u32();
  let indexedStorageK = 32;
  if (version === 1) {
    indexedStorageK = r.u16();
    r.skip(2);
  }
  const sized = new ByteReader(r.bytes, r.address, 'superblock', { offsetSize, lengthSize });
  sized.pos = r.pos;
  sized.offset(); // stored base address: libhdf5 replaces it by the signature position
  const extensionAddress = sized.offset(); // "free-space info" address; holds the extension in 1.8+ files
  const endOfFileAddress = sized.offset();
  const driverInfoAddress = sized.offset();
  const rootEntry = readSymbolTableEntry(sized);
  return {
    version,
    location,
    offsetSize,
    lengthSize,
    baseAddress: location,
    endOfFileAddress,
    groupLeafNodeK,
    groupInternalNodeK,
    indexedStorageK,
    fileConsistencyFlags,
    rootObjectHeaderAddress: rootEntry.objectHeaderAddress,
    rootEntry,
    extensionAddress,
    driverInfoAddress,
  };
}

function readV2V3(r: ByteReader, version: number, location: number, policy: ChecksumPolicy): Superblock {
  const offsetSize = r.u8();
  const lengthSize = r.u8();
  checkSizes(r, offsetSize, lengthSize);
  const fileConsistencyFlags = r.u8();
  const sized = new ByteReader(r.bytes, r.address, 'superblock', { offsetSize, lengthSize });
  sized.pos = r.pos;
  sized.offset(); // base address, see readV0V1
  const extensionAddress = sized.offset();
  const endOfFileAddress = sized.offset();
  const rootObjectHeaderAddress = sized.offset();
  verifyChecksum(policy, r.bytes, location, 'superblock', sized.pos);
  return {
    version,
    location,
    offsetSize,
    lengthSize,
    baseAddress: location,
    endOfFileAddress,
    groupLeafNodeK: 4,
    groupInternalNodeK: 16,
    indexedStorageK: 32,
    fileConsistencyFlags,
    rootObjectHeaderAddress,
    extensionAddress,
    driverInfoAddress: UNDEFINED_ADDRESS,
  };
}

export function hex(n: number): string {
  return '0x' + (n >>> 0).toString(16).padStart(8, '0');
}

/** Size in bytes of a version 0 superblock including the root symbol table entry. */
export function superblockV0Size(offsetSize: number, lengthSize: number): number {
  void lengthSize;
  return 24 + 4 * offsetSize + 2 * offsetSize + 24;
}

/**
 * Superblock version 0 (spec II.A): what libhdf5 writes by default. The
 * root's symbol table entry caches its B-tree and heap (scratch-pad type 1).
 */
export function encodeSuperblockV0(o: {
  offsetSize: number;
  lengthSize: number;
  /** Where the superblock sits (the user block's size); stored addresses are relative to it. */
  baseAddress?: number;
  /** Absolute: counts the user block. */
  endOfFile: number;
  rootHeader: number;
  /** A symbol-table root's B-tree and local heap, cached in its entry (scratch-pad type 1); a new-style root caches nothing (type 0). */
  rootBTree?: number;
  rootHeap?: number;
  groupLeafK?: number;
  groupInternalK?: number;
}): Uint8Array {
  const w = new ByteWriter({ offsetSize: o.offsetSize, lengthSize: o.lengthSize });
  w.bytes(Uint8Array.from(SIGNATURE));
  w.u8(0).u8(0).u8(0).u8(0).u8(0).u8(o.offsetSize).u8(o.lengthSize).u8(0);
  w.u16(o.groupLeafK ?? 4).u16(o.groupInternalK ?? 16).u32(0);
  w.offset(o.baseAddress ?? 0).offset(UNDEFINED_ADDRESS).offset(o.endOfFile).offset(UNDEFINED_ADDRESS);
  const cached = o.rootBTree !== undefined && o.rootHeap !== undefined;
  encodeSymbolTableEntry(w, { linkNameOffset: 0, objectHeaderAddress: o.rootHeader, cacheType: cached ? 1 : 0, btreeAddress: o.rootBTree, heapAddress: o.rootHeap });
  return w.finish();
}

/** Superblock version 2 or 3 (spec II.A): fixed fields and a lookup3 checksum. */
export function encodeSuperblockV2V3(o: {
  version: 2 | 3;
  offsetSize: number;
  lengthSize: number;
  /** Where the superblock sits (the user block's size); stored addresses are relative to it. */
  baseAddress?: number;
  /** Absolute: counts the user block. */
  endOfFile: number;
  rootHeader: number;
  extension?: number;
}): Uint8Array {
  const w = new ByteWriter({ offsetSize: o.offsetSize, lengthSize: o.lengthSize });
  w.bytes(Uint8Array.from(SIGNATURE));
  w.u8(o.version).u8(o.offsetSize).u8(o.lengthSize).u8(0);
  w.offset(o.baseAddress ?? 0).offset(o.extension ?? UNDEFINED_ADDRESS).offset(o.endOfFile).offset(o.rootHeader);
  const body = w.finish();
  return w.u32(lookup3(body)).finish();
}

export function superblockV2Size(offsetSize: number): number {
  return 12 + 4 * offsetSize + 4;
}
