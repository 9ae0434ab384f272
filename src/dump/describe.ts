import type { Datatype } from '../format/messages/datatype.js';
import { isIeee } from '../model/decode.js';
import { containsClass } from '../model/dtype-spec.js';
import { HOST_LITTLE_ENDIAN, type NumericArray } from '../model/typed-arrays.js';
import type { File } from '../api/file.js';
import { Group, joinPath, type H5Object } from '../api/group.js';
import { Dataset } from '../api/dataset.js';
import { NamedDatatype } from '../api/named-datatype.js';
import { Reference, RegionReference } from '../api/values.js';
import { sha256Hex } from './sha256.js';
import { fsum } from './fsum.js';

/**
 * The "h5-expected/1" description of a file (the format of
 * `h5kit dump --json`, defined in the shared tools README): one entry per
 * link in depth-first pre-order, values in an exact JSON encoding.
 */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Entry = { [k: string]: Json };

export interface DescribeOptions {
  /** Numeric data with more elements than this is summarised (default 1000). */
  readonly summaryThreshold?: number;
}

const BUILTIN_FILTER_NAMES: Record<number, string> = { 1: 'deflate', 2: 'shuffle', 3: 'fletcher32', 4: 'szip', 5: 'nbit', 6: 'scaleoffset' };

export function describeFile(file: File, options: DescribeOptions = {}): Entry[] {
  const threshold = options.summaryThreshold ?? 1000;
  // First pass: canonical paths of objects (first visit), for references.
  const items: { path: string; obj?: H5Object; entry: Entry }[] = [];
  const seen = new Map<number, string>();
  const visit = (path: string, obj: H5Object) => {
    const kind = obj instanceof Group ? 'group' : obj instanceof Dataset ? 'dataset' : 'namedtype';
    const prev = seen.get(obj.address);
    if (prev !== undefined) {
      items.push({ path, entry: { path, kind, same_as: prev } });
      return;
    }
    seen.set(obj.address, path);
    items.push({ path, obj, entry: { path, kind } });
    if (obj instanceof Group) {
      for (const l of obj.links()) {
        const cp = joinPath(path, l.name);
        if (l.kind === 'soft') items.push({ path: cp, entry: { path: cp, kind: 'softlink', target: l.target } });
        else if (l.kind === 'external') items.push({ path: cp, entry: { path: cp, kind: 'externallink', filename: l.file, target: l.target } });
        else if (l.kind === 'hard') visit(cp, file.objectAt(l.address, cp));
        else items.push({ path: cp, entry: { path: cp, kind: 'unknownlink' } });
      }
    }
  };
  visit('/', file);
  const enc = new ValueEncoder(seen);
  for (const it of items) {
    if (it.obj) describeObject(it.obj, it.entry, file, enc, threshold);
  }
  return items.map((i) => i.entry);
}

function describeObject(obj: H5Object, e: Entry, file: File, enc: ValueEncoder, threshold: number): void {
  if (obj instanceof Group) {
    e.track_order = obj.trackOrder;
    e.children = obj.keys();
    if (obj.name === '/' && obj === file) {
      const fd: Entry = { userblock_size: file.userBlockSize };
      if (file.userBlockSize > 0) fd.userblock_sha256 = sha256Hex(file.context.source.read(0, file.userBlockSize));
      fd.superblock_version = file.superblock.version;
      e.file = fd;
    }
  } else if (obj instanceof NamedDatatype) {
    e.dtype = describeType(obj.dtype);
  } else {
    const ds = obj;
    const d = ds.dtype;
    const shape = ds.shape;
    e.shape = shape;
    e.maxshape = ds.maxshape;
    e.dtype = describeType(d);
    // A committed type that no link reaches has no canonical path: h5py reports null.
    if (ds.committedTypeAddress !== undefined) e.committed_type = enc.paths.get(ds.committedTypeAddress) ?? null;
    e.layout = ds.layout === 'virtual' ? 'other' : ds.layout;
    e.chunks = ds.chunks;
    e.filters = ds.filters.map((f) => ({ id: f.id, name: f.name || BUILTIN_FILTER_NAMES[f.id] || '', optional: f.optional, params: f.clientData }));
    if (!containsClass(d, 'vlen')) {
      const fv = ds.fillValue;
      e.fillvalue = fv === undefined ? null : enc.element(fv, d);
    }
    const values = ds.read(undefined, { fixedStringsAsBytes: true });
    Object.assign(e, enc.values(values, shape, d, threshold, 'values'));
  }
  e.attrs = obj.attrs.keys().map((name) => {
    const info = obj.attrs.info(name);
    const a: Entry = { name, shape: info.shape, dtype: describeType(info.dtype) };
    Object.assign(a, enc.values(obj.attrs.get(name, { fixedStringsAsBytes: true }), info.shape, info.dtype, threshold, 'value'));
    return a;
  });
}


function orderName(o: string): string {
  return o === 'LE' || o === 'BE' ? o : 'NONE';
}

/** The h5-expected/1 description of a datatype. */
export function describeType(t: Datatype): Entry {
  switch (t.class) {
    case 'integer': {
      const d: Entry = { class: 'integer', size: t.size, order: orderName(t.order), signed: t.signed };
      if (t.precision !== t.size * 8 || t.bitOffset !== 0) {
        d.precision = t.precision;
        d.bit_offset = t.bitOffset;
      }
      return d;
    }
    case 'float': {
      const d: Entry = { class: 'float', size: t.size, order: orderName(t.order) };
      if (!isIeee(t)) {
        d.precision = t.precision;
        d.bit_offset = t.bitOffset;
        d.fields = [t.signLocation, t.exponentLocation, t.exponentSize, t.mantissaLocation, t.mantissaSize];
        d.ebias = t.exponentBias;
      }
      return d;
    }
    case 'bitfield':
      return { class: 'bitfield', size: t.size, order: orderName(t.order) };
    case 'time':
      return { class: 'time', size: t.size };
    case 'string':
      return { class: 'string', size: t.size, padding: t.padding, charset: t.charset };
    case 'opaque':
      return { class: 'opaque', size: t.size, tag: t.tag };
    case 'compound': {
      const { size, offsets } = memoryLayout(t);
      const members = t.members
        .map((m, i) => ({ m, i }))
        .sort((a, b) => a.m.offset - b.m.offset || a.i - b.i)
        .map(({ m, i }) => ({ name: m.name, offset: offsets[i], type: describeType(m.type) }));
      return { class: 'compound', size, members };
    }
    case 'enum': {
      const base = describeType(t.base);
      const members = t.members
        .map((m) => ({ name: m.name, value: BigInt(m.value) }))
        .sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : compareStr(a.name, b.name)))
        .map((m) => ({ name: m.name, value: encInt(m.value, t.base.size) }));
      return { class: 'enum', base, members };
    }
    case 'array':
      return { class: 'array', dims: t.dims.slice(), base: describeType(t.base) };
    case 'vlen':
      if (t.kind === 'string') return { class: 'string', variable: true, charset: t.charset };
      return { class: 'vlen', base: describeType(t.base) };
    case 'reference':
      return { class: 'reference', ref_type: t.refType };
  }
}

/**
 * Size of a type as libhdf5 reports it for an open dataset or attribute:
 * H5Dget_type/H5Aget_type move variable-length data to its memory form
 * (H5T_set_loc: a vlen sequence becomes an hvl_t of 16 bytes, a vlen string
 * a char* of 8), and compounds shift the offsets of later members by the
 * accumulated change. create-from-json uses it to undo that shift.
 */
export function memorySize(t: Datatype): number {
  switch (t.class) {
    case 'vlen':
      return t.kind === 'string' ? 8 : 16;
    case 'array':
      return t.dims.reduce((a, b) => a * b, 1) * memorySize(t.base);
    case 'compound':
      return memoryLayout(t).size;
    default:
      return t.size;
  }
}

function memoryLayout(t: Extract<Datatype, { class: 'compound' }>): { size: number; offsets: number[] } {
  const order = t.members.map((m, i) => ({ m, i })).sort((a, b) => a.m.offset - b.m.offset || a.i - b.i);
  const offsets = new Array<number>(t.members.length);
  let change = 0;
  for (const { m, i } of order) {
    offsets[i] = m.offset + change;
    change += memorySize(m.type) - m.type.size;
  }
  return { size: t.size + change, offsets };
}

function compareStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function encInt(v: number | bigint, size: number): Json {
  return size >= 8 ? BigInt(v).toString() : Number(v);
}

function encFloat(x: number): Json {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0 && 1 / x < 0) return '-0.0';
  return x;
}

function lastNonZero(b: Uint8Array): number {
  let n = b.length;
  while (n > 0 && b[n - 1] === 0) n--;
  return n;
}

function hex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += b[i].toString(16).padStart(2, '0');
  return s;
}

function isNumericType(t: Datatype): boolean {
  return t.class === 'integer' || t.class === 'float' || t.class === 'bitfield' || (t.class === 'enum' && t.base.class === 'integer');
}

/** Encodes h5kit values in the h5-expected/1 value encoding. */
class ValueEncoder {
  constructor(readonly paths: Map<number, string>) {}

  values(v: unknown, shape: number[] | null, t: Datatype, threshold: number, key: 'values' | 'value'): Entry {
    if (shape === null) return { [key]: null };
    const count = shape.reduce((a, b) => a * b, 1);
    if (shape.length > 0 && isNumericType(t) && count > threshold) {
      return { [`${key}_summary`]: summarize(v as NumericArray, t) };
    }
    if (shape.length === 0) return { [key]: this.element(v, t) };
    const flat = v as ArrayLike<unknown>;
    const encoded: Json[] = new Array(count);
    for (let i = 0; i < count; i++) encoded[i] = this.element(flat[i], t);
    return { [key]: nest(encoded, shape) };
  }

  element(v: unknown, t: Datatype): Json {
    switch (t.class) {
      case 'integer':
      case 'bitfield':
      case 'time':
        return encInt(v as number | bigint, t.size);
      case 'enum':
        return encInt(v as number | bigint, t.base.size);
      case 'float':
        return encFloat(v as number);
      case 'string':
        return typeof v === 'string' ? hex(new TextEncoder().encode(v).subarray(0)) : hex(v as Uint8Array);
      case 'opaque': {
        // h5py reads opaque data tagged "NUMPY:|S<n>" as numpy bytes scalars: trailing NULs dropped, at least one byte kept.
        const b = v as Uint8Array;
        if (/^NUMPY:\|S\d+$/.test(t.tag)) return hex(b.subarray(0, Math.max(1, lastNonZero(b))));
        return hex(b);
      }
      case 'compound': {
        const o: Entry = {};
        const rec = v as Record<string, unknown>;
        for (const m of t.members) o[m.name] = this.element(rec[m.name], m.type);
        return o;
      }
      case 'array': {
        const flat = v as ArrayLike<unknown>;
        const n = t.dims.reduce((a, b) => a * b, 1);
        const out: Json[] = new Array(n);
        for (let i = 0; i < n; i++) out[i] = this.element(flat[i], t.base);
        return nest(out, t.dims);
      }
      case 'vlen': {
        if (t.kind === 'string') return v as string;
        const flat = v as ArrayLike<unknown>;
        const out: Json[] = [];
        for (let i = 0; i < flat.length; i++) out.push(this.element(flat[i], t.base));
        return out;
      }
      case 'reference': {
        if (v == null) return null;
        if (v instanceof RegionReference) {
          const sel = v.selection;
          const s: Entry =
            sel.type === 'points' ? { type: 'points', points: sel.points } : sel.type === 'hyperslab' ? { type: 'hyperslab', blocks: sel.blocks } : { type: sel.type };
          return { target: this.paths.get(v.address) ?? `<@${v.address}>`, selection: s };
        }
        return this.paths.get((v as Reference).address) ?? `<@${(v as Reference).address}>`;
      }
    }
  }
}

function nest(flat: Json[], shape: number[]): Json {
  if (shape.length === 0) return flat[0];
  if (shape.length === 1) return flat;
  const step = shape.slice(1).reduce((a, b) => a * b, 1);
  const out: Json[] = [];
  for (let i = 0; i < shape[0]; i++) out.push(nest(flat.slice(i * step, (i + 1) * step), shape.slice(1)));
  return out;
}

/** values_summary: count, sha256 of little-endian values in the type's size, exact sum, min, max. */
function summarize(a: NumericArray, t: Datatype): Entry {
  const base = t.class === 'enum' ? t.base : t;
  const size = base.size;
  const count = a.length;
  const isFloat = base.class === 'float';
  const out: Entry = { count, sha256: sha256Hex(littleEndianBytes(a, size, isFloat)) };
  if (count === 0) return out;
  if (isFloat) {
    out.sum = encFloat(fsum(a as ArrayLike<number>));
    let mn = Infinity, mx = -Infinity, any = false;
    for (let i = 0; i < count; i++) {
      const x = a[i] as number;
      if (x !== x) continue;
      any = true;
      if (x < mn) mn = x;
      if (x > mx) mx = x;
    }
    out.min = any ? encFloat(mn) : 'NaN';
    out.max = any ? encFloat(mx) : 'NaN';
    return out;
  }
  if (a instanceof BigInt64Array || a instanceof BigUint64Array) {
    let s = 0n;
    let mn = a[0], mx = a[0];
    for (let i = 0; i < count; i++) {
      const x = a[i];
      s += x;
      if (x < mn) mn = x;
      if (x > mx) mx = x;
    }
    return { ...out, sum: s.toString(), min: encInt(mn, size), max: encInt(mx, size) };
  }
  // Values below 2^32: block sums of 2^20 elements stay exact as doubles.
  let s = 0n;
  let mn = a[0] as number, mx = a[0] as number;
  for (let i = 0; i < count; i += 1 << 20) {
    const end = Math.min(count, i + (1 << 20));
    let block = 0;
    for (let j = i; j < end; j++) {
      const x = a[j] as number;
      block += x;
      if (x < mn) mn = x;
      if (x > mx) mx = x;
    }
    s += BigInt(block);
  }
  return { ...out, sum: s.toString(), min: encInt(mn, size), max: encInt(mx, size) };
}

/** The values as little-endian bytes of `size` each (numpy `astype('<..').tobytes()`). */
function littleEndianBytes(a: NumericArray, size: number, isFloat: boolean): Uint8Array {
  const count = a.length;
  if (a.BYTES_PER_ELEMENT === size && HOST_LITTLE_ENDIAN) return new Uint8Array(a.buffer, a.byteOffset, count * size);
  const le = new Uint8Array(count * size);
  const dv = new DataView(le.buffer);
  for (let i = 0; i < count; i++) {
    const v = a[i];
    if (isFloat) {
      if (size === 2) dv.setUint16(i * 2, toHalfBits(v as number), true);
      else if (size === 4) dv.setFloat32(i * 4, v as number, true);
      else dv.setFloat64(i * size, v as number, true);
    } else {
      let x = BigInt(v as number | bigint);
      if (x < 0n) x += 1n << BigInt(8 * size);
      for (let k = 0; k < size; k++) {
        le[i * size + k] = Number(x & 0xffn);
        x >>= 8n;
      }
    }
  }
  return le;
}

/** IEEE binary16 bits of a double known to be a half-float value (round to nearest even). */
function toHalfBits(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer)[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  const mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = (mant | 0x800000) >> (1 - e + 13);
    return sign | m;
  }
  return sign | (e << 10) | (mant >> 13);
}

