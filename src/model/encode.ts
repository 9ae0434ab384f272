import { H5TypeError, H5UnsupportedError, H5ValueError } from '../errors.js';
import type {
  ArrayType,
  BitfieldType,
  CompoundType,
  Datatype,
  EnumType,
  FloatType,
  IntegerType,
  StringType,
  TimeType,
  VlenType,
} from '../format/messages/datatype.js';
import { isIeee, numericArrayType } from './decode.js';
import type { RegionSelection } from './references.js';
import { HOST_LITTLE_ENDIAN, byteSwap } from './typed-arrays.js';

/**
 * Conversion of JS values to raw element bytes in a file datatype: the
 * inverse of `decodeElements` (decode.ts). It accepts exactly the values the
 * decoder returns (typed arrays for numeric data, strings, Uint8Array for
 * opaque, objects for compounds, arrays for array and vlen types, reference
 * objects) plus their obvious plain-JS spellings (number[], bigint, nested
 * arrays). Numeric typed arrays of the type's own kind are copied in bulk.
 */

/** What the element encoders need from the file being written. */
export interface EncodeServices {
  readonly offsetSize: number;
  /** Store a global heap object (vlen data, region reference) and return its heap ID. */
  storeHeapObject(bytes: Uint8Array): { collection: number; index: number };
  /** Object header address of an object reference value (or of a region reference's dataset). */
  objectAddress(ref: unknown): number;
}

/** Write one element's bytes at `at`; `dv` is a DataView over `out`, shared by all elements. */
export type ElementEncoder = (value: unknown, out: Uint8Array, dv: DataView, at: number) => void;

type TypedArray =
  | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array
  | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

function isTypedArray(v: unknown): v is TypedArray {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

function isList(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || isTypedArray(v);
}

/**
 * Encode `count` elements of type `t`. `values` holds `count` elements (an
 * array or typed array); when `count` is 1 a single element may be passed as
 * is (a scalar dataset's value). Vlen and reference types need `services`.
 */
export function encodeElements(t: Datatype, values: unknown, count: number, services?: EncodeServices): Uint8Array {
  if (!Number.isInteger(count) || count < 0) throw new H5ValueError(`element count ${count}`);
  const fast = encodeNumericBulk(t, values, count);
  if (fast) return fast;
  const list = elementList(t, values, count);
  const out = new Uint8Array(count * t.size);
  const dv = new DataView(out.buffer);
  const enc = elementEncoder(t, services);
  for (let i = 0; i < count; i++) enc(list[i], out, dv, i * t.size);
  return out;
}

function elementList(t: Datatype, values: unknown, count: number): ArrayLike<unknown> {
  if (isList(values) && typeof values !== 'string') {
    if (values.length === count) return values;
    if (count !== 1) throw new H5ValueError(`${count} elements of ${typeName(t)} expected, got ${values.length} values`);
  } else if (count !== 1) {
    throw new H5ValueError(`${count} elements of ${typeName(t)} expected, got a single value`);
  }
  return [values];
}

// ---------------------------------------------------------------------------
// numeric classes
// ---------------------------------------------------------------------------

function fullWidth(t: IntegerType | BitfieldType): boolean {
  return t.bitOffset === 0 && t.precision === t.size * 8 && (t.size === 1 || t.size === 2 || t.size === 4 || t.size === 8);
}

/** The numeric type whose bytes a host typed array of the decoder's kind holds exactly, if any. */
function nativeLayout(t: Datatype): { size: number; order: 'LE' | 'BE' } | null {
  const base = t.class === 'enum' ? t.base : t;
  switch (base.class) {
    case 'integer':
    case 'bitfield':
      return fullWidth(base) ? { size: base.size, order: base.order === 'BE' ? 'BE' : 'LE' } : null;
    case 'float':
      return isIeee(base) && base.size !== 2 ? { size: base.size, order: base.order === 'BE' ? 'BE' : 'LE' } : null;
    case 'time':
      return base.size === 8 && base.order !== 'VAX' ? { size: 8, order: base.order } : null;
    default:
      return null;
  }
}

/**
 * Bulk path: a typed array of exactly the decoder's kind for `t`, whose
 * layout is the type's own, is copied (and byte-swapped for big-endian).
 */
function encodeNumericBulk(t: Datatype, values: unknown, count: number): Uint8Array | null {
  if (!isTypedArray(values) || values.length !== count) return null;
  const ctor = numericArrayType(t);
  if (!ctor || values.constructor !== ctor) return null;
  const layout = nativeLayout(t);
  if (!layout) return null;
  const n = count * layout.size;
  const view = new Uint8Array(values.buffer, values.byteOffset, n);
  // Already the file's layout: the caller's memory is written as is (no copy; writers copy or write it out before returning).
  if (layout.size === 1 || (layout.order === 'BE') !== HOST_LITTLE_ENDIAN) return view;
  const out = view.slice();
  byteSwap(out, layout.size);
  return out;
}

function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (typeof v === 'bigint') return `${v}n`;
  if (v === null || v === undefined || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (isTypedArray(v)) return `${v.constructor.name}(${v.length})`;
  if (Array.isArray(v)) return `array of ${v.length}`;
  return typeof v;
}

/** A short human name for a datatype, used in error messages. */
export function typeName(t: Datatype): string {
  const be = 'order' in t && t.order === 'BE' ? ' big-endian' : '';
  switch (t.class) {
    case 'integer':
      return `${t.signed ? 'int' : 'uint'}${t.size * 8}${t.precision !== t.size * 8 || t.bitOffset ? ` (${t.precision} bits at bit ${t.bitOffset})` : ''}${be}`;
    case 'float':
      return `float${t.size * 8}${isIeee(t) ? '' : ' (non-IEEE layout)'}${be}`;
    case 'bitfield':
      return `bitfield of ${t.precision} bits${be}`;
    case 'time':
      return `time${t.size * 8}${be}`;
    case 'enum':
      return `enum over ${typeName(t.base)}`;
    case 'string':
      return `fixed string of ${t.size} bytes (${t.padding})`;
    case 'opaque':
      return `opaque of ${t.size} bytes`;
    case 'compound':
      return `compound of ${t.members.length} members`;
    case 'reference':
      return `${t.refType} reference`;
    case 'vlen':
      return t.kind === 'string' ? 'variable-length string' : `variable-length sequence of ${typeName(t.base)}`;
    case 'array':
      return `array [${t.dims.join(', ')}] of ${typeName(t.base)}`;
  }
}

function typeError(value: unknown, t: Datatype, why: string): never {
  throw new H5TypeError(`${describeValue(value)} ${why} ${typeName(t)}`);
}

/** An integer value as a bigint, or a type error naming it. */
function toBigInt(v: unknown, t: Datatype): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) typeError(v, t, 'is not an integer, as needed by');
    return BigInt(v);
  }
  if (typeof v === 'boolean') return v ? 1n : 0n;
  typeError(v, t, 'is not a number, as needed by');
}

function integerRange(signed: boolean, bits: number): [bigint, bigint] {
  const b = BigInt(bits);
  return signed ? [-(1n << (b - 1n)), (1n << (b - 1n)) - 1n] : [0n, (1n << b) - 1n];
}

/** Write `v` (already range-checked, non-negative) as `size` bytes in `order`. */
function writeBig(out: Uint8Array, at: number, size: number, order: 'LE' | 'BE', v: bigint): void {
  for (let i = 0; i < size; i++) {
    out[order === 'BE' ? at + size - 1 - i : at + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

function integerEncoder(t: IntegerType | BitfieldType, owner: Datatype = t): ElementEncoder {
  if (t.order === 'VAX') throw new H5UnsupportedError('VAX byte order is not supported');
  const signed = t.class === 'integer' && t.signed;
  const le = t.order === 'LE';
  if (t.precision < 1 || t.bitOffset + t.precision > t.size * 8) throw new H5ValueError(`${typeName(t)}: bits exceed the element`);
  if (fullWidth(t) && t.size <= 4) {
    const lo = signed ? -(2 ** (t.size * 8 - 1)) : 0;
    const hi = signed ? 2 ** (t.size * 8 - 1) - 1 : 2 ** (t.size * 8) - 1;
    const set = t.size === 1 ? null : t.size === 2 ? (signed ? DataView.prototype.setInt16 : DataView.prototype.setUint16) : signed ? DataView.prototype.setInt32 : DataView.prototype.setUint32;
    return (value, out, dv, at) => {
      let v: number;
      if (typeof value === 'number') {
        if (!Number.isInteger(value)) typeError(value, owner, 'is not an integer, as needed by');
        v = value;
      } else {
        const b = toBigInt(value, owner);
        v = b < BigInt(lo) || b > BigInt(hi) ? NaN : Number(b);
      }
      if (!(v >= lo && v <= hi)) typeError(value, owner, 'is out of range for');
      if (set) set.call(dv, at, v, le);
      else out[at] = v & 0xff;
    };
  }
  const [min, max] = integerRange(signed, t.precision);
  if (fullWidth(t)) {
    // 8 bytes: DataView's 64-bit setters.
    return (value, _out, dv, at) => {
      const v = toBigInt(value, owner);
      if (v < min || v > max) typeError(value, owner, 'is out of range for');
      if (signed) dv.setBigInt64(at, v, le);
      else dv.setBigUint64(at, v, le);
    };
  }
  // Reduced precision, a bit offset, or an odd or wide size: place the bits, padding is zero.
  const prec = BigInt(t.precision);
  const off = BigInt(t.bitOffset);
  const mask = (1n << prec) - 1n;
  return (value, out, _dv, at) => {
    const v = toBigInt(value, owner);
    if (v < min || v > max) typeError(value, owner, 'is out of range for');
    writeBig(out, at, t.size, t.order === 'BE' ? 'BE' : 'LE', (v & mask) << off);
  };
}

function enumEncoder(t: EnumType): ElementEncoder {
  const byName = new Map(t.members.map((m) => [m.name, m.value]));
  const base = integerEncoder(t.base, t);
  return (value, out, dv, at) => {
    if (typeof value === 'string') {
      const v = byName.get(value);
      if (v === undefined) typeError(value, t, 'is not a member name of');
      value = v;
    }
    base(value, out, dv, at);
  };
}

function toNumber(value: unknown, t: Datatype): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  typeError(value, t, 'is not a number, as needed by');
}

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  return d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
}

/** floor(log2(a)) for a positive finite double, exactly. */
function exponentOf(a: number): number {
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  return e;
}

/** IEEE binary16 bits of a number, rounded to nearest, ties to even (overflow → infinity). */
export function floatToHalfBits(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00; // 65520 is halfway between 65504 and 2^16 and rounds to even, upwards
  if (a < 2 ** -14) return sign | roundHalfEven(a * 2 ** 24); // subnormal; 1024 carries into the smallest normal
  const e = exponentOf(a);
  // a / 2^e is exact; a carry (mantissa 1024) correctly bumps the exponent field.
  return sign | (((e + 15) << 10) + roundHalfEven((a / 2 ** e - 1) * 1024));
}

/**
 * Bits of a float with any field layout (spec IV.A.2.d, class 1): rounds to
 * nearest even, overflow gives infinity. Mantissa normalisation "implied"
 * (IEEE) has a hidden leading 1 and subnormals at exponent 0; "none" and
 * "MSB set" (x87) store the leading bit, matching decode.ts.
 */
function customFloatBits(t: FloatType, x: number): bigint {
  const ms = t.mantissaSize;
  const eMax = 2 ** t.exponentSize - 1;
  const bias = t.exponentBias;
  const implied = t.mantissaNormalization === 2;
  const sign = x < 0 || Object.is(x, -0) ? 1n : 0n;
  let e = 0;
  let m = 0n;
  const a = Math.abs(x);
  const infinity = () => {
    e = eMax;
    m = implied ? 0n : 1n << BigInt(ms - 1);
  };
  if (Number.isNaN(x)) {
    e = eMax;
    m = implied ? 1n << BigInt(ms - 1) : ms >= 2 ? 3n << BigInt(ms - 2) : 1n;
  } else if (a === Infinity) infinity();
  else if (a > 0) {
    const p = exponentOf(a);
    const f = a / 2 ** p; // in [1, 2)
    // Scale f by 2^k exactly, even when 2^k alone would overflow a double.
    const scaled = (k: number) => roundHalfEven(k > 1000 ? f * 2 ** 1000 * 2 ** (k - 1000) : k < -1000 ? f * 2 ** -1000 * 2 ** (k + 1000) : f * 2 ** k);
    if (implied) {
      let be = p + bias;
      if (be >= 1) {
        let mm = roundHalfEven((f - 1) * 2 ** ms);
        if (mm === 2 ** ms) {
          mm = 0;
          be++;
        }
        e = be;
        m = BigInt(mm);
      } else {
        // Subnormal: value = m * 2^(1 - bias - ms).
        const mm = scaled(p - (1 - bias - ms));
        if (mm >= 2 ** ms) {
          e = 1;
          m = 0n;
        } else m = BigInt(mm);
      }
    } else {
      // value = m * 2^(e - bias - ms + 1) with the leading bit stored in m.
      let be = p + bias;
      if (be >= 0) {
        let mm = scaled(ms - 1);
        if (mm === 2 ** ms) {
          mm = 2 ** (ms - 1);
          be++;
        }
        e = be;
        m = BigInt(mm);
      } else m = BigInt(scaled(p + bias + ms - 1));
    }
    if (e >= eMax) infinity();
  }
  return (sign << BigInt(t.signLocation)) | (BigInt(e) << BigInt(t.exponentLocation)) | (m << BigInt(t.mantissaLocation));
}

function floatEncoder(t: FloatType): ElementEncoder {
  if (t.order === 'VAX') throw new H5UnsupportedError('VAX floating-point byte order is not supported');
  const le = t.order === 'LE';
  if (isIeee(t) && t.size === 4) return (value, _out, dv, at) => dv.setFloat32(at, toNumber(value, t), le);
  if (isIeee(t) && t.size === 8) return (value, _out, dv, at) => dv.setFloat64(at, toNumber(value, t), le);
  if (isIeee(t) && t.size === 2) return (value, _out, dv, at) => dv.setUint16(at, floatToHalfBits(toNumber(value, t)), le);
  if (t.exponentSize < 1 || t.exponentSize > 32 || t.mantissaSize < 1) throw new H5ValueError(`${typeName(t)}: bad exponent or mantissa size`);
  return (value, out, _dv, at) => writeBig(out, at, t.size, t.order === 'BE' ? 'BE' : 'LE', customFloatBits(t, toNumber(value, t)));
}

function timeEncoder(t: TimeType): ElementEncoder {
  if (t.size !== 4 && t.size !== 8) throw new H5UnsupportedError(`time datatype of ${t.size} bytes`);
  if (t.order === 'VAX') throw new H5UnsupportedError('VAX byte order is not supported');
  const le = t.order === 'LE';
  const [min, max] = integerRange(true, t.size * 8);
  return (value, _out, dv, at) => {
    const v = toBigInt(value, t);
    if (v < min || v > max) typeError(value, t, 'is out of range for');
    if (t.size === 8) dv.setBigInt64(at, v, le);
    else dv.setInt32(at, Number(v), le);
  };
}

// ---------------------------------------------------------------------------
// strings, opaque, compound, array
// ---------------------------------------------------------------------------

const utf8 = new TextEncoder();

function stringBytes(value: unknown, t: Datatype): Uint8Array {
  if (typeof value === 'string') return utf8.encode(value);
  if (value instanceof Uint8Array) return value;
  typeError(value, t, 'is not a string, as needed by');
}

/**
 * Fixed-length string (spec IV.A.2.d, class 3): UTF-8 bytes, then NULs
 * (null-terminated, null-padded) or spaces (space-padded). A value filling
 * the whole element is stored without a terminator, as the decoder reads it.
 */
function fixedStringEncoder(t: StringType): ElementEncoder {
  const padByte = t.padding === 'spacepad' ? 0x20 : 0;
  return (value, out, _dv, at) => {
    const b = stringBytes(value, t);
    if (b.length > t.size) typeError(value, t, `is ${b.length} bytes, too long for`);
    out.set(b, at);
    out.fill(padByte, at + b.length, at + t.size);
  };
}

function opaqueEncoder(t: Datatype): ElementEncoder {
  return (value, out, _dv, at) => {
    if (!(value instanceof Uint8Array)) typeError(value, t, 'is not a Uint8Array, as needed by');
    if (value.length !== t.size) typeError(value, t, `has ${value.length} bytes, not the ${t.size} of`);
    out.set(value, at);
  };
}

function compoundEncoder(t: CompoundType, svc: EncodeServices | undefined): ElementEncoder {
  const members = t.members.map((m) => ({ name: m.name, offset: m.offset, encode: elementEncoder(m.type, svc) }));
  return (value, out, dv, at) => {
    if (Array.isArray(value)) {
      // A tuple in member order.
      if (value.length !== members.length) typeError(value, t, `has ${value.length} fields, not the members of`);
      for (let i = 0; i < members.length; i++) members[i].encode(value[i], out, dv, at + members[i].offset);
      return;
    }
    if (value === null || typeof value !== 'object') typeError(value, t, 'is not an object, as needed by');
    const o = value as Record<string, unknown>;
    for (const m of members) {
      if (!(m.name in o)) throw new H5TypeError(`compound value lacks member "${m.name}" of ${typeName(t)}`);
      m.encode(o[m.name], out, dv, at + m.offset);
    }
  };
}

/** Flatten nested arrays (C order) of an array-class element into `n` values. */
function flattenArrayValue(value: unknown, n: number, t: ArrayType): ArrayLike<unknown> {
  if (isTypedArray(value)) {
    if (value.length !== n) typeError(value, t, `has ${value.length} values, not the ${n} of`);
    return value;
  }
  if (!Array.isArray(value)) typeError(value, t, 'is not an array, as needed by');
  // Flat (as the decoder returns it) unless nested per dimension; bases whose own values are lists are taken as flat when the count matches.
  const b = t.base.class;
  const listValued = b === 'array' || b === 'vlen' || b === 'opaque' || b === 'compound' || b === 'string';
  const flat = value.length === n && (t.dims.length === 1 || listValued || !value.some(isList)) ? value : flattenDeep(value, t.dims.length);
  if (flat.length !== n) typeError(value, t, `has ${flat.length} values, not the ${n} of`);
  return flat;
}

function flattenDeep(v: unknown[], depth: number): unknown[] {
  const out: unknown[] = [];
  const rec = (x: unknown, d: number) => {
    if (d < depth && (Array.isArray(x) || isTypedArray(x))) for (let i = 0; i < x.length; i++) rec(x[i], d + 1);
    else out.push(x);
  };
  rec(v, 0);
  return out;
}

function arrayEncoder(t: ArrayType, svc: EncodeServices | undefined): ElementEncoder {
  const n = t.dims.reduce((a, b) => a * b, 1);
  const base = t.base;
  const size = base.size;
  const enc = elementEncoder(base, svc);
  const ctor = numericArrayType(base);
  const layout = nativeLayout(base);
  const swap = layout !== null && layout.size > 1 && (layout.order === 'BE') === HOST_LITTLE_ENDIAN;
  return (value, out, dv, at) => {
    if (ctor && layout && isTypedArray(value) && value.constructor === ctor && value.length === n) {
      // Bulk copy of a typed array of the base's own kind.
      out.set(new Uint8Array(value.buffer, value.byteOffset, n * size), at);
      if (swap) byteSwap(out.subarray(at, at + n * size), size);
      return;
    }
    const flat = flattenArrayValue(value, n, t);
    for (let i = 0; i < n; i++) enc(flat[i], out, dv, at + i * size);
  };
}

// ---------------------------------------------------------------------------
// vlen and references (global heap)
// ---------------------------------------------------------------------------

function needServices(svc: EncodeServices | undefined, t: Datatype): EncodeServices {
  if (!svc) throw new H5ValueError(`encoding ${typeName(t)} needs EncodeServices (global heap, object addresses)`);
  return svc;
}

/** Little-endian address of `n` bytes (the undefined address -1 → all ones). */
function writeAddress(out: Uint8Array, at: number, n: number, addr: number): void {
  if (addr === -1) {
    out.fill(0xff, at, at + n);
    return;
  }
  if (!Number.isInteger(addr) || addr < 0) throw new H5ValueError(`address ${addr}`);
  let v = addr;
  for (let i = 0; i < n; i++) {
    out[at + i] = v % 256;
    v = Math.floor(v / 256);
  }
}

/**
 * Variable-length element (spec IV.A.2.d class 9; the disk form of
 * H5T_vlen): a 4-byte length (bytes for strings, elements for sequences),
 * then the global heap ID of the data: collection address and object index.
 * null/undefined is the empty value with a null heap ID (nothing stored).
 */
function vlenEncoder(t: VlenType, svc: EncodeServices | undefined): ElementEncoder {
  const s = needServices(svc, t);
  const o = s.offsetSize;
  if (t.size < 8 + o) throw new H5ValueError(`${typeName(t)} of ${t.size} bytes cannot hold a heap ID`);
  const put = (out: Uint8Array, dv: DataView, at: number, length: number, bytes: Uint8Array) => {
    const id = s.storeHeapObject(bytes);
    dv.setUint32(at, length, true);
    writeAddress(out, at + 4, o, id.collection);
    dv.setUint32(at + 4 + o, id.index, true);
  };
  if (t.kind === 'string') {
    return (value, out, dv, at) => {
      if (value === null || value === undefined) {
        out.fill(0, at, at + t.size);
        return;
      }
      const b = stringBytes(value, t);
      put(out, dv, at, b.length, b);
    };
  }
  const base = t.base;
  return (value, out, dv, at) => {
    if (value === null || value === undefined) {
      out.fill(0, at, at + t.size);
      return;
    }
    if (!isList(value)) typeError(value, t, 'is not an array or typed array, as needed by');
    put(out, dv, at, value.length, encodeElements(base, value, value.length, s));
  };
}

function objectReferenceEncoder(t: Datatype, svc: EncodeServices | undefined): ElementEncoder {
  const s = needServices(svc, t);
  return (value, out, _dv, at) => {
    // A null reference is all zeros (address 0 is never an object header).
    out.fill(0, at, at + t.size);
    if (value === null || value === undefined) return;
    writeAddress(out, at, s.offsetSize, s.objectAddress(value));
  };
}

/**
 * Dataset region reference (H5T_STD_REF_DSETREG): a global heap ID whose
 * object is the dataset's address followed by the serialised selection, as
 * libhdf5 1.10 writes it (H5R__create: all/none/points/hyperslab version 1,
 * hyperslabs as a block list).
 */
function regionReferenceEncoder(t: Datatype, svc: EncodeServices | undefined): ElementEncoder {
  const s = needServices(svc, t);
  const o = s.offsetSize;
  return (value, out, dv, at) => {
    out.fill(0, at, at + t.size);
    if (value === null || value === undefined) return;
    const sel = (value as { selection?: RegionSelection }).selection;
    if (!sel || typeof sel !== 'object') typeError(value, t, 'has no selection, as needed by');
    const body = serializeSelection(sel);
    const heap = new Uint8Array(o + body.length);
    writeAddress(heap, 0, o, s.objectAddress(value));
    heap.set(body, o);
    const id = s.storeHeapObject(heap);
    writeAddress(out, at, o, id.collection);
    dv.setUint32(at + o, id.index, true);
  };
}

/** A dataspace selection in its version 1 serialised form (spec IV.A.2.b "Dataspace Selection"). */
export function serializeSelection(sel: RegionSelection): Uint8Array {
  const words: number[] = [];
  switch (sel.type) {
    case 'none':
    case 'all':
      // Type, version 1, reserved, length 0.
      words.push(sel.type === 'none' ? 0 : 3, 1, 0, 0);
      break;
    case 'points': {
      const rank = sel.points[0]?.length ?? 0;
      words.push(1, 1, 0, 8 + 4 * rank * sel.points.length, rank, sel.points.length);
      for (const p of sel.points) {
        if (p.length !== rank) throw new H5ValueError('points of a selection differ in rank');
        words.push(...p);
      }
      break;
    }
    case 'hyperslab': {
      const rank = sel.blocks[0]?.[0].length ?? 0;
      words.push(2, 1, 0, 8 + 8 * rank * sel.blocks.length, rank, sel.blocks.length);
      for (const [start, end] of sel.blocks) {
        if (start.length !== rank || end.length !== rank) throw new H5ValueError('blocks of a selection differ in rank');
        words.push(...start, ...end);
      }
      break;
    }
  }
  const out = new Uint8Array(4 * words.length);
  const dv = new DataView(out.buffer);
  words.forEach((w, i) => {
    if (!Number.isInteger(w) || w < 0 || w > 0xffffffff) throw new H5ValueError(`selection value ${w} does not fit 32 bits`);
    dv.setUint32(4 * i, w, true);
  });
  return out;
}

// ---------------------------------------------------------------------------

/** Compile a per-element encoder for any datatype. */
export function elementEncoder(t: Datatype, svc?: EncodeServices): ElementEncoder {
  switch (t.class) {
    case 'integer':
    case 'bitfield':
      return integerEncoder(t);
    case 'enum':
      return enumEncoder(t);
    case 'float':
      return floatEncoder(t);
    case 'time':
      return timeEncoder(t);
    case 'string':
      return fixedStringEncoder(t);
    case 'opaque':
      return opaqueEncoder(t);
    case 'compound':
      return compoundEncoder(t, svc);
    case 'array':
      return arrayEncoder(t, svc);
    case 'vlen':
      return vlenEncoder(t, svc);
    case 'reference':
      return t.refType === 'object' ? objectReferenceEncoder(t, svc) : regionReferenceEncoder(t, svc);
  }
}
