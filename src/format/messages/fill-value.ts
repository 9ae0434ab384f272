import type { ByteReader } from '../byte-reader.js';
import { ByteWriter, type FormatFamily } from '../byte-writer.js';
import { H5ValueError } from '../../errors.js';

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

/**
 * New fill value message version libhdf5 1.10 writes (H5O_fill_set_version):
 * the dataset creation default is version 2, kept in the earliest family;
 * the latest family raises it to 3.
 */
export function fillValueVersionFor(family: FormatFamily): 2 | 3 {
  return family === 'latest' ? 3 : 2;
}

/**
 * Whether libhdf5 also writes the old fill value message (type 0x04) for
 * HDF5 1.4 readers: only outside the latest format, and only when the user set
 * a value (H5D__update_oh_info checks the property's buffer, not "defined").
 */
export function writesOldFillValue(family: FormatFamily, fill: FillValue): boolean {
  return family === 'earliest' && fill.value !== undefined;
}

/**
 * Encode a new fill value message body (spec IV.A.2.f) as H5O_fill_new_encode
 * does. Version 2: allocation time, fill time, a "defined" byte, then, only
 * when defined, the size (0 for the library default) and the value. Version 3
 * packs the times into one flags byte: bit 4 "undefined", bit 5 "value
 * follows" (only for a non-empty value).
 */
export function encodeFillValue(fill: FillValue, version: 2 | 3): Uint8Array {
  check(fill);
  const value = fill.defined ? fill.value : undefined;
  const w = new ByteWriter(undefined, 16 + (value?.length ?? 0));
  w.u8(version);
  if (version === 2) {
    w.u8(fill.allocTime).u8(fill.fillTime).u8(fill.defined ? 1 : 0);
    if (fill.defined) {
      w.u32(value?.length ?? 0);
      if (value) w.bytes(value);
    }
  } else {
    let flags = (fill.allocTime & 3) | ((fill.fillTime & 3) << 2);
    if (!fill.defined) flags |= 0x10;
    else if (value && value.length > 0) flags |= 0x20;
    w.u8(flags);
    if (flags & 0x20) w.u32(value!.length).bytes(value!);
  }
  return w.finish();
}

/** Encode the old fill value message body (spec IV.A.2.e): the size, then the value. */
export function encodeFillValueOld(fill: FillValue): Uint8Array {
  const value = fill.defined ? fill.value : undefined;
  const w = new ByteWriter(undefined, 4 + (value?.length ?? 0));
  w.u32(value?.length ?? 0);
  if (value) w.bytes(value);
  return w.finish();
}

function check(fill: FillValue): void {
  if (!(fill.allocTime >= 1 && fill.allocTime <= 3)) throw new H5ValueError(`fill value allocation time ${fill.allocTime} (1 early, 2 late, 3 incremental)`);
  if (!(fill.fillTime >= 0 && fill.fillTime <= 2)) throw new H5ValueError(`fill time ${fill.fillTime} (0 on allocation, 1 never, 2 if set)`);
}
