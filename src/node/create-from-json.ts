import { readFileSync, renameSync, rmSync } from 'node:fs';
import { H5UnsupportedError, H5ValueError } from '../errors.js';
import type { Dataspace } from '../format/messages/dataspace.js';
import type { CompoundType, Datatype, EnumType, IntegerType, StringPadding } from '../format/messages/datatype.js';
import { MemorySink, type ByteSink } from '../io/sink.js';
import { WritableFile, type CreateDatasetOptions, type WritableDataset, type WritableGroup, type WritableNamedType } from '../api/writable.js';
import { arrayType, containsClass, floatType, opaqueType, referenceType, vlenStringType, vlenType } from '../model/dtype-spec.js';
import { encodeElements } from '../model/encode.js';
import { isIeee } from '../model/decode.js';
import type { DraftAttribute, DraftObject } from '../writer/draft.js';
import { flatten } from '../writer/values.js';
import { FileSink } from './file-sink.js';
import { sha256Hex } from '../dump/sha256.js';
import { memorySize } from '../dump/describe.js';

/**
 * `h5kit create OUT.h5 --from-json DESC.json`: build a file from an
 * "h5-expected/1" description with full values (the inverse of
 * `h5kit dump --json` and of `verify_h5py.py --describe`; the format is
 * defined in ../shared/tools/README.md).
 *
 * Everything the writer cannot reproduce is found before the first byte is
 * written: summary-only values, virtual layouts, filters without an encoder,
 * references to paths the description does not hold. Things the writer
 * silently stores differently (filter order, attribute creation order, a
 * user block whose bytes are not given) are reported through `warn`.
 * References (object and region) are written to the objects their
 * canonical paths name.
 */
export interface CreateFromJsonOptions {
  readonly libver?: 'earliest' | 'latest';
  /** Name of the description in error messages (default "the description"). */
  readonly source?: string;
  /** Called with one message per thing the file will not reproduce exactly. */
  readonly warn?: (message: string) => void;
  /**
   * The user block's bytes when the description has one (it records only its
   * size and sha256): the first `userblock_size` bytes are used, e.g. those
   * of the file the description came from. Without them the user block is
   * written as zeros.
   */
  readonly userblock?: Uint8Array;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const SUMMARY_HINT = 'regenerate with H5_SUMMARY_THRESHOLD=100000000';
/** Filters the writer can apply, in the order it applies them (src/api/filter-options.ts). */
const WRITER_FILTER_ORDER = [5, 6, 2, 1, 32000, 3];
const FILTER_NAMES: Record<number, string> = { 1: 'deflate', 2: 'shuffle', 3: 'fletcher32', 4: 'szip', 5: 'nbit', 6: 'scaleoffset', 32000: 'lzf' };

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(where: string, what: string): never {
  throw new H5ValueError(`${where}: ${what}`);
}

function str(v: Json | undefined, where: string, key: string): string {
  if (typeof v !== 'string') bad(where, `"${key}" must be a string, got ${JSON.stringify(v)}`);
  return v;
}

function int(v: Json | undefined, where: string, key: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) bad(where, `"${key}" must be a non-negative integer, got ${JSON.stringify(v)}`);
  return v;
}

function intList(v: Json | undefined, where: string, key: string, allowNull = false): (number | null)[] {
  if (!Array.isArray(v)) bad(where, `"${key}" must be a list, got ${JSON.stringify(v)}`);
  return v.map((x) => (allowNull && x === null ? null : int(x, where, key)));
}

// ---------------------------------------------------------------------------
// datatypes
// ---------------------------------------------------------------------------

function byteOrder(d: Obj, where: string): 'LE' | 'BE' {
  const o = d.order;
  if (o === 'LE' || o === 'BE') return o;
  if (o === undefined) return 'LE';
  throw new H5UnsupportedError(`${where}: byte order ${JSON.stringify(o)} cannot be written`);
}

/** The Datatype an h5-expected/1 `dtype` describes. */
export function datatypeFromJson(d: Json, where: string): Datatype {
  if (!isObj(d)) bad(where, `dtype must be an object, got ${JSON.stringify(d)}`);
  const cls = d.class;
  switch (cls) {
    case 'integer': {
      const size = int(d.size, where, 'size');
      if (size < 1) bad(where, 'integer size 0');
      const precision = d.precision === undefined ? size * 8 : int(d.precision, where, 'precision');
      const bitOffset = d.bit_offset === undefined ? 0 : int(d.bit_offset, where, 'bit_offset');
      if (typeof d.signed !== 'boolean') bad(where, 'integer "signed" must be a boolean');
      return { class: 'integer', size, order: byteOrder(d, where), signed: d.signed, bitOffset, precision };
    }
    case 'float': {
      const size = int(d.size, where, 'size');
      const order = byteOrder(d, where);
      if (d.fields === undefined) {
        if (size !== 2 && size !== 4 && size !== 8) bad(where, `float of ${size} bytes without "fields"`);
        return { ...floatType(size, order), order };
      }
      const f = intList(d.fields, where, 'fields') as number[];
      if (f.length !== 5) bad(where, '"fields" must be [sign pos, exp pos, exp size, mant pos, mant size]');
      const t = {
        class: 'float' as const, size, order,
        bitOffset: d.bit_offset === undefined ? 0 : int(d.bit_offset, where, 'bit_offset'),
        precision: d.precision === undefined ? size * 8 : int(d.precision, where, 'precision'),
        signLocation: f[0], exponentLocation: f[1], exponentSize: f[2], mantissaLocation: f[3], mantissaSize: f[4],
        exponentBias: int(d.ebias, where, 'ebias'),
        // The description cannot say; IEEE-style (implied leading bit) is what every writer uses.
        mantissaNormalization: 2,
      };
      return t;
    }
    case 'bitfield': {
      const size = int(d.size, where, 'size');
      return { class: 'bitfield', size, order: byteOrder(d, where), bitOffset: 0, precision: size * 8 };
    }
    case 'time': {
      const size = int(d.size, where, 'size');
      return { class: 'time', size, order: byteOrder(d, where), precision: size * 8 };
    }
    case 'string': {
      const charset = d.charset === 'utf8' ? 'utf8' : d.charset === 'ascii' || d.charset === undefined ? 'ascii' : bad(where, `charset ${JSON.stringify(d.charset)}`);
      if (d.variable === true) return vlenStringType(charset);
      const padding = d.padding as StringPadding;
      if (padding !== 'nullterm' && padding !== 'nullpad' && padding !== 'spacepad') bad(where, `string padding ${JSON.stringify(d.padding)}`);
      const size = int(d.size, where, 'size');
      if (size < 1) bad(where, 'fixed string of 0 bytes');
      return { class: 'string', size, padding, charset };
    }
    case 'opaque':
      return opaqueType(int(d.size, where, 'size'), typeof d.tag === 'string' ? d.tag : '');
    case 'compound': {
      if (!Array.isArray(d.members)) bad(where, 'compound "members" must be a list');
      const members = d.members.map((m, i) => {
        if (!isObj(m)) bad(where, `compound member ${i} must be an object`);
        const type = datatypeFromJson(m.type, `${where} member ${JSON.stringify(m.name)}`);
        return { name: str(m.name, where, 'name'), offset: int(m.offset, where, 'offset'), type };
      });
      if (new Set(members.map((m) => m.name)).size !== members.length) bad(where, 'compound member names repeat');
      // Offsets and size are those libhdf5 reports, with variable-length members at their memory
      // size: shift later members by the difference to get the file layout (inverse of describe.ts).
      const order = members.map((m, i) => ({ m, i })).sort((a, b) => a.m.offset - b.m.offset || a.i - b.i);
      let change = 0;
      const placed = new Array<CompoundType['members'][number]>(members.length);
      for (const { m, i } of order) {
        placed[i] = { name: m.name, offset: m.offset + change, type: m.type };
        change += m.type.size - memorySize(m.type);
      }
      const size = int(d.size, where, 'size') + change;
      for (const m of placed) if (m.offset + m.type.size > size) bad(where, `compound member "${m.name}" ends past the compound's ${size} bytes`);
      const sorted = [...placed].sort((a, b) => a.offset - b.offset);
      for (let i = 1; i < sorted.length; i++) {
        if (sorted[i].offset < sorted[i - 1].offset + sorted[i - 1].type.size) bad(where, `compound members "${sorted[i - 1].name}" and "${sorted[i].name}" overlap`);
      }
      return { class: 'compound', size, members: placed };
    }
    case 'enum': {
      const base = datatypeFromJson(d.base, `${where} enum base`);
      if (base.class !== 'integer') bad(where, 'enum base must be an integer type');
      if (!Array.isArray(d.members)) bad(where, 'enum "members" must be a list');
      const members = d.members.map((m) => {
        if (!isObj(m)) bad(where, 'enum member must be an object');
        return { name: str(m.name, where, 'name'), value: enumValue(m.value, base, where) };
      });
      const t: EnumType = { class: 'enum', size: base.size, base, members };
      return t;
    }
    case 'array': {
      const dims = intList(d.dims, where, 'dims') as number[];
      return arrayType(datatypeFromJson(d.base, `${where} array base`), dims);
    }
    case 'vlen':
      return vlenType(datatypeFromJson(d.base, `${where} vlen base`));
    case 'reference':
      if (d.ref_type !== 'object' && d.ref_type !== 'region') bad(where, `reference ref_type ${JSON.stringify(d.ref_type)}`);
      return referenceType(d.ref_type);
    default:
      throw new H5UnsupportedError(`${where}: datatype class ${JSON.stringify(cls)} cannot be written`);
  }
}

function enumValue(v: Json | undefined, base: IntegerType, where: string): number | bigint {
  const b = jsonInt(v, where);
  return base.size > 4 ? BigInt(b) : Number(b);
}

function jsonInt(v: Json | undefined, where: string): number | bigint {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?[0-9]+$/.test(v)) return BigInt(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  bad(where, `expected an integer, got ${JSON.stringify(v)}`);
}

// ---------------------------------------------------------------------------
// values
// ---------------------------------------------------------------------------

const FLOAT_SPECIALS: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0.0': -0 };

function hexBytes(v: Json, where: string): Uint8Array {
  if (typeof v !== 'string' || !/^(?:[0-9a-fA-F]{2})*$/.test(v)) bad(where, `expected lowercase hex bytes, got ${JSON.stringify(v)}`);
  const out = new Uint8Array(v.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(v.substr(2 * i, 2), 16);
  return out;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8 = new TextEncoder();

/** The string whose UTF-8 encoding is exactly `b`, if there is one. */
function exactUtf8(b: Uint8Array): string | undefined {
  let s: string;
  try {
    s = strictUtf8.decode(b);
  } catch {
    return undefined;
  }
  const back = utf8.encode(s);
  return back.length === b.length && back.every((x, i) => x === b[i]) ? s : undefined;
}

interface Ref {
  readonly where: string;
  readonly target: string;
  readonly region: boolean;
}

/** Converts JSON values to what the writer's encoders take; records references met. */
class Converter {
  readonly refs: Ref[] = [];

  element(v: Json, t: Datatype, where: string): unknown {
    switch (t.class) {
      case 'integer':
      case 'bitfield':
      case 'time': {
        const x = jsonInt(v, where);
        return t.size > 4 ? BigInt(x) : Number(x);
      }
      case 'enum': {
        const x = jsonInt(v, where);
        return t.base.size > 4 ? BigInt(x) : Number(x);
      }
      case 'float': {
        if (typeof v === 'number') return v;
        if (typeof v === 'string' && v in FLOAT_SPECIALS) return FLOAT_SPECIALS[v];
        return bad(where, `expected a float, got ${JSON.stringify(v)}`);
      }
      case 'string': {
        const b = hexBytes(v, where);
        if (b.length > t.size) bad(where, `string of ${b.length} bytes in a fixed string of ${t.size}`);
        // The writer's value flattening takes a JS string more readily than bytes.
        return exactUtf8(b) ?? b;
      }
      case 'opaque': {
        const b = hexBytes(v, where);
        if (b.length > t.size) bad(where, `${b.length} bytes in an opaque type of ${t.size}`);
        // h5py drops trailing NULs of "NUMPY:|S<n>" opaque data: pad back to the element size.
        if (b.length === t.size) return b;
        const out = new Uint8Array(t.size);
        out.set(b);
        return out;
      }
      case 'compound': {
        if (!isObj(v)) bad(where, `expected an object for a compound, got ${JSON.stringify(v)}`);
        const o: Record<string, unknown> = {};
        for (const m of t.members) {
          if (!(m.name in v)) bad(where, `compound value lacks member "${m.name}"`);
          o[m.name] = this.element(v[m.name], m.type, `${where}.${m.name}`);
        }
        return o;
      }
      case 'array':
        return this.nested(v, t.dims, 0, t.base, where);
      case 'vlen':
        if (t.kind === 'string') {
          if (typeof v === 'string') return v;
          if (isObj(v) && typeof v.hex === 'string') return hexBytes(v.hex, where);
          bad(where, `expected a string, got ${JSON.stringify(v)}`);
        }
        if (!Array.isArray(v)) bad(where, `expected a list for a variable-length sequence, got ${JSON.stringify(v)}`);
        return v.map((x, i) => this.element(x, t.base, `${where}[${i}]`));
      case 'reference': {
        if (v === null) return null;
        if (t.refType === 'object') {
          this.refs.push({ where, target: str(v, where, 'reference'), region: false });
        } else {
          if (!isObj(v)) bad(where, `expected {"target", "selection"} for a region reference, got ${JSON.stringify(v)}`);
          this.refs.push({ where, target: str(v.target, where, 'target'), region: true });
        }
        return v;
      }
    }
  }

  private nested(v: Json, dims: readonly number[], d: number, base: Datatype, where: string): unknown {
    if (d === dims.length) return this.element(v, base, where);
    if (!Array.isArray(v) || v.length !== dims[d]) bad(where, `expected a list of ${dims[d]} (dimension ${d} of ${JSON.stringify(dims)}), got ${JSON.stringify(v)?.slice(0, 80)}`);
    return v.map((x, i) => this.nested(x, dims, d + 1, base, `${where}[${i}]`));
  }

  /** The elements of a dataset or attribute value of `shape`, flat in C order. */
  flat(v: Json, shape: number[], t: Datatype, where: string): unknown[] {
    const out: unknown[] = [];
    const rec = (x: Json, d: number, w: string) => {
      if (d === shape.length) {
        out.push(this.element(x, t, w));
        return;
      }
      if (!Array.isArray(x) || x.length !== shape[d]) bad(w, `expected a list of ${shape[d]} (dimension ${d} of shape ${JSON.stringify(shape)})`);
      for (let i = 0; i < x.length; i++) rec(x[i], d + 1, shape.length > 1 ? `${w}[${i}]` : w);
    };
    rec(v, 0, where);
    return out;
  }
}

/** A zero value of `t` (attributes whose value h5py could not read). */
function zeroValue(t: Datatype): unknown {
  switch (t.class) {
    case 'integer':
    case 'bitfield':
    case 'time':
      return t.size > 4 ? 0n : 0;
    case 'enum':
      return t.base.size > 4 ? 0n : 0;
    case 'float':
      return 0;
    case 'string':
      return '';
    case 'opaque':
      return new Uint8Array(t.size);
    case 'compound':
      return Object.fromEntries(t.members.map((m) => [m.name, zeroValue(m.type)]));
    case 'array': {
      const rec = (d: number): unknown => (d === t.dims.length ? zeroValue(t.base) : Array.from({ length: t.dims[d] }, () => rec(d + 1)));
      return rec(0);
    }
    case 'vlen':
      return t.kind === 'string' ? '' : [];
    case 'reference':
      return null;
  }
}

function nest(flat: readonly unknown[], shape: readonly number[]): unknown {
  if (shape.length === 0) return flat[0];
  const rec = (at: number, d: number): unknown[] => {
    const step = shape.slice(d + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: shape[d] }, (_, i) => (d === shape.length - 1 ? flat[at + i] : rec(at + i * step, d + 1)));
  };
  return rec(0, 0);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Would the writer's value flattening read `value` as `count` elements of `t` laid out in `shape`? */
function writerTakes(value: unknown, t: Datatype, shape: readonly number[] | undefined, count: number): boolean {
  try {
    const f = flatten(value, 'probe', t);
    return f.flat.length === count && (shape === undefined || sameShape(f.shape, shape));
  } catch {
    return false;
  }
}

const hasVlen = (t: Datatype) => containsClass(t, 'vlen');
const hasReference = (t: Datatype) => containsClass(t, 'reference');

/** Dense typed arrays for IEEE float data: the writer copies them in bulk. */
function packFloats(values: unknown[], t: Datatype): unknown[] | Float32Array | Float64Array {
  if (t.class !== 'float' || !isIeee(t) || (t.size !== 4 && t.size !== 8)) return values;
  return t.size === 4 ? Float32Array.from(values as number[]) : Float64Array.from(values as number[]);
}

// ---------------------------------------------------------------------------
// building the file
// ---------------------------------------------------------------------------

type Node = WritableGroup | WritableDataset | WritableNamedType;

interface Planned {
  readonly entry: Obj;
  readonly type?: Datatype;
  readonly values?: unknown[];
  readonly fill?: unknown;
  readonly attrs: { name: string; type: Datatype; shape: number[] | null; values: unknown[] | null }[];
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** Check and convert the whole description; nothing is written before this succeeds. */
function plan(desc: unknown, source: string, warn: (m: string) => void): Map<string, Planned> {
  if (!Array.isArray(desc)) bad(source, 'an h5-expected/1 description is a JSON list of entries');
  const conv = new Converter();
  const out = new Map<string, Planned>();
  const summary = (where: string): never => {
    throw new H5ValueError(`${source} gives only a summary for ${where}; ${SUMMARY_HINT}`);
  };
  let attrOrderWarned = false;
  for (const e of desc) {
    if (!isObj(e)) bad(source, 'every entry must be an object');
    const path = str(e.path, source, 'path');
    if (!path.startsWith('/')) bad(path, 'paths must be absolute');
    if (out.has(path)) bad(path, 'described twice');
    if (path !== '/' && !out.has(parentOf(path))) bad(path, `its parent ${parentOf(path)} is not described before it`);
    const kind = e.kind;
    if (path === '/' && (kind !== 'group' || 'same_as' in e)) bad(path, 'the root entry must be a group');
    const attrs: Planned['attrs'] = [];
    let type: Datatype | undefined;
    let values: unknown[] | undefined;
    let fill: unknown;
    if ('same_as' in e) {
      str(e.same_as, path, 'same_as');
      out.set(path, { entry: e, attrs });
      continue;
    }
    switch (kind) {
      case 'softlink':
        str(e.target, path, 'target');
        out.set(path, { entry: e, attrs });
        continue;
      case 'externallink':
        str(e.filename, path, 'filename');
        str(e.target, path, 'target');
        out.set(path, { entry: e, attrs });
        continue;
      case 'group':
        break;
      case 'namedtype':
        type = datatypeFromJson(e.dtype, path);
        break;
      case 'dataset': {
        type = datatypeFromJson(e.dtype, path);
        if (e.layout === 'other') throw new H5UnsupportedError(`${path}: layout "other" (a virtual dataset) cannot be created: the writer has no virtual layout`);
        if (e.layout !== undefined && e.layout !== 'compact' && e.layout !== 'contiguous' && e.layout !== 'chunked') bad(path, `layout ${JSON.stringify(e.layout)}`);
        for (const f of Array.isArray(e.filters) ? e.filters : []) {
          if (!isObj(f)) bad(path, 'filters must be objects');
          const id = int(f.id, path, 'filter id');
          if (!WRITER_FILTER_ORDER.includes(id)) {
            const name = FILTER_NAMES[id] ?? (typeof f.name === 'string' && f.name ? f.name : `filter ${id}`);
            throw new H5UnsupportedError(`${path}: the ${name} filter (${id}) has no encoder in the writer`);
          }
        }
        if ('values_summary' in e) summary(path);
        if (!('values' in e)) bad(path, 'a dataset needs "values"');
        const shape = e.shape === null ? null : (intList(e.shape, path, 'shape') as number[]);
        if (shape === null) {
          if (e.values !== null) bad(path, 'a null dataspace has the value null');
        } else values = conv.flat(e.values, shape, type, path);
        if ('fillvalue' in e && e.fillvalue !== null && !hasVlen(type)) fill = conv.element(e.fillvalue, type, `${path} (fill value)`);
        break;
      }
      default:
        throw new H5UnsupportedError(`${path}: entries of kind ${JSON.stringify(kind)} cannot be created`);
    }
    const list = Array.isArray(e.attrs) ? e.attrs : e.attrs === undefined ? [] : bad(path, '"attrs" must be a list');
    const names: string[] = [];
    for (const a of list) {
      if (!isObj(a)) bad(path, 'attributes must be objects');
      const name = str(a.name, path, 'attribute name');
      const where = `${path} (attribute "${name}")`;
      names.push(name);
      const at = datatypeFromJson(a.dtype, where);
      const shape = a.shape === null ? null : (intList(a.shape, where, 'shape') as number[]);
      if ('value_summary' in a) summary(where);
      let vals: unknown[] | null;
      if (!('value' in a)) {
        if (!('error' in a)) bad(where, 'an attribute needs "value"');
        // h5py could not read it, so the description has no value: keep the type and shape, write zeros.
        warn(`${where}: the description holds no value (${String(a.error)}); written as zeros`);
        vals = shape === null ? null : Array.from({ length: shape.reduce((x, y) => x * y, 1) }, () => zeroValue(at));
      } else if (shape === null) {
        if (a.value !== null) bad(where, 'a null dataspace has the value null');
        vals = null;
      } else vals = conv.flat(a.value, shape, at, where);
      attrs.push({ name, type: at, shape, values: vals });
    }
    const sorted = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    if (!attrOrderWarned && names.some((n, i) => n !== sorted[i])) {
      attrOrderWarned = true;
      warn(`${path}: attributes are listed in creation order; the writer lists them by name for this object (attribute creation order is not kept)`);
    }
    out.set(path, { entry: e, type, values, fill, attrs });
  }
  if (!out.has('/')) bad(source, 'no root ("/") entry');
  // References name their targets by canonical path: the writer resolves them when it places the objects.
  for (const r of conv.refs) {
    const t = out.get(r.target);
    if (!t) bad(r.where, `${r.region ? 'region' : 'object'} reference to ${r.target}, which the description does not contain`);
    const kind = t.entry.kind;
    if ('same_as' in t.entry || (kind !== 'group' && kind !== 'dataset' && kind !== 'namedtype')) bad(r.where, `reference to ${r.target}, which is not where the object is described`);
  }
  return out;
}

function setAttributes(node: Node, p: Planned, path: string): void {
  for (const a of p.attrs) {
    const where = `${path} (attribute "${a.name}")`;
    const count = a.shape === null ? 0 : a.shape.reduce((x, y) => x * y, 1);
    const value = a.values === null ? null : nest(a.values, a.shape!);
    // HDF5 allows "/" in attribute names; the writer's attrs.set refuses it (it checks link names).
    const nameOk = !a.name.includes('/') && a.name !== '.';
    if (nameOk && (a.values === null || writerTakes(value, a.type, a.shape!, count))) {
      node.attrs.set(a.name, value, a.type);
      continue;
    }
    // The writer's flattening would misread these values (bytes elements, nested lists in lists,
    // leading zero-size dimensions): store the attribute with its exact dataspace in the draft.
    const draft = (node as unknown as { draft?: DraftObject }).draft;
    if (!draft || !(draft.attrs instanceof Map)) throw new H5UnsupportedError(`${where}: the writer cannot take these values`);
    if (a.name === '') bad(where, 'empty attribute name');
    const space: Dataspace = a.shape === null ? { kind: 'null', dims: [], maxDims: [] } : a.shape.length === 0 ? { kind: 'scalar', dims: [], maxDims: [] } : { kind: 'simple', dims: a.shape!.slice(), maxDims: a.shape!.slice() };
    // Validate now: the draft's value is only encoded at close (vlen data needs the file's heap, so it waits).
    if (a.values && !hasVlen(a.type) && !hasReference(a.type)) encodeElements(a.type, a.values, count);
    const prev = draft.attrs.get(a.name);
    const attr: DraftAttribute = { name: a.name, type: a.type, space, value: a.values, creationOrder: prev?.creationOrder ?? draft.attrOrder++ };
    draft.attrs.set(a.name, attr);
  }
}

/**
 * The user's H5Pset_scaleoffset argument back from the stored client data:
 * [0] scale type (0 D-scale, 2 integer), [1] scale factor; the rest is
 * recomputed from the type, chunk and fill value.
 */
function scaleoffsetFactor(params: Json[], path: string): number {
  const scaleType = params.length ? int(params[0], path, 'scaleoffset scale type') : 2;
  if (scaleType === 1) throw new H5UnsupportedError(`${path}: the scaleoffset E-scale method cannot be written (libhdf5 never implemented it)`);
  const factor = params.length > 1 ? int(params[1], path, 'scaleoffset scale factor') | 0 : 0;
  if (factor < 0) {
    if (scaleType === 2) return 0; // libhdf5 treats a negative bit count as 0
    throw new H5UnsupportedError(`${path}: a negative scaleoffset decimal scale factor (${factor}) cannot be written`);
  }
  return factor;
}

function datasetOptions(e: Obj, type: Datatype, path: string, warn: (m: string) => void): CreateDatasetOptions {
  const o: { -readonly [K in keyof CreateDatasetOptions]: CreateDatasetOptions[K] } = {};
  const shape = e.shape === null ? null : (e.shape as number[]);
  o.shape = shape;
  if (shape !== null && shape.length > 0 && Array.isArray(e.maxshape)) o.maxshape = intList(e.maxshape, path, 'maxshape', true);
  if (e.layout === 'compact' || e.layout === 'contiguous' || e.layout === 'chunked') o.layout = e.layout;
  if (e.layout === 'chunked' && Array.isArray(e.chunks)) o.chunks = intList(e.chunks, path, 'chunks') as number[];
  const ids: number[] = [];
  for (const f of (Array.isArray(e.filters) ? e.filters : []) as Obj[]) {
    const id = f.id as number;
    ids.push(id);
    const params = Array.isArray(f.params) ? f.params : [];
    if (id === 1) {
      if (o.compression !== undefined) throw new H5UnsupportedError(`${path}: deflate together with ${String(o.compression)}: the writer applies one compressor`);
      o.compression = params.length ? int(params[0], path, 'deflate level') : 4;
    } else if (id === 32000) {
      if (o.compression !== undefined) throw new H5UnsupportedError(`${path}: lzf together with deflate: the writer applies one compressor`);
      o.compression = 'lzf';
    } else if (id === 2) o.shuffle = true;
    else if (id === 3) o.fletcher32 = true;
    else if (id === 5) o.nbit = true;
    else if (id === 6) o.scaleoffset = scaleoffsetFactor(params, path);
  }
  const writerOrder = WRITER_FILTER_ORDER.filter((id) => ids.includes(id));
  if (ids.some((id, i) => id !== writerOrder[i])) {
    warn(`${path}: filters ${JSON.stringify(ids)} are applied in the writer's order ${JSON.stringify(writerOrder)}`);
  }
  return o;
}

/**
 * The user block the root entry's `file` records: its size, and its bytes
 * from `given` (checked against the recorded sha256) or zeros. A content
 * that does not match the hash is reported, not refused: the file is still
 * the described tree.
 */
function userblockOf(root: Obj, given: Uint8Array | undefined, warn: (m: string) => void): { size: number; content: Uint8Array } | undefined {
  const f = root.file;
  if (!isObj(f) || f.userblock_size === undefined || f.userblock_size === 0) return undefined;
  const size = int(f.userblock_size, '/', 'userblock_size');
  if (size < 512 || (size & (size - 1)) !== 0) bad('/', `user block of ${size} bytes: HDF5 user blocks are powers of two of at least 512 bytes`);
  const content = new Uint8Array(size);
  if (given) content.set(given.subarray(0, size));
  const want = typeof f.userblock_sha256 === 'string' ? f.userblock_sha256 : undefined;
  if (want && sha256Hex(content) !== want) {
    warn(`/: the ${size}-byte user block is written ${given ? 'from the bytes given' : 'as zeros'}; its sha256 differs from the description's (it records only a hash of the content)`);
  }
  return { size, content };
}

/** Build a file from an h5-expected/1 description (parsed JSON) into `sink`, and close it. */
export function createFromDescription(desc: unknown, sink: ByteSink, options: CreateFromJsonOptions = {}): void {
  const source = options.source ?? 'the description';
  const warn = options.warn ?? (() => {});
  const libver = options.libver ?? 'earliest';
  const planned = plan(desc, source, warn);
  const rootPlan = planned.get('/')!;
  const ub = userblockOf(rootPlan.entry, options.userblock, warn);
  const file = WritableFile.create(sink, { libver, trackOrder: rootPlan.entry.track_order === true, userblock: ub?.size, userblockContent: ub?.content });
  const made = new Map<string, Node>([['/', file]]);
  const busy = new Set<string>();

  const ensure = (path: string): Node | undefined => {
    const have = made.get(path);
    if (have) return have;
    const p = planned.get(path);
    if (!p) bad(path, 'is not described');
    if (busy.has(path)) bad(path, 'depends on itself');
    busy.add(path);
    const parent = ensure(parentOf(path));
    if (!parent || parent.kind !== 'group') bad(path, `its parent ${parentOf(path)} is not a group`);
    const e = p.entry;
    let node: Node | undefined;
    if ('same_as' in e) {
      const target = ensure(e.same_as as string);
      if (!target) bad(path, `same_as ${String(e.same_as)} is not an object`);
      file.hardLink(path, target);
    } else if (e.kind === 'softlink') file.softLink(path, e.target as string);
    else if (e.kind === 'externallink') file.externalLink(path, e.filename as string, e.target as string);
    else if (e.kind === 'group') node = file.createGroup(path, { trackOrder: e.track_order === true });
    else if (e.kind === 'namedtype') node = file.commitType(path, p.type!);
    else node = createDataset(path, p);
    busy.delete(path);
    if (node) {
      made.set(path, node);
      setAttributes(node, p, path);
    }
    return node;
  };

  const createDataset = (path: string, p: Planned): WritableDataset => {
    const e = p.entry;
    const type = p.type!;
    const o = datasetOptions(e, type, path, warn) as { -readonly [K in keyof CreateDatasetOptions]: CreateDatasetOptions[K] };
    if (typeof e.committed_type === 'string') {
      const nt = ensure(e.committed_type);
      if (!nt || nt.kind !== 'datatype') bad(path, `committed_type ${e.committed_type} is not a named datatype`);
      o.committedType = nt;
    } else if (e.committed_type !== undefined && e.committed_type !== null) bad(path, '"committed_type" must be a path');
    else {
      if (e.committed_type === null) warn(`${path}: its committed datatype is reachable by no link; the writer cannot commit a type without a link, so the type is stored in the dataset`);
      o.dtype = type;
    }
    if (p.fill !== undefined) {
      try {
        const bytes = encodeElements(type, [p.fill], 1);
        if (bytes.some((b) => b !== 0)) o.fillValue = p.fill;
      } catch {
        o.fillValue = p.fill;
      }
    }
    const dims = (o.shape ?? []) as number[];
    const values = p.values;
    const count = dims.reduce((a, b) => a * b, 1);
    let raw = false;
    if (values && o.shape !== null) {
      const data = packFloats(values, type);
      if (writerTakes(data, type, [count], count)) o.data = data;
      else raw = count > 0;
    }
    // An undefined fill value (libhdf5 leaves unwritten storage as is; the scale-offset filter records it too).
    if (e.fillvalue === null && !hasReference(type) && !hasVlen(type)) o.fillValue = null;
    const ds = file.createDataset(path, o);
    if (raw) ds.writeElements(values!);
    return ds;
  };

  setAttributes(file, rootPlan, '/');
  for (const path of planned.keys()) ensure(path);
  file.close();
}

/** Build a file in memory; returns its bytes. */
export function createBytesFromDescription(desc: unknown, options: CreateFromJsonOptions = {}): Uint8Array {
  const sink = new MemorySink();
  createFromDescription(desc, sink, options);
  return sink.bytes();
}

/**
 * Build `outPath` from the description in `jsonPath`. The file is written
 * beside the target and renamed into place, so a failure never leaves a
 * partial file at `outPath`.
 */
export function createFileFromJson(outPath: string, jsonPath: string, options: CreateFromJsonOptions = {}): void {
  let desc: unknown;
  try {
    desc = JSON.parse(readFileSync(jsonPath, 'utf8'));
  } catch (e) {
    if (e instanceof SyntaxError) throw new H5ValueError(`${jsonPath}: not JSON: ${e.message}`);
    throw e;
  }
  const tmp = `${outPath}.h5kit-${process.pid}-${Date.now()}.tmp`;
  let sink: FileSink | undefined;
  try {
    sink = new FileSink(tmp, 'w');
    createFromDescription(desc, sink, { source: jsonPath, ...options });
    renameSync(tmp, outPath);
  } catch (e) {
    try {
      sink?.close();
    } catch {
      // already closed
    }
    rmSync(tmp, { force: true });
    throw e;
  }
}
