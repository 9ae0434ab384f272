import { ByteReader } from '../byte-reader.js';
import { H5UnsupportedError } from '../../errors.js';

/**
 * Datatype message (spec IV.A.2.d). Parsed into a plain description; the
 * model layer turns it into value decoders.
 */
export type ByteOrder = 'LE' | 'BE' | 'VAX';
export type StringPadding = 'nullterm' | 'nullpad' | 'spacepad';
export type CharSet = 'ascii' | 'utf8';

export interface IntegerType {
  readonly class: 'integer';
  readonly size: number;
  readonly order: ByteOrder;
  readonly signed: boolean;
  readonly bitOffset: number;
  readonly precision: number;
}
export interface FloatType {
  readonly class: 'float';
  readonly size: number;
  readonly order: ByteOrder;
  readonly bitOffset: number;
  readonly precision: number;
  readonly signLocation: number;
  readonly exponentLocation: number;
  readonly exponentSize: number;
  readonly mantissaLocation: number;
  readonly mantissaSize: number;
  readonly exponentBias: number;
  /** 0 none, 1 most significant bit always set, 2 implied (IEEE). */
  readonly mantissaNormalization: number;
}
export interface TimeType {
  readonly class: 'time';
  readonly size: number;
  readonly order: ByteOrder;
  readonly precision: number;
}
export interface StringType {
  readonly class: 'string';
  readonly size: number;
  readonly padding: StringPadding;
  readonly charset: CharSet;
}
export interface BitfieldType {
  readonly class: 'bitfield';
  readonly size: number;
  readonly order: ByteOrder;
  readonly bitOffset: number;
  readonly precision: number;
}
export interface OpaqueType {
  readonly class: 'opaque';
  readonly size: number;
  readonly tag: string;
}
export interface CompoundMember {
  readonly name: string;
  readonly offset: number;
  readonly type: Datatype;
}
export interface CompoundType {
  readonly class: 'compound';
  readonly size: number;
  readonly members: CompoundMember[];
}
export interface ReferenceType {
  readonly class: 'reference';
  readonly size: number;
  readonly refType: 'object' | 'region';
}
export interface EnumType {
  readonly class: 'enum';
  readonly size: number;
  readonly base: IntegerType;
  readonly members: { name: string; value: number | bigint }[];
}
export interface VlenType {
  readonly class: 'vlen';
  readonly size: number;
  readonly kind: 'sequence' | 'string';
  readonly base: Datatype;
  readonly padding: StringPadding;
  readonly charset: CharSet;
}
export interface ArrayType {
  readonly class: 'array';
  readonly size: number;
  readonly dims: number[];
  readonly base: Datatype;
}

export type Datatype =
  | IntegerType
  | FloatType
  | TimeType
  | StringType
  | BitfieldType
  | OpaqueType
  | CompoundType
  | ReferenceType
  | EnumType
  | VlenType
  | ArrayType;

const PADDINGS: StringPadding[] = ['nullterm', 'nullpad', 'spacepad'];

/** Deepest nesting of compound/array/vlen/enum types h5kit accepts (hostile-input guard). */
const MAX_TYPE_DEPTH = 32;

export function readDatatype(r: ByteReader, depth = 0): Datatype {
  const start = r.pos;
  const t = readDatatypeFields(r, depth);
  const problem = inconsistency(t, r.sizes.offsetSize);
  if (problem) r.fail(`inconsistent ${t.class} datatype: ${problem}`, start);
  return t;
}

/**
 * Sizes and bit fields must fit inside the element: element decoders rely on
 * it, so a corrupt type is rejected here instead of read out of bounds.
 */
function inconsistency(t: Datatype, offsetSize: number): string | undefined {
  if (t.size <= 0 && t.class !== 'compound') return `size ${t.size}`;
  switch (t.class) {
    case 'integer':
    case 'bitfield':
      if (t.precision === 0 || t.bitOffset + t.precision > t.size * 8) return `bits ${t.bitOffset}+${t.precision} exceed ${t.size} bytes`;
      return undefined;
    case 'float': {
      const bits = t.size * 8;
      if (t.signLocation >= bits || t.exponentLocation + t.exponentSize > bits || t.mantissaLocation + t.mantissaSize > bits) return 'fields exceed the element';
      if (t.exponentSize === 0 || t.exponentSize > 32 || t.mantissaSize === 0) return 'bad exponent or mantissa size';
      return undefined;
    }
    case 'compound':
      for (const m of t.members) if (m.offset + m.type.size > t.size) return `member "${m.name}" ends past the compound's ${t.size} bytes`;
      return undefined;
    case 'array': {
      const n = t.dims.reduce((a, b) => a * b, 1);
      if (n * t.base.size !== t.size) return `${n} elements of ${t.base.size} bytes do not make ${t.size}`;
      return undefined;
    }
    case 'enum':
      return t.base.size !== t.size ? `base size ${t.base.size} differs from ${t.size}` : undefined;
    case 'vlen':
      return t.size < 8 + offsetSize ? `size ${t.size} cannot hold a length and a global heap ID` : undefined;
    case 'reference':
      return t.size < offsetSize ? `size ${t.size} cannot hold an address` : undefined;
    default:
      return undefined;
  }
}

function readDatatypeFields(r: ByteReader, depth: number): Datatype {
  if (depth > MAX_TYPE_DEPTH) r.fail('datatype nested more than 32 levels');
  const start = r.pos;
  const cv = r.u8();
  const cls = cv & 0x0f;
  const version = cv >> 4;
  if (version < 1 || version > 5) r.fail(`unknown datatype version ${version}`, start);
  const b0 = r.u8();
  const b1 = r.u8();
  const b2 = r.u8();
  const bits = b0 | (b1 << 8) | (b2 << 16);
  const size = r.u32();
  switch (cls) {
    case 0: {
      const bitOffset = r.u16();
      const precision = r.u16();
      return { class: 'integer', size, order: b0 & 1 ? 'BE' : 'LE', signed: (b0 & 8) !== 0, bitOffset, precision };
    }
    case 1: {
      const lo = b0 & 1;
      const hi = (b0 >> 6) & 1;
      const order: ByteOrder = hi ? (lo ? 'VAX' : r.fail('reserved float byte order')) : lo ? 'BE' : 'LE';
      const bitOffset = r.u16();
      const precision = r.u16();
      const exponentLocation = r.u8();
      const exponentSize = r.u8();
      const mantissaLocation = r.u8();
      const mantissaSize = r.u8();
      const exponentBias = r.u32();
      return {
        class: 'float', size, order, bitOffset, precision,
        signLocation: b1, exponentLocation, exponentSize, mantissaLocation, mantissaSize, exponentBias,
        mantissaNormalization: (b0 >> 4) & 3,
      };
    }
    case 2: {
      const precision = r.u16();
      return { class: 'time', size, order: b0 & 1 ? 'BE' : 'LE', precision };
    }
    case 3:
      return { class: 'string', size, padding: PADDINGS[b0 & 0x0f] ?? 'nullterm', charset: (b0 >> 4) & 0x0f ? 'utf8' : 'ascii' };
    case 4: {
      const bitOffset = r.u16();
      const precision = r.u16();
      return { class: 'bitfield', size, order: b0 & 1 ? 'BE' : 'LE', bitOffset, precision };
    }
    case 5: {
      const tagLen = b0;
      const tagBytes = r.bytesView(tagLen);
      let end = 0;
      while (end < tagBytes.length && tagBytes[end] !== 0) end++;
      return { class: 'opaque', size, tag: new TextDecoder().decode(tagBytes.subarray(0, end)) };
    }
    case 6:
      return readCompound(r, version, bits & 0xffff, size, depth);
    case 7: {
      if (version >= 4) throw new H5UnsupportedError(`revised (HDF5 1.12) reference datatype at offset ${r.address + start} is not supported`);
      const t = bits & 0x0f;
      if (t >= 2 && t <= 4) throw new H5UnsupportedError(`revised (HDF5 1.12) reference type ${t} at offset ${r.address + start} is not supported`);
      if (t > 1) r.fail(`unknown reference type ${t}`);
      return { class: 'reference', size, refType: t === 0 ? 'object' : 'region' };
    }
    case 8: {
      const n = bits & 0xffff;
      const base = readDatatype(r, depth + 1);
      if (base.class !== 'integer') r.fail(`enum base type must be an integer, got ${base.class}`);
      const names: string[] = [];
      for (let i = 0; i < n; i++) {
        const s = r.pos;
        names.push(r.cString());
        if (version < 3) r.seek(s + Math.ceil((r.pos - s) / 8) * 8);
      }
      const members: EnumType['members'] = [];
      for (let i = 0; i < n; i++) {
        members.push({ name: names[i], value: readIntegerValue(r.bytesView(base.size), base) });
      }
      return { class: 'enum', size, base, members };
    }
    case 9: {
      const kind = (bits & 0x0f) === 1 ? 'string' : 'sequence';
      const padding = PADDINGS[(bits >> 4) & 0x0f] ?? 'nullterm';
      const charset: CharSet = (bits >> 8) & 0x0f ? 'utf8' : 'ascii';
      const base = readDatatype(r, depth + 1);
      return { class: 'vlen', size, kind, base, padding, charset };
    }
    case 10: {
      const rank = r.u8();
      if (version < 3) r.skip(3);
      const dims: number[] = [];
      for (let i = 0; i < rank; i++) dims.push(r.u32());
      if (version < 3) r.skip(4 * rank); // permutation indices (unused by libhdf5)
      const base = readDatatype(r, depth + 1);
      return { class: 'array', size, dims, base };
    }
    default:
      r.fail(`unknown datatype class ${cls}`, start);
  }
}

function readCompound(r: ByteReader, version: number, n: number, size: number, depth: number): CompoundType {
  const members: CompoundMember[] = [];
  // Version 3 encodes member offsets in as few bytes as the compound size needs.
  const offsetBytes = size < 0x100 ? 1 : size < 0x10000 ? 2 : size < 0x1000000 ? 3 : 4;
  for (let i = 0; i < n; i++) {
    const s = r.pos;
    const name = r.cString();
    if (version < 3) r.seek(s + Math.ceil((r.pos - s) / 8) * 8);
    const offset = version < 3 ? r.u32() : r.uint(offsetBytes);
    if (version === 1) {
      const rank = r.u8();
      r.skip(3 + 4 + 4);
      const dims: number[] = [];
      for (let d = 0; d < 4; d++) dims.push(r.u32());
      const base = readDatatype(r, depth + 1);
      if (rank > 0) {
        // Version 1 compounds carry array members inline; model them as array types.
        const dd = dims.slice(0, rank);
        members.push({ name, offset, type: { class: 'array', size: dd.reduce((a, b) => a * b, 1) * base.size, dims: dd, base } });
        continue;
      }
      members.push({ name, offset, type: base });
    } else {
      members.push({ name, offset, type: readDatatype(r, depth + 1) });
    }
  }
  return { class: 'compound', size, members };
}

/** Integer value of an enum member or fill value, as number (≤ 6 bytes) or bigint. */
export function readIntegerValue(b: Uint8Array, t: IntegerType): number | bigint {
  const n = t.size;
  let v = 0n;
  for (let i = 0; i < n; i++) {
    const byte = t.order === 'BE' ? b[i] : b[n - 1 - i];
    v = (v << 8n) | BigInt(byte);
  }
  if (t.signed && n > 0 && v >= 1n << BigInt(8 * n - 1)) v -= 1n << BigInt(8 * n);
  if (n <= 4) return Number(v);
  return v;
}
