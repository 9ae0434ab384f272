import { H5FormatError, H5UnsupportedError } from '../errors.js';
import type {
  Datatype,
  FloatType,
  IntegerType,
  BitfieldType,
  StringType,
} from '../format/messages/datatype.js';
import { HOST_LITTLE_ENDIAN, byteSwap, type NumericArray, type NumericArrayConstructor } from './typed-arrays.js';

/**
 * Conversion of raw element bytes (in the file's datatype) to JS values.
 * Numeric data becomes typed arrays in bulk; everything else goes through
 * per-element decoders compiled once per datatype.
 */

/** Services the element decoders need from the file (global heap, references). */
export interface DecodeServices {
  /** Bytes of a global heap object (vlen data); `null` for a null heap ID. */
  heapObject(collectionAddress: number, index: number): Uint8Array | null;
  readonly offsetSize: number;
  /** Make a JS value for an object reference address (undefined address → null). */
  objectReference(address: number): unknown;
  /** Make a JS value for a region reference stored in a global heap object. */
  regionReference(heapBytes: Uint8Array | null): unknown;
}

export interface DecodeOptions {
  /** Fixed-length strings as their raw bytes (Uint8Array, trailing padding removed) instead of JS strings. */
  readonly fixedStringsAsBytes?: boolean;
}

/** The typed array constructor for a numeric datatype, or null if it is not numeric. */
export function numericArrayType(t: Datatype): NumericArrayConstructor | null {
  switch (t.class) {
    case 'integer':
    case 'bitfield':
    case 'time': {
      const signed = t.class === 'integer' && t.signed;
      if (t.size > 8) return null;
      const size = t.size <= 1 ? 1 : t.size <= 2 ? 2 : t.size <= 4 ? 4 : 8;
      if (size === 1) return signed ? Int8Array : Uint8Array;
      if (size === 2) return signed ? Int16Array : Uint16Array;
      if (size === 4) return signed ? Int32Array : Uint32Array;
      return signed || t.class === 'time' ? BigInt64Array : BigUint64Array;
    }
    case 'enum':
      return numericArrayType(t.base);
    case 'float':
      return isIeee(t) && t.size === 4 ? Float32Array : Float64Array;
    default:
      return null;
  }
}

/** IEEE binary16/32/64 with the standard field layout (the common case). */
export function isIeee(t: FloatType): boolean {
  const std: Record<number, [number, number, number, number, number, number]> = {
    2: [15, 10, 5, 0, 10, 15],
    4: [31, 23, 8, 0, 23, 127],
    8: [63, 52, 11, 0, 52, 1023],
  };
  const s = std[t.size];
  return (
    !!s &&
    t.order !== 'VAX' &&
    t.bitOffset === 0 &&
    t.precision === t.size * 8 &&
    t.signLocation === s[0] &&
    t.exponentLocation === s[1] &&
    t.exponentSize === s[2] &&
    t.mantissaLocation === s[3] &&
    t.mantissaSize === s[4] &&
    t.exponentBias === s[5] &&
    t.mantissaNormalization === 2
  );
}

function fullWidth(t: IntegerType | BitfieldType): boolean {
  return t.bitOffset === 0 && t.precision === t.size * 8 && (t.size === 1 || t.size === 2 || t.size === 4 || t.size === 8);
}

/**
 * Decode `count` numeric elements. `bytes` may be modified when `owned`
 * (byte-swapped in place); otherwise it is copied first.
 */
export function decodeNumeric(t: Datatype, bytes: Uint8Array, count: number, owned: boolean): NumericArray {
  const ctor = numericArrayType(t);
  if (!ctor) throw new H5UnsupportedError(`datatype class ${t.class} is not numeric`);
  const base = t.class === 'enum' ? t.base : t;
  const size = base.size;
  const need = count * size;
  if (bytes.length < need) throw new H5FormatError('data', -1, `${count} elements of ${size} bytes need ${need} bytes, ${bytes.length} available`);
  if ((base.class === 'integer' || base.class === 'bitfield') && !fullWidth(base)) return decodeBitInts(base, bytes, count, ctor);
  if (base.class === 'float' && !isIeee(base)) return decodeCustomFloats(base, bytes, count);
  if (base.class === 'float' && base.size === 2) return decodeHalfFloats(base, bytes, count);
  if (base.class === 'time' && size !== 8 && size !== 4) throw new H5UnsupportedError(`time datatype of ${size} bytes`);
  if (base.class === 'time' && size === 4) {
    const out = new BigInt64Array(count);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, need);
    for (let i = 0; i < count; i++) out[i] = BigInt(dv.getInt32(i * 4, base.order === 'LE'));
    return out;
  }
  const order = (base as { order: string }).order;
  const swap = size > 1 && (order === 'BE') === HOST_LITTLE_ENDIAN;
  let b = bytes.subarray(0, need);
  // A view is returned only when the bytes are ours, aligned and already in host order.
  // new Uint8Array(view) always copies; slice() on a Uint8Array subclass may return a view instead.
  if (!owned || b.byteOffset % ctor.BYTES_PER_ELEMENT !== 0) b = new Uint8Array(b);
  if (swap) byteSwap(b, size);
  return new ctor(b.buffer as ArrayBuffer, b.byteOffset, count) as NumericArray;
}

/** Integers/bitfields with a bit offset or reduced precision, or odd sizes (libhdf5 converts bit fields). */
function decodeBitInts(t: IntegerType | BitfieldType, bytes: Uint8Array, count: number, ctor: NumericArrayConstructor): NumericArray {
  const out = new ctor(count) as NumericArray;
  const signed = t.class === 'integer' && t.signed;
  const prec = BigInt(t.precision);
  const mask = (1n << prec) - 1n;
  const off = BigInt(t.bitOffset);
  const big = out instanceof BigInt64Array || out instanceof BigUint64Array;
  for (let i = 0; i < count; i++) {
    let v = 0n;
    const at = i * t.size;
    for (let k = 0; k < t.size; k++) {
      const byte = t.order === 'BE' ? bytes[at + k] : bytes[at + t.size - 1 - k];
      v = (v << 8n) | BigInt(byte);
    }
    v = (v >> off) & mask;
    if (signed && t.precision > 0 && v >> (prec - 1n)) v -= 1n << prec;
    if (big) (out as BigInt64Array)[i] = v;
    else (out as Int32Array)[i] = Number(v);
  }
  return out;
}

/** Binary16 → float32 for all 65536 bit patterns, built on first use (not at import). */
let f16Table: Float32Array | undefined;
function halfTable(): Float32Array {
  if (f16Table) return f16Table;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const m = h & 0x3ff;
    t[h] = e === 0 ? s * m * 2 ** -24 : e === 31 ? (m ? NaN : s * Infinity) : s * (1 + m / 1024) * 2 ** (e - 15);
  }
  return (f16Table = t);
}

function decodeHalfFloats(t: FloatType, bytes: Uint8Array, count: number): NumericArray {
  const out = new Float32Array(count);
  const f16 = halfTable();
  const be = t.order === 'BE';
  for (let i = 0; i < count; i++) {
    const a = bytes[2 * i], b = bytes[2 * i + 1];
    out[i] = f16[be ? (a << 8) | b : (b << 8) | a];
  }
  return out;
}

/** Floats with a non-IEEE layout (bfloat16, 80-bit x87 padded, 128-bit, reduced precision): decoded field by field. */
function decodeCustomFloats(t: FloatType, bytes: Uint8Array, count: number): Float64Array {
  if (t.order === 'VAX') throw new H5UnsupportedError('VAX floating-point byte order is not supported');
  const out = new Float64Array(count);
  const eMask = (1n << BigInt(t.exponentSize)) - 1n;
  const mMask = (1n << BigInt(t.mantissaSize)) - 1n;
  const eMax = Number(eMask);
  for (let i = 0; i < count; i++) {
    let v = 0n;
    const at = i * t.size;
    for (let k = 0; k < t.size; k++) {
      const byte = t.order === 'BE' ? bytes[at + k] : bytes[at + t.size - 1 - k];
      v = (v << 8n) | BigInt(byte);
    }
    const sign = (v >> BigInt(t.signLocation)) & 1n ? -1 : 1;
    const e = Number((v >> BigInt(t.exponentLocation)) & eMask);
    const mBig = (v >> BigInt(t.mantissaLocation)) & mMask;
    // Mantissa as a fraction in [0, 1): keep the top 64 bits for precision.
    const shift = Math.max(0, t.mantissaSize - 64);
    const frac = Number(mBig >> BigInt(shift)) / 2 ** (t.mantissaSize - shift);
    let value: number;
    if (e === eMax && t.mantissaNormalization === 2) value = mBig === 0n ? Infinity : NaN;
    else if (t.mantissaNormalization === 2) value = e === 0 ? frac * 2 ** (1 - t.exponentBias) : (1 + frac) * 2 ** (e - t.exponentBias);
    else {
      // Normalisation "none" and "MSB set" (x87 extended precision) store the integer bit: the binary point follows the field's top bit.
      if (e === eMax) value = (mBig & (mMask >> 1n)) === 0n ? Infinity : NaN;
      else value = 2 * frac * 2 ** (e - t.exponentBias);
    }
    out[i] = sign * value;
  }
  return out;
}

/** Decode a fixed-length string element per its padding (spec IV.A.2.d, class 3). */
export function fixedStringBytes(t: StringType | { padding: StringType['padding'] }, b: Uint8Array): Uint8Array {
  let end = b.length;
  if (t.padding === 'nullterm') {
    const z = b.indexOf(0);
    if (z >= 0) end = z;
  } else if (t.padding === 'nullpad') {
    while (end > 0 && b[end - 1] === 0) end--;
  } else {
    while (end > 0 && (b[end - 1] === 0x20 || b[end - 1] === 0)) end--;
  }
  return b.subarray(0, end);
}

const utf8 = new TextDecoder('utf-8');

/** Both charsets decode as UTF-8: libhdf5 passes "ASCII" bytes >= 0x80 through and h5py decodes them as UTF-8. */
function bytesToString(b: Uint8Array): string {
  return utf8.decode(b);
}

/** Integers wider than 8 bytes (e.g. PyTables' 128-bit) as bigint. */
function wideInteger(t: IntegerType | BitfieldType, b: Uint8Array): bigint {
  let v = 0n;
  for (let k = 0; k < t.size; k++) v = (v << 8n) | BigInt(t.order === 'BE' ? b[k] : b[t.size - 1 - k]);
  v = (v >> BigInt(t.bitOffset)) & ((1n << BigInt(t.precision)) - 1n);
  if (t.class === 'integer' && t.signed && v >> BigInt(t.precision - 1)) v -= 1n << BigInt(t.precision);
  return v;
}

export type ElementDecoder = (bytes: Uint8Array, at: number) => unknown;

/** Compile a per-element decoder for any datatype. */
export function elementDecoder(t: Datatype, svc: DecodeServices, opts: DecodeOptions = {}): ElementDecoder {
  switch (t.class) {
    case 'integer':
    case 'bitfield':
    case 'enum':
    case 'float':
    case 'time': {
      if (!numericArrayType(t)) return (bytes, at) => wideInteger(t as IntegerType, bytes.subarray(at, at + t.size));
      return (bytes, at) => decodeNumeric(t, bytes.subarray(at, at + t.size), 1, false)[0];
    }
    case 'string':
      if (opts.fixedStringsAsBytes) return (bytes, at) => fixedStringBytes(t, bytes.subarray(at, at + t.size)).slice();
      return (bytes, at) => bytesToString(fixedStringBytes(t, bytes.subarray(at, at + t.size)));
    case 'opaque':
      return (bytes, at) => bytes.slice(at, at + t.size);
    case 'compound': {
      const members = t.members.map((m) => ({ name: m.name, offset: m.offset, decode: elementDecoder(m.type, svc, opts) }));
      return (bytes, at) => {
        const o: Record<string, unknown> = {};
        for (const m of members) o[m.name] = m.decode(bytes, at + m.offset);
        return o;
      };
    }
    case 'array': {
      const n = t.dims.reduce((a, b) => a * b, 1);
      const base = t.base;
      if (numericArrayType(base)) return (bytes, at) => decodeNumeric(base, bytes.subarray(at, at + n * base.size), n, false);
      const d = elementDecoder(base, svc, opts);
      return (bytes, at) => {
        const out: unknown[] = new Array(n);
        for (let i = 0; i < n; i++) out[i] = d(bytes, at + i * base.size);
        return out;
      };
    }
    case 'vlen': {
      const o = svc.offsetSize;
      const readId = (bytes: Uint8Array, at: number) => {
        const len = bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24);
        let addr = 0;
        let mul = 1;
        let allOnes = true;
        for (let k = 0; k < o; k++) {
          const byte = bytes[at + 4 + k];
          if (byte !== 0xff) allOnes = false;
          addr += byte * mul;
          mul *= 256;
        }
        const p = at + 4 + o;
        const index = (bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16) | (bytes[p + 3] << 24)) >>> 0;
        return { len: len >>> 0, addr: allOnes ? -1 : addr, index };
      };
      if (t.kind === 'string') {
        return (bytes, at) => {
          const { len, addr, index } = readId(bytes, at);
          if (addr <= 0 && index === 0) return '';
          const obj = svc.heapObject(addr, index);
          if (!obj) return '';
          return bytesToString(obj.subarray(0, Math.min(len, obj.length)));
        };
      }
      const base = t.base;
      const num = numericArrayType(base);
      const d = num ? null : elementDecoder(base, svc, opts);
      return (bytes, at) => {
        const { len, addr, index } = readId(bytes, at);
        const obj = addr <= 0 && index === 0 ? null : svc.heapObject(addr, index);
        const n = obj ? Math.min(len, Math.floor(obj.length / Math.max(1, base.size))) : 0;
        if (num) return decodeNumeric(base, obj ? obj.subarray(0, n * base.size) : new Uint8Array(0), n, false);
        const out: unknown[] = new Array(n);
        for (let i = 0; i < n; i++) out[i] = d!(obj!, i * base.size);
        return out;
      };
    }
    case 'reference': {
      const o = svc.offsetSize;
      if (t.refType === 'object') {
        return (bytes, at) => {
          let allOnes = true;
          let zero = true;
          let addr = 0;
          let mul = 1;
          for (let k = 0; k < o; k++) {
            const byte = bytes[at + k];
            if (byte !== 0xff) allOnes = false;
            if (byte !== 0) zero = false;
            addr += byte * mul;
            mul *= 256;
          }
          return svc.objectReference(allOnes || zero ? -1 : addr);
        };
      }
      return (bytes, at) => {
        let addr = 0;
        let mul = 1;
        let zero = true;
        for (let k = 0; k < o; k++) {
          const byte = bytes[at + k];
          if (byte !== 0) zero = false;
          addr += byte * mul;
          mul *= 256;
        }
        const p = at + o;
        const index = (bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16) | (bytes[p + 3] << 24)) >>> 0;
        return svc.regionReference(zero ? null : svc.heapObject(addr, index));
      };
    }
  }
}

/** Decode `count` elements of any datatype: typed arrays for numeric types, arrays otherwise. */
export function decodeElements(
  t: Datatype,
  bytes: Uint8Array,
  count: number,
  owned: boolean,
  svc: DecodeServices,
  opts: DecodeOptions = {},
): NumericArray | unknown[] {
  if (numericArrayType(t)) return decodeNumeric(t, bytes, count, owned);
  const d = elementDecoder(t, svc, opts);
  const out: unknown[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = d(bytes, i * t.size);
  return out;
}
