import type { ByteReader } from '../byte-reader.js';

/** Shared Message Table message (spec IV.A.2.p, type 0x0F), found in the superblock extension. */
export interface SharedMessageTableMessage {
  readonly tableAddress: number;
  readonly indexCount: number;
}

export function readSharedMessageTableMessage(r: ByteReader): SharedMessageTableMessage {
  const version = r.u8();
  if (version !== 0) r.fail(`unknown shared message table message version ${version}`);
  const tableAddress = r.offset();
  const indexCount = r.u8();
  return { tableAddress, indexCount };
}
