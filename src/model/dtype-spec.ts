import { H5TypeError } from '../errors.js';
import type {
  ArrayType,
  CompoundType,
  Datatype,
  EnumType,
  FloatType,
  IntegerType,
  OpaqueType,
  ReferenceType,
  StringType,
  VlenType,
} from '../format/messages/datatype.js';

/**
 * Datatypes spelled the way numpy and h5py users write them: `'<f4'`,
 * `'>i8'`, `'u1'`, `'f2'`, `'S10'`, `'bool'`, `'c8'`, `'str'`, plus builders
 * for the classes numpy has no string for.
 */
export type DtypeSpec = string | Datatype;

const FLOAT_LAYOUT: Record<number, [number, number, number, number, number, number]> = {
  // sign, exponent position, exponent size, mantissa position, mantissa size, bias
  2: [15, 10, 5, 0, 10, 15],
  4: [31, 23, 8, 0, 23, 127],
  8: [63, 52, 11, 0, 52, 1023],
};

/** Significant bits of an integer inside its bytes (H5Tset_precision / H5Tset_offset). */
export interface BitRange {
  /** Number of significant bits (default: all bits of the size). */
  readonly precision?: number;
  /** Bit position of the least significant of them (default 0). */
  readonly offset?: number;
}

function checkBits(what: string, size: number, precision: number, offset: number): void {
  if (!Number.isInteger(precision) || !Number.isInteger(offset) || precision < 1 || offset < 0 || precision + offset > size * 8) {
    throw new H5TypeError(`${what}: ${precision} bits at offset ${offset} do not fit ${size} bytes`);
  }
}

/**
 * An integer type. `bits` gives a reduced precision and a bit offset
 * (padding bits are zero): what the n-bit filter packs.
 */
export function integerType(size: number, signed: boolean, order: 'LE' | 'BE' = 'LE', bits: BitRange = {}): IntegerType {
  if (![1, 2, 4, 8].includes(size)) throw new H5TypeError(`integer size ${size} (use 1, 2, 4 or 8)`);
  const precision = bits.precision ?? size * 8 - (bits.offset ?? 0);
  const bitOffset = bits.offset ?? 0;
  checkBits('integer', size, precision, bitOffset);
  return { class: 'integer', size, order, signed, bitOffset, precision };
}

/**
 * A float layout other than IEEE's (H5Tset_fields, H5Tset_ebias, then
 * H5Tset_offset and H5Tset_precision): bit positions within the element.
 */
export interface FloatLayout extends BitRange {
  readonly signLocation: number;
  readonly exponentLocation: number;
  readonly exponentSize: number;
  readonly mantissaLocation: number;
  readonly mantissaSize: number;
  readonly exponentBias: number;
}

/** A float type: IEEE half, single or double, or a custom `layout` (e.g. for the n-bit filter). */
export function floatType(size: number, order: 'LE' | 'BE' = 'LE', layout?: FloatLayout): FloatType {
  if (layout) {
    if (![1, 2, 4, 8].includes(size)) throw new H5TypeError(`float size ${size} (use 1, 2, 4 or 8)`);
    const bitOffset = layout.offset ?? 0;
    const precision = layout.precision ?? size * 8 - bitOffset;
    checkBits('float', size, precision, bitOffset);
    const { signLocation: s, exponentLocation: e, exponentSize: es, mantissaLocation: m, mantissaSize: ms } = layout;
    const end = bitOffset + precision;
    // As H5Tset_fields and H5Tset_precision require: fields inside the significant bits, not overlapping.
    const inside = s >= bitOffset && s < end && e >= bitOffset && e + es <= end && m >= bitOffset && m + ms <= end;
    const apart = (s < m || s >= m + ms) && (s < e || s >= e + es) && (m + ms <= e || e + es <= m);
    if (!inside || !apart || es < 1 || ms < 1 || ![s, e, es, m, ms].every(Number.isInteger)) {
      throw new H5TypeError(`float layout: sign ${s}, exponent ${e}+${es}, mantissa ${m}+${ms} must lie apart within bits ${bitOffset}..${end - 1}`);
    }
    return {
      class: 'float', size, order, bitOffset, precision,
      signLocation: s, exponentLocation: e, exponentSize: es, mantissaLocation: m, mantissaSize: ms, exponentBias: layout.exponentBias,
      mantissaNormalization: 2,
    };
  }
  const l = FLOAT_LAYOUT[size];
  if (!l) throw new H5TypeError(`float size ${size} (use 2, 4 or 8)`);
  return {
    class: 'float', size, order, bitOffset: 0, precision: size * 8,
    signLocation: l[0], exponentLocation: l[1], exponentSize: l[2], mantissaLocation: l[3], mantissaSize: l[4], exponentBias: l[5],
    mantissaNormalization: 2,
  };
}

/** h5py's bool: an enum over int8 with FALSE=0 and TRUE=1. */
export function boolType(): EnumType {
  return { class: 'enum', size: 1, base: integerType(1, true), members: [{ name: 'FALSE', value: 0 }, { name: 'TRUE', value: 1 }] };
}

/** h5py's complex: a compound of two floats named r and i. */
export function complexType(partSize: 4 | 8, order: 'LE' | 'BE' = 'LE'): CompoundType {
  const f = floatType(partSize, order);
  return { class: 'compound', size: 2 * partSize, members: [{ name: 'r', offset: 0, type: f }, { name: 'i', offset: partSize, type: f }] };
}

export function fixedStringType(size: number, charset: 'ascii' | 'utf8' = 'ascii', padding: StringType['padding'] = 'nullpad'): StringType {
  if (!(size >= 1)) throw new H5TypeError(`string size ${size}`);
  return { class: 'string', size, padding, charset };
}

/** Variable-length string (h5py's `str`); UTF-8 unless asked otherwise. */
export function vlenStringType(charset: 'ascii' | 'utf8' = 'utf8'): VlenType {
  return { class: 'vlen', size: 16, kind: 'string', padding: 'nullterm', charset, base: { class: 'integer', size: 1, order: 'LE', signed: false, bitOffset: 0, precision: 8 } };
}

export function vlenType(base: DtypeSpec): VlenType {
  return { class: 'vlen', size: 16, kind: 'sequence', padding: 'nullterm', charset: 'ascii', base: parseDtype(base) };
}

export function arrayType(base: DtypeSpec, dims: number[]): ArrayType {
  const b = parseDtype(base);
  if (!dims.length || dims.some((d) => !Number.isInteger(d) || d < 1)) throw new H5TypeError(`array dims ${JSON.stringify(dims)}`);
  return { class: 'array', size: dims.reduce((a, c) => a * c, b.size), dims: dims.slice(), base: b };
}

export function enumType(base: DtypeSpec, members: Record<string, number | bigint>): EnumType {
  const b = parseDtype(base);
  if (b.class !== 'integer') throw new H5TypeError('enum base must be an integer type');
  return { class: 'enum', size: b.size, base: b, members: Object.entries(members).map(([name, value]) => ({ name, value })) };
}

/** A compound; members are packed in the order given unless offsets are passed. */
export function compoundType(fields: Record<string, DtypeSpec> | { name: string; type: DtypeSpec; offset?: number }[]): CompoundType {
  const list = Array.isArray(fields) ? fields : Object.entries(fields).map(([name, type]) => ({ name, type, offset: undefined }));
  let at = 0;
  let size = 0;
  const members = list.map((f) => {
    const type = parseDtype(f.type);
    const offset = f.offset ?? at;
    at = offset + type.size;
    size = Math.max(size, at);
    return { name: f.name, offset, type };
  });
  const names = new Set(members.map((m) => m.name));
  if (names.size !== members.length) throw new H5TypeError('compound member names must be unique');
  return { class: 'compound', size, members };
}

export function opaqueType(size: number, tag = ''): OpaqueType {
  return { class: 'opaque', size, tag };
}

export function referenceType(kind: 'object' | 'region' = 'object'): ReferenceType {
  return { class: 'reference', size: kind === 'object' ? 8 : 12, refType: kind };
}

/** Parse a numpy-style type string, or pass a Datatype through. */
export function parseDtype(spec: DtypeSpec): Datatype {
  if (typeof spec !== 'string') return spec;
  // One object per spec string: datatypes are immutable, and sharing them lets
  // the writer encode each once (encodeDatatype).
  let t = parsedSpecs.get(spec);
  if (!t) {
    if (parsedSpecs.size >= 256) parsedSpecs.clear();
    parsedSpecs.set(spec, (t = parseDtypeString(spec)));
  }
  return t;
}

const parsedSpecs = new Map<string, Datatype>();

function parseDtypeString(spec: string): Datatype {
  const s = spec.trim();
  if (s === 'bool' || s === '?' || s === '|b1' || s === 'b1') return boolType();
  if (s === 'str' || s === 'vlen-str' || s === 'O') return vlenStringType('utf8');
  const m = /^([<>|=]?)([iufcSUaV])(\d+)$/.exec(s) ?? /^(?:)()(int|uint|float|complex)(\d+)$/.exec(s);
  if (!m) throw new H5TypeError(`unknown dtype "${spec}"`);
  const order: 'LE' | 'BE' = m[1] === '>' ? 'BE' : 'LE';
  let kind = m[2];
  let n = Number(m[3]);
  if (kind === 'int' || kind === 'uint' || kind === 'float' || kind === 'complex') {
    n /= 8;
    kind = { int: 'i', uint: 'u', float: 'f', complex: 'c' }[kind]!;
  }
  switch (kind) {
    case 'i':
      return integerType(n, true, order);
    case 'u':
      return integerType(n, false, order);
    case 'f':
      return floatType(n, order);
    case 'c':
      if (n !== 8 && n !== 16) throw new H5TypeError(`complex size ${n} (use c8 or c16)`);
      return complexType((n / 2) as 4 | 8, order);
    case 'S':
    case 'a':
      return fixedStringType(n, 'ascii', 'nullpad');
    case 'U':
      throw new H5TypeError(`numpy "U" strings have no HDF5 equivalent; use "str" (variable-length UTF-8) or "S${n * 4}"`);
    case 'V':
      return opaqueType(n);
  }
  throw new H5TypeError(`unknown dtype "${spec}"`);
}

/** Whether `t` holds a member, base or element of class `cls` at any depth (compound members, array and vlen bases). */
export function containsClass(t: Datatype, cls: Datatype['class']): boolean {
  if (t.class === cls) return true;
  switch (t.class) {
    case 'compound':
      return t.members.some((m) => containsClass(m.type, cls));
    case 'array':
    case 'vlen':
      return containsClass(t.base, cls);
    default:
      return false;
  }
}
