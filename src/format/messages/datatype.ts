import { ByteReader, type FieldSizes } from '../byte-reader.js';
import { ByteWriter, bytesNeeded, encodeUtf8, type FormatFamily } from '../byte-writer.js';
import { H5UnsupportedError, H5ValueError } from '../../errors.js';

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

// ---------------------------------------------------------------------------
// Encoding (spec IV.A.2.d), as libhdf5 1.10's H5O__dtype_encode_helper does.
// ---------------------------------------------------------------------------

/**
 * How to pick datatype message versions: a format family, or an explicit
 * minimum version (libhdf5's H5T_set_version floor: 1 for `earliest`, 3 for
 * `latest`).
 */
export type DatatypeVersionChoice = FormatFamily | 1 | 2 | 3;

export interface EncodeDatatypeOptions {
  readonly version?: DatatypeVersionChoice;
}

/**
 * The version libhdf5 gives each node of a datatype tree. Versions are not a
 * function of the class alone: libhdf5 builds a type bottom-up and raises
 * versions as it goes (H5T__array_create, H5T__vlen_create, H5T__insert,
 * H5T__upgrade_version), then raises the whole tree to the file's floor when
 * the type is stored (H5T_set_version).
 */
export interface DatatypeVersionNode {
  version: number;
  readonly type: Datatype;
  readonly children: DatatypeVersionNode[];
}

const COMPLEX = new Set<Datatype['class']>(['compound', 'array', 'enum', 'vlen']);

/**
 * Version tree for `t` as libhdf5 1.10 builds it the way h5py does (members
 * inserted in order, bases created before the types derived from them):
 * - atomic classes: version 1, except VAX-ordered floats (3, the first version
 *   able to say "VAX"); H5T__upgrade_version never changes an atomic type;
 * - array: max(base, 2) (version 2 introduced the class); the base is left as is;
 * - vlen: its base's version;
 * - enum: 1 (its integer base is always 1);
 * - compound: starts at 1; inserting a member newer than the compound
 *   upgrades the compound and everything already in it (H5T__insert →
 *   H5T__upgrade_version), so the result depends on member order;
 * - finally the floor: if the top-level version is below it, the whole tree is
 *   upgraded (H5T_set_version): compound/array/enum to the floor, vlen to its
 *   (upgraded) base.
 */
export function datatypeVersions(t: Datatype, choice: DatatypeVersionChoice = 'earliest'): DatatypeVersionNode {
  const floor = choice === 'earliest' ? 1 : choice === 'latest' ? 3 : choice;
  const root = buildVersionNode(t, 0);
  if (floor > root.version) upgradeVersion(root, floor);
  return root;
}

function buildVersionNode(t: Datatype, depth: number): DatatypeVersionNode {
  if (depth > MAX_TYPE_DEPTH) throw new H5ValueError('datatype nested more than 32 levels');
  switch (t.class) {
    case 'array': {
      const base = buildVersionNode(t.base, depth + 1);
      return { version: Math.max(base.version, 2), type: t, children: [base] };
    }
    case 'vlen': {
      const base = buildVersionNode(t.base, depth + 1);
      return { version: base.version, type: t, children: [base] };
    }
    case 'enum':
      return { version: 1, type: t, children: [buildVersionNode(t.base, depth + 1)] };
    case 'compound': {
      const node: DatatypeVersionNode = { version: 1, type: t, children: [] };
      for (const m of t.members) {
        const child = buildVersionNode(m.type, depth + 1);
        node.children.push(child);
        if (child.version > node.version) upgradeVersion(node, child.version);
      }
      return node;
    }
    case 'float':
      return { version: t.order === 'VAX' ? 3 : 1, type: t, children: [] };
    default:
      return { version: 1, type: t, children: [] };
  }
}

/** H5T__upgrade_version: post-order visit; atomic types are never changed. */
function upgradeVersion(n: DatatypeVersionNode, v: number): void {
  for (const c of n.children) upgradeVersion(c, v);
  if (!COMPLEX.has(n.type.class)) return;
  if (n.type.class === 'vlen') n.version = Math.max(n.version, n.children[0].version);
  else n.version = Math.max(n.version, v);
}

/**
 * Encoded bodies per datatype object. Datatypes are immutable values and a
 * file's datasets and attributes mostly share a few of them (parseDtype
 * returns one object per spec), so each is encoded once per version and
 * field sizes. Callers copy the bytes into headers and never modify them.
 */
const encodedTypes = new WeakMap<Datatype, Map<string, Uint8Array>>();

/** Encode a datatype message body (spec IV.A.2.d). */
export function encodeDatatype(t: Datatype, sizes?: FieldSizes, opts: EncodeDatatypeOptions = {}): Uint8Array {
  const key = `${opts.version ?? 'earliest'}/${sizes?.offsetSize ?? 8}/${sizes?.lengthSize ?? 8}`;
  let byKey = encodedTypes.get(t);
  const known = byKey?.get(key);
  if (known) return known;
  const w = new ByteWriter(sizes);
  writeDatatype(w, t, opts);
  const bytes = w.finish();
  if (!byKey) encodedTypes.set(t, (byKey = new Map()));
  byKey.set(key, bytes);
  return bytes;
}

/** Append a datatype message body to `w` (for messages that embed one, e.g. attributes). */
export function writeDatatype(w: ByteWriter, t: Datatype, opts: EncodeDatatypeOptions = {}): void {
  writeTypeNode(w, datatypeVersions(t, opts.version ?? 'earliest'));
}

const CLASS_ID: Record<Datatype['class'], number> = {
  integer: 0, float: 1, time: 2, string: 3, bitfield: 4, opaque: 5,
  compound: 6, reference: 7, enum: 8, vlen: 9, array: 10,
};
const PADDING_ID: Record<StringPadding, number> = { nullterm: 0, nullpad: 1, spacepad: 2 };

function orderBit(order: ByteOrder, what: string): number {
  if (order === 'VAX') throw new H5ValueError(`${what} cannot have VAX byte order`);
  return order === 'BE' ? 1 : 0;
}

function writeTypeNode(w: ByteWriter, n: DatatypeVersionNode): void {
  const t = n.type;
  const version = n.version;
  const fail = (why: string): never => {
    throw new H5ValueError(`cannot encode ${t.class} datatype: ${why}`);
  };
  if (!Number.isInteger(t.size) || t.size < 0 || t.size > 0xffffffff) fail(`size ${t.size}`);
  let flags = 0;
  const header = (f: number) => w.u8(CLASS_ID[t.class] | (version << 4)).u8(f & 0xff).u8((f >> 8) & 0xff).u8((f >> 16) & 0xff).u32(t.size);
  switch (t.class) {
    case 'integer':
      // Bit 0 byte order, bits 1-2 low/high padding (always zero here), bit 3 signed.
      header(orderBit(t.order, 'an integer') | (t.signed ? 0x08 : 0));
      w.u16(t.bitOffset).u16(t.precision);
      return;
    case 'bitfield':
      header(orderBit(t.order, 'a bitfield'));
      w.u16(t.bitOffset).u16(t.precision);
      return;
    case 'time':
      header(orderBit(t.order, 'a time type'));
      w.u16(t.precision);
      return;
    case 'float': {
      // Bits 0 and 6 byte order (VAX = both, version 3 only), bits 4-5 mantissa normalisation, bits 8-15 sign position.
      if (t.order === 'VAX') {
        if (version < 3) fail('VAX byte order needs datatype version 3');
        flags = 0x41;
      } else flags = t.order === 'BE' ? 1 : 0;
      flags |= (t.mantissaNormalization & 3) << 4;
      flags |= (t.signLocation & 0xff) << 8;
      header(flags);
      w.u16(t.bitOffset).u16(t.precision).u8(t.exponentLocation).u8(t.exponentSize).u8(t.mantissaLocation).u8(t.mantissaSize).u32(t.exponentBias);
      return;
    }
    case 'string':
      header(PADDING_ID[t.padding] | ((t.charset === 'utf8' ? 1 : 0) << 4));
      return;
    case 'opaque': {
      // The tag is NUL-padded to a multiple of 8; the padded length is the flags byte (H5T_OPAQUE_TAG_MAX 256).
      const tag = encodeUtf8(t.tag);
      if (tag.length > 255) fail(`tag of ${tag.length} bytes (at most 255)`);
      const aligned = (tag.length + 7) & 0xf8;
      header(aligned);
      w.bytes(tag).zeros(aligned - tag.length);
      return;
    }
    case 'reference':
      header(t.refType === 'object' ? 0 : 1);
      return;
    case 'compound': {
      if (t.members.length > 0xffff) fail(`${t.members.length} members`);
      header(t.members.length);
      // Version 3 packs member offsets into as few bytes as the compound size needs.
      const offsetBytes = bytesNeeded(t.size);
      t.members.forEach((m, i) => {
        const child = n.children[i];
        if (version === 1 && m.type.class === 'array') fail(`member "${m.name}" is an array, which needs version 2`);
        const start = w.pos;
        w.cString(m.name);
        if (version < 3) w.zeros(pad8(w.pos - start) - (w.pos - start));
        if (version >= 3) w.uint(offsetBytes, m.offset);
        else w.u32(m.offset);
        // Version 1 members carry the pre-array-class dimension block; libhdf5 writes it as zeros.
        if (version === 1) w.zeros(1 + 3 + 4 + 4 + 16);
        writeTypeNode(w, child);
      });
      return;
    }
    case 'enum': {
      if (t.members.length > 0xffff) fail(`${t.members.length} members`);
      header(t.members.length);
      writeTypeNode(w, n.children[0]);
      for (const m of t.members) {
        const start = w.pos;
        w.cString(m.name);
        if (version < 3) w.zeros(pad8(w.pos - start) - (w.pos - start));
      }
      for (const m of t.members) w.bytes(integerValueBytes(m.value, t.base));
      return;
    }
    case 'vlen':
      // Padding and character set are meaningful (and written) for strings only.
      flags = t.kind === 'string' ? 1 | (PADDING_ID[t.padding] << 4) | ((t.charset === 'utf8' ? 1 : 0) << 8) : 0;
      header(flags);
      writeTypeNode(w, n.children[0]);
      return;
    case 'array': {
      if (t.dims.length < 1 || t.dims.length > 32) fail(`rank ${t.dims.length}`);
      header(0);
      w.u8(t.dims.length);
      if (version < 3) w.zeros(3);
      for (const d of t.dims) w.u32(d);
      // Versions before 3 store a permutation libhdf5 never uses: the identity.
      if (version < 3) for (let i = 0; i < t.dims.length; i++) w.u32(i);
      writeTypeNode(w, n.children[0]);
      return;
    }
  }
}

function pad8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/** An integer value (enum member, fill value) as `t.size` bytes in `t`'s byte order; two's complement when negative. */
export function integerValueBytes(value: number | bigint, t: IntegerType): Uint8Array {
  const n = t.size;
  const bits = BigInt(8 * n);
  let v = BigInt(value);
  const min = t.signed ? -(1n << (bits - 1n)) : 0n;
  const max = t.signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  if (v < min || v > max) throw new H5ValueError(`${value} does not fit a ${n}-byte ${t.signed ? 'signed' : 'unsigned'} integer`);
  if (v < 0n) v += 1n << bits;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    out[t.order === 'BE' ? n - 1 - i : i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}
