/**
 * The scale-offset filter's 20 client data values for a dataset, as
 * libhdf5's H5Z__set_local_scaleoffset computes them from the user's
 * H5Pset_scaleoffset(scale_type, scale_factor), the dataset type, the chunk
 * and the fill value (layout: scaleoffset.ts).
 *
 * The fill value is stored as a number, not as file bytes: libhdf5 reads it
 * converted to the dataset type, swaps it to memory order, then copies its
 * bytes 4 at a time, least significant first, into [8], [9], ... Only
 * 1-byte types differ in code (set_filval_3 stores the byte directly), with
 * the same result. The default fill value (none set) counts as defined and
 * is 0; only an explicitly undefined fill value gives [7] = 0.
 */
import type { Datatype } from '../format/messages/datatype.js';
import { H5TypeError, H5UnsupportedError, H5ValueError } from '../errors.js';
import { isIeee } from '../model/decode.js';
import {
  CLASS_FLOAT,
  CLASS_INTEGER,
  ORDER_BE,
  ORDER_LE,
  SCALEOFFSET_PARAMS,
  SCALE_FLOAT_DSCALE,
  SCALE_INT,
} from './scaleoffset-format.js';

/** H5Z_SO_INT_MINBITS_DEFAULT: minbits computed for every chunk. */
export const SO_INT_MINBITS_DEFAULT = 0;

/**
 * Client data for a dataset of `type` (integer or IEEE float of a size C
 * has) with `chunkElements` elements per chunk. `scaleFactor`: bits kept for
 * integers (0: computed per chunk, lossless), decimal digits kept for floats
 * (D-scale). `fill`: the fill value's bytes in the file's byte order, or
 * undefined when the dataset's fill value is undefined. `where` prefixes
 * error messages.
 */
export function scaleoffsetClientData(
  type: Datatype,
  chunkElements: number,
  scaleFactor: number,
  fill: Uint8Array | undefined,
  where = 'dataset',
): number[] {
  const what = `${where}: scaleoffset filter`;
  if (type.class !== 'integer' && type.class !== 'float') {
    throw new H5TypeError(`${what}: the dataset type must be an integer or a float, not ${type.class}`);
  }
  if (type.order !== 'LE' && type.order !== 'BE') throw new H5UnsupportedError(`${what}: byte order ${type.order}`);
  if (!Number.isInteger(scaleFactor) || scaleFactor < 0) {
    throw new H5ValueError(`${what}: scale factor ${scaleFactor} (a non-negative integer)`);
  }
  const size = type.size;
  if (type.class === 'integer') {
    // The filter works on the C integer type of the same size.
    if (size !== 1 && size !== 2 && size !== 4 && size !== 8) throw new H5UnsupportedError(`${what}: ${size}-byte integers`);
    if (scaleFactor > size * 8) throw new H5ValueError(`${what}: ${scaleFactor} bits exceed a ${size}-byte integer`);
  } else if (!isIeee(type) || (size !== 4 && size !== 8)) {
    // ...and on C float/double: other layouts would be misread.
    throw new H5UnsupportedError(`${what}: only IEEE 4- and 8-byte floats`);
  }
  if (fill && fill.length !== size) throw new H5ValueError(`${what}: a ${fill.length}-byte fill value for ${size}-byte elements`);

  const cd = new Array<number>(SCALEOFFSET_PARAMS).fill(0);
  cd[0] = type.class === 'integer' ? SCALE_INT : SCALE_FLOAT_DSCALE;
  cd[1] = scaleFactor;
  cd[2] = chunkElements;
  cd[3] = type.class === 'integer' ? CLASS_INTEGER : CLASS_FLOAT;
  cd[4] = size;
  cd[5] = type.class === 'integer' && type.signed ? 1 : 0;
  cd[6] = type.order === 'LE' ? ORDER_LE : ORDER_BE;
  if (fill) {
    cd[7] = 1;
    for (let i = 0; i < size; i++) {
      const byte = fill[type.order === 'LE' ? i : size - 1 - i];
      cd[8 + (i >> 2)] += byte * 2 ** (8 * (i & 3));
    }
  }
  return cd;
}
