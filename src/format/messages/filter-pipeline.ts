import type { ByteReader } from '../byte-reader.js';

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
