import type { ByteReader } from '../byte-reader.js';

/**
 * Fill value messages: the old one (spec IV.A.2.e, type 0x04) holds just the
 * value; the new one (IV.A.2.f, 0x05) adds allocation and write times and says
 * whether a value is defined at all.
 */
export interface FillValue {
  /** 1 early, 2 late, 3 incremental. */
  readonly allocTime: number;
  /** 0 on allocation, 1 never, 2 if set by the user. */
  readonly fillTime: number;
  /** false: the fill value is undefined (libhdf5 leaves unwritten storage as is). */
  readonly defined: boolean;
  /** The value bytes, in file type; undefined means "all zero bytes" (the default). */
  readonly value?: Uint8Array;
}

/** Without a new-style message libhdf5 treats an empty (or absent) old value as undefined (H5D__open_oid). */
export function readFillValueOld(r: ByteReader): FillValue {
  const size = r.u32();
  return { allocTime: 2, fillTime: 0, defined: size > 0, value: size > 0 ? r.bytesView(size) : undefined };
}

export const NO_FILL_VALUE_MESSAGE: FillValue = { allocTime: 2, fillTime: 0, defined: false };

export function readFillValue(r: ByteReader): FillValue {
  const version = r.u8();
  if (version === 1 || version === 2) {
    const allocTime = r.u8();
    const fillTime = r.u8();
    const defined = r.u8();
    let value: Uint8Array | undefined;
    // The size and value follow only when the "defined" byte is set; otherwise the value is undefined.
    if (defined) {
      const size = r.u32();
      if (size > 0) value = r.bytesView(size);
    }
    return { allocTime, fillTime, defined: defined !== 0, value };
  }
  if (version === 3) {
    const flags = r.u8();
    const allocTime = flags & 3;
    const fillTime = (flags >> 2) & 3;
    const undefinedFlag = (flags & 0x10) !== 0;
    let value: Uint8Array | undefined;
    if (flags & 0x20) {
      const size = r.u32();
      if (size > 0) value = r.bytesView(size);
    }
    return { allocTime, fillTime, defined: !undefinedFlag, value };
  }
  r.fail(`unknown fill value message version ${version}`);
}
