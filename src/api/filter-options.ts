/**
 * From createDataset's filter options to a filter pipeline (spec IV.A.2.l),
 * with the client data each filter's libhdf5 "set local" callback would
 * store for this dataset. Order as h5py's filters.fill_dcpl builds it, n-bit
 * (which h5py lacks; libhdf5 applies filters in the order they were added)
 * first: nbit, scaleoffset, shuffle, deflate or lzf, fletcher32.
 */
import { H5ValueError } from '../errors.js';
import type { Datatype } from '../format/messages/datatype.js';
import type { FilterDescription } from '../format/messages/filter-pipeline.js';
import { lzfClientData } from '../filters/lzf.js';
import { nbitClientData } from '../filters/nbit-params.js';
import { SO_INT_MINBITS_DEFAULT, scaleoffsetClientData } from '../filters/scaleoffset-params.js';

export interface FilterOptions {
  /** 'gzip' (level `compressionOpts`, default 4), a gzip level 0-9, or 'lzf'. */
  readonly compression?: 'gzip' | 'lzf' | number | false;
  readonly compressionOpts?: number;
  readonly shuffle?: boolean;
  readonly fletcher32?: boolean;
  /**
   * N-bit filter (H5Pset_nbit): stores only the `precision` bits of each
   * integer and float field, so it saves space for types built with a
   * reduced precision (e.g. `integerType(2, true, 'LE', { precision: 11 })`)
   * and compounds or arrays of them. Lossless.
   */
  readonly nbit?: boolean;
  /**
   * Scale-offset filter, as h5py's `scaleoffset=`. Integers: the number of
   * bits to keep per value, or 0 / `true` to compute the bits each chunk
   * needs (lossless). Floats: the number of decimal digits kept after the
   * point (D-scaling: lossy, values come back within 0.5·10^-D).
   */
  readonly scaleoffset?: number | boolean;
}

/** H5Z_FLAG_OPTIONAL: libhdf5 marks every filter optional except fletcher32. */
const OPTIONAL = 1;

function gzipLevel(o: FilterOptions): number | undefined {
  return o.compression === 'gzip' ? (o.compressionOpts ?? 4) : typeof o.compression === 'number' ? o.compression : undefined;
}

function scaleoffsetWanted(o: FilterOptions): boolean {
  return o.scaleoffset !== undefined && o.scaleoffset !== false;
}

/** Whether the options ask for any filter (the dataset must then be chunked). */
export function wantsFilters(o: FilterOptions): boolean {
  return !!(o.shuffle || gzipLevel(o) !== undefined || o.compression === 'lzf' || o.fletcher32 || o.nbit || scaleoffsetWanted(o));
}

/**
 * The pipeline for a chunked dataset of `type` with chunks of `chunkElements`
 * elements. `fill` is the dataset's fill value in file bytes (null: no fill
 * value is defined; undefined: the
 * default, zeros), which the scale-offset filter records.
 */
export function filterPipeline(o: FilterOptions, type: Datatype, chunkElements: number, fill: Uint8Array | null | undefined, where: string): FilterDescription[] {
  const filters: FilterDescription[] = [];
  const level = gzipLevel(o);
  if (level !== undefined && (!Number.isInteger(level) || level < 0 || level > 9)) throw new H5ValueError(`${where}: gzip level ${level} (0-9)`);
  const so = scaleoffsetWanted(o);
  // Each would reinterpret the other's packed bytes as elements.
  if (o.nbit && so) throw new H5ValueError(`${where}: nbit and scaleoffset cannot be combined`);
  // h5py refuses this pair: the checksum would guard lossy data.
  if (so && o.fletcher32) throw new H5ValueError(`${where}: fletcher32 cannot be used with the potentially lossy scaleoffset filter`);
  if (o.nbit) filters.push({ id: 5, name: 'nbit', flags: OPTIONAL, clientData: nbitClientData(type, chunkElements, where) });
  if (so) {
    // h5py: True means "compute the bits" for integers and is an error for floats.
    if (o.scaleoffset === true && type.class !== 'integer') {
      throw new H5ValueError(`${where}: scaleoffset=true is for integers; floats need the number of decimal digits to keep`);
    }
    const factor = o.scaleoffset === true ? SO_INT_MINBITS_DEFAULT : (o.scaleoffset as number);
    // The default fill value is zeros (libhdf5 without H5Pset_fill_value); an undefined one is recorded as such.
    const clientData = scaleoffsetClientData(type, chunkElements, factor, fill === null ? undefined : fill ?? new Uint8Array(type.size), where);
    filters.push({ id: 6, name: 'scaleoffset', flags: OPTIONAL, clientData });
  }
  if (o.shuffle) filters.push({ id: 2, name: 'shuffle', flags: OPTIONAL, clientData: [type.size] });
  if (level !== undefined) filters.push({ id: 1, name: 'deflate', flags: OPTIONAL, clientData: [level] });
  if (o.compression === 'lzf') filters.push({ id: 32000, name: 'lzf', flags: OPTIONAL, clientData: lzfClientData(chunkElements * type.size) });
  if (o.fletcher32) filters.push({ id: 3, name: 'fletcher32', flags: 0, clientData: [] });
  return filters;
}
