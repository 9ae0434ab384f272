/**
 * What the scale-offset decoder and encoder share (H5Zscaleoffset.c): the
 * client data layout, the chunk header and the powers of ten.
 */
import type { FilterContext } from './filter.js';
import { filterError } from './util.js';

export const SCALEOFFSET_NAME = 'scaleoffset';

/** cd[0], H5Z_SO_scale_type_t. */
export const SCALE_FLOAT_DSCALE = 0;
export const SCALE_FLOAT_ESCALE = 1;
export const SCALE_INT = 2;
/** cd[3]. */
export const CLASS_INTEGER = 0;
export const CLASS_FLOAT = 1;
/** cd[6]. */
export const ORDER_LE = 0;
export const ORDER_BE = 1;
/** H5Z_SCALEOFFSET_TOTAL_NPARMS. */
export const SCALEOFFSET_PARAMS = 20;
/** minbits (4), size of the minimum (1), the minimum (8), 8 unused bytes. */
export const HEADER_BYTES = 21;
export const TWO_32 = 4294967296;

/** The client data values both directions read (H5Z__filter_scaleoffset). */
export interface ScaleoffsetParams {
  readonly scaleType: number;
  /** D-scale digits for floats; for integers the fixed bit count, 0 = computed per chunk. */
  readonly scaleFactor: number;
  readonly count: number;
  readonly typeClass: number;
  readonly size: number;
  readonly signed: boolean;
  readonly order: number;
  readonly fillDefined: boolean;
  /** The fill value's low and high 32 bits (numeric value, whatever the byte order). */
  readonly fill0: number;
  readonly fill1: number;
  /** Integers whose scale factor is their full width are not processed at all. */
  readonly passThrough: boolean;
}

/** Validate and unpack the 20 client data values. */
export function scaleoffsetParams(ctx: FilterContext): ScaleoffsetParams {
  const fail = (detail: string) => filterError(SCALEOFFSET_NAME, ctx, detail);
  const cd = ctx.clientData;
  if (cd.length !== SCALEOFFSET_PARAMS) throw fail(`${cd.length} client data values, expected ${SCALEOFFSET_PARAMS}`);
  const scaleType = cd[0] >>> 0;
  let scaleFactor = cd[1] | 0;
  const typeClass = cd[3] >>> 0;
  const size = cd[4] >>> 0;
  const order = cd[6] >>> 0;
  let passThrough = false;

  if (order !== ORDER_LE && order !== ORDER_BE) throw fail(`invalid byte order ${order}`);
  if (typeClass === CLASS_INTEGER) {
    if (scaleType !== SCALE_INT) throw fail(`scale type ${scaleType} is not valid for integers`);
    if (size !== 1 && size !== 2 && size !== 4 && size !== 8) throw fail(`unsupported integer size ${size}`);
    if (scaleFactor < 0) scaleFactor = 0;
    if (scaleFactor > size * 8) throw fail(`${scaleFactor} bits exceed a ${size}-byte integer`);
    // H5Z__filter_scaleoffset returns the buffer untouched in this case.
    passThrough = scaleFactor === size * 8;
  } else if (typeClass === CLASS_FLOAT) {
    if (scaleType === SCALE_FLOAT_ESCALE) throw fail('E-scale method is not supported (libhdf5 never implemented it)');
    if (scaleType !== SCALE_FLOAT_DSCALE) throw fail(`scale type ${scaleType} is not valid for floats`);
    if (size !== 4 && size !== 8) throw fail(`unsupported floating-point size ${size}`);
  } else {
    throw fail(`unsupported datatype class ${typeClass}`);
  }
  return {
    scaleType,
    scaleFactor,
    count: cd[2] >>> 0,
    typeClass,
    size,
    signed: cd[5] >>> 0 === 1,
    order,
    fillDefined: cd[7] >>> 0 === 1,
    fill0: cd[8] >>> 0,
    fill1: cd[9] >>> 0,
    passThrough,
  };
}

/**
 * 10^d as C's pow(10.0, d): exact for 0 <= d <= 22; otherwise the correctly
 * rounded value, which is what glibc's pow returns for these arguments.
 */
export function powerOfTen(d: number): number {
  return Number(`1e${d}`);
}
