import type { ByteReader } from '../byte-reader.js';
import { ByteWriter, encodeUtf8, type FormatFamily } from '../byte-writer.js';
import { H5ValueError } from '../../errors.js';

/** One filter of a pipeline (spec IV.A.2.l). Bit 0 of `flags`: optional. */
export interface FilterDescription {
  readonly id: number;
  readonly name: string;
  readonly flags: number;
  readonly clientData: number[];
}

export function readFilterPipeline(r: ByteReader): FilterDescription[] {
  const version = r.u8();
  if (version !== 1 && version !== 2) r.fail(`unknown filter pipeline version ${version}`);
  const n = r.u8();
  if (n > 32) r.fail(`${n} filters exceed the maximum of 32`);
  if (version === 1) r.skip(6);
  const out: FilterDescription[] = [];
  for (let i = 0; i < n; i++) {
    const id = r.u16();
    // Version 2 omits the name of predefined filters (id < 256).
    const nameLength = version === 1 || id >= 256 ? r.u16() : 0;
    const flags = r.u16();
    const nValues = r.u16();
    let name = '';
    if (nameLength > 0) {
      const bytes = r.bytesView(version === 1 ? Math.ceil(nameLength / 8) * 8 : nameLength);
      let end = 0;
      while (end < bytes.length && bytes[end] !== 0) end++;
      name = new TextDecoder().decode(bytes.subarray(0, end));
    }
    const clientData: number[] = [];
    for (let k = 0; k < nValues; k++) clientData.push(r.u32());
    if (version === 1 && nValues % 2 === 1) r.skip(4);
    out.push({ id, name, flags, clientData });
  }
  return out;
}

/** Filter pipeline message version libhdf5 1.10 writes (H5O_pline_set_version): 1 earliest, 2 latest. */
export function filterPipelineVersionFor(family: FormatFamily): 1 | 2 {
  return family === 'latest' ? 2 : 1;
}

/**
 * Names libhdf5 registers for its built-in filters (the `name` of each
 * H5Z_class2_t). A pipeline set through the API has no stored name, so
 * H5O__pline_encode writes the registered one.
 */
export const LIBHDF5_FILTER_NAMES: Readonly<Record<number, string>> = {
  1: 'deflate',
  2: 'shuffle',
  3: 'fletcher32',
  4: 'szip',
  5: 'nbit',
  6: 'scaleoffset',
};

/**
 * Encode a filter pipeline message body (spec IV.A.2.l) as H5O__pline_encode
 * does. Version 1: six reserved bytes after the count; every filter has a
 * name whose stored length is the NUL-terminated length rounded up to 8, and
 * an odd number of client data values is followed by 4 zero bytes. Version 2:
 * no reserved bytes, no padding, and no name length or name for ids below 256.
 * A filter with no name (and none registered) gets name length 0.
 */
export function encodeFilterPipeline(filters: readonly FilterDescription[], version: 1 | 2): Uint8Array {
  if (filters.length > 32) throw new H5ValueError(`${filters.length} filters exceed the maximum of 32`);
  const w = new ByteWriter(undefined, 64);
  w.u8(version).u8(filters.length);
  if (version === 1) w.zeros(6);
  for (const f of filters) {
    if (!Number.isInteger(f.id) || f.id < 0 || f.id > 0xffff) throw new H5ValueError(`filter id ${f.id}`);
    w.u16(f.id);
    const named = version === 1 || f.id >= 256;
    const name = named ? f.name || LIBHDF5_FILTER_NAMES[f.id] || '' : '';
    const nameBytes = encodeUtf8(name);
    const nameLength = nameBytes.length ? nameBytes.length + 1 : 0;
    const stored = version === 1 ? Math.ceil(nameLength / 8) * 8 : nameLength;
    if (named) w.u16(stored);
    w.u16(f.flags).u16(f.clientData.length);
    if (nameLength) w.bytes(nameBytes).zeros(stored - nameBytes.length);
    for (const v of f.clientData) w.u32(v);
    if (version === 1 && f.clientData.length % 2 === 1) w.u32(0);
  }
  return w.finish();
}
