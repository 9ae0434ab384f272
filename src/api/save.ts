import { H5KeyExistsError, H5TypeError, H5ValueError } from '../errors.js';
import { boolType, floatType, integerType, vlenStringType } from '../model/dtype-spec.js';
import { product } from '../model/selection.js';
import { nameProblem, wellFormed } from '../writer/names.js';
import { typedArrayType } from '../writer/values.js';
import { MARKER, type Marker } from './mapping.js';
import { WritableFile, type CreateDatasetOptions, type CreateOptions } from './writable.js';
import { EditableFile } from '../edit/editable.js';

/**
 * save(): nested JS values to HDF5 in one call. Plain objects and Maps become
 * groups, typed and n-d arrays datasets, scalars and strings keep their type,
 * anything else JSON can represent becomes a JSON blob (a UTF-8 string
 * dataset marked `h5kit_type = "json"`). Everything is checked before the
 * first byte is written.
 */
export interface SaveOptions {
  /** Path inside the file where the value goes; intermediate groups are created. */
  readonly key?: string;
  /** Replace an existing key (default false: H5KeyExistsError). */
  readonly override?: boolean;
  /** 'gzip' (default, level 4), a gzip level, or false. */
  readonly compression?: 'gzip' | number | false;
  /** Byte shuffle before gzip for numeric data (default true when compressing). */
  readonly shuffle?: boolean;
  readonly libver?: CreateOptions['libver'];
}

/** Below this many bytes, arrays are stored contiguous and uncompressed (chunking small data only costs). */
const MIN_COMPRESSED_BYTES = 1024;

type Plan =
  | { kind: 'group'; map: boolean; entries: [string, Plan][] }
  | { kind: 'dataset'; write: (g: SaveGroup, name: string, o: SaveOptions) => void };

/**
 * What save() needs of a group: a new file's WritableGroup and an edited
 * file's EditableGroup both fit (`delete` only exists on the latter, and
 * only an existing file can hold a key to replace).
 */
export interface SaveGroup {
  keys(): string[];
  has(path: string): boolean;
  get(path: string): { readonly kind: string };
  createGroup(path: string): SaveGroup;
  createDataset(path: string, o: Omit<CreateDatasetOptions, 'committedType'>): { attrs: { set(name: string, value: unknown): void } };
  readonly attrs: { set(name: string, value: unknown): void };
  delete?(path: string): void;
}

function isPlainObject(v: object): boolean {
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

function isNdArray(v: object): v is { data: ArrayLike<unknown>; shape: number[]; stride?: number[] } {
  const o = v as { data?: unknown; shape?: unknown };
  return (
    Array.isArray(o.shape) &&
    o.shape.every((n) => Number.isInteger(n) && n >= 0) &&
    (typedArrayType(o.data) !== undefined || Array.isArray(o.data)) &&
    Object.keys(v).every((k) => k === 'data' || k === 'shape' || k === 'stride')
  );
}

function nestedShape(v: unknown[]): number[] | undefined {
  const shape: number[] = [];
  let probe: unknown = v;
  while (Array.isArray(probe)) {
    if (probe.length === 0) return undefined;
    shape.push(probe.length);
    probe = probe[0];
  }
  if (typeof probe !== 'number') return undefined;
  const check = (x: unknown, d: number): boolean => {
    if (d === shape.length) return typeof x === 'number';
    return Array.isArray(x) && x.length === shape[d] && x.every((y) => check(y, d + 1));
  };
  return check(v, 0) ? shape : undefined;
}

/** Values JSON can represent exactly; anything else is an H5TypeError naming the path. */
function checkJson(v: unknown, path: string, stack: Set<object>): void {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(v)) throw new H5TypeError(`${path}: ${v} cannot be stored in a JSON blob`);
      return;
    case 'object': {
      if (v === null) return;
      if (stack.has(v)) throw new H5TypeError(`${path}: cyclic reference`);
      const j = (v as { toJSON?: () => unknown }).toJSON;
      if (typeof j === 'function') return checkJson(j.call(v), path, stack);
      stack.add(v);
      if (Array.isArray(v)) {
        v.forEach((x, i) => {
          if (x === undefined || typeof x === 'function' || typeof x === 'symbol') throw new H5TypeError(`${path}[${i}]: ${typeof x} inside an array cannot be stored`);
          checkJson(x, `${path}[${i}]`, stack);
        });
      } else {
        if (v instanceof Map || v instanceof Set) throw new H5TypeError(`${path}: a ${v.constructor.name} inside a JSON blob cannot be stored`);
        for (const [k, x] of Object.entries(v)) {
          if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue; // JSON drops these keys, as JSON.stringify does
          checkJson(x, `${path}.${k}`, stack);
        }
      }
      stack.delete(v);
      return;
    }
    default:
      throw new H5TypeError(`${path}: a ${typeof v} cannot be stored`);
  }
}

function marked(write: (g: SaveGroup, name: string, o: SaveOptions) => { attrs: { set(n: string, v: unknown): void } }, marker?: Marker): Plan {
  return {
    kind: 'dataset',
    write: (g, name, o) => {
      const ds = write(g, name, o);
      if (marker) ds.attrs.set(MARKER, marker);
    },
  };
}

function compressionFor(o: SaveOptions, bytes: number, length: number) {
  const level = o.compression === undefined || o.compression === 'gzip' ? 4 : o.compression;
  if (level === false || bytes < MIN_COMPRESSED_BYTES || length === 0) return {};
  return { chunks: [Math.max(1, Math.min(length, Math.ceil((256 * 1024) / Math.max(1, bytes / length))))], compression: level as number };
}

/** Decide how `v` is stored, validating it completely (nothing is written yet). */
function plan(v: unknown, path: string, stack: Set<object>): Plan {
  if (v === null) return marked((g, n) => g.createDataset(n, { shape: null, dtype: '<f8' }));
  switch (typeof v) {
    case 'number':
      return marked((g, n) => g.createDataset(n, { data: v, dtype: floatType(8) }));
    case 'bigint':
      if (v < -(2n ** 63n) || v >= 2n ** 63n) throw new H5TypeError(`${path}: ${v} does not fit in int64`);
      return marked((g, n) => g.createDataset(n, { data: v, dtype: integerType(8, true) }));
    case 'boolean':
      return marked((g, n) => g.createDataset(n, { data: v ? 1 : 0, dtype: boolType() }));
    case 'string':
      checkText(v, path);
      return marked((g, n) => g.createDataset(n, { data: v, dtype: vlenStringType('utf8') }));
    case 'undefined':
    case 'function':
    case 'symbol':
      throw new H5TypeError(`${path}: a ${typeof v} cannot be stored`);
  }
  const obj = v as object;
  if (stack.has(obj)) throw new H5TypeError(`${path}: cyclic reference`);
  if (obj instanceof Date) {
    if (Number.isNaN(obj.getTime())) throw new H5TypeError(`${path}: invalid Date`);
    const iso = obj.toISOString();
    return marked((g, n) => g.createDataset(n, { data: iso, dtype: vlenStringType('utf8') }), 'date');
  }
  const t = typedArrayType(obj);
  if (t) {
    const a = obj as ArrayLike<number>;
    return marked(
      (g, n, o) => g.createDataset(n, { data: a, dtype: t, ...compressionFor(o, a.length * t.size, a.length), shuffle: o.compression !== false && (o.shuffle ?? true) && a.length * t.size >= MIN_COMPRESSED_BYTES }),
      obj instanceof Uint8ClampedArray ? 'uint8clamped' : undefined,
    );
  }
  if (obj instanceof Map) {
    stack.add(obj);
    const entries: [string, Plan][] = [];
    for (const [k, x] of obj) {
      if (typeof k !== 'string') throw new H5TypeError(`${path}: Map key ${String(k)} is not a string`);
      validKey(k, path);
      entries.push([k, plan(x, `${path}/${k}`, stack)]);
    }
    stack.delete(obj);
    return { kind: 'group', map: true, entries };
  }
  if (Array.isArray(obj)) {
    if (obj.length > 0 && obj.every((x) => typeof x === 'string')) {
      const a = obj as string[];
      a.forEach((x, i) => checkText(x, `${path}[${i}]`));
      return marked((g, n, o) => g.createDataset(n, { data: a, dtype: vlenStringType('utf8'), ...compressionFor(o, a.length * 16, a.length) }), 'string[]');
    }
    if (obj.length > 0 && obj.every((x) => typeof x === 'boolean')) {
      const a = Int8Array.from(obj as boolean[], (b) => (b ? 1 : 0));
      return marked((g, n, o) => g.createDataset(n, { data: a, dtype: boolType(), ...compressionFor(o, a.length, a.length) }), 'boolean[]');
    }
    const shape = nestedShape(obj);
    if (shape) {
      const flat = Float64Array.from((obj as unknown[]).flat(shape.length) as number[]);
      return marked((g, n, o) => g.createDataset(n, { data: flat, shape, dtype: floatType(8), ...ndChunks(o, shape, 8) }), 'nested');
    }
  }
  if (isNdArray(obj)) {
    const { data, shape, stride } = obj;
    const n = product(shape);
    if (data.length < n) throw new H5ValueError(`${path}: data holds ${data.length} elements, shape ${JSON.stringify(shape)} needs ${n}`);
    const dt = typedArrayType(data) ?? floatType(8);
    const flat = stride ? gatherStrided(data, shape, stride) : data.length === n ? data : sliceLike(data, n);
    return marked((g, nm, o) => g.createDataset(nm, { data: flat, shape, dtype: dt, ...ndChunks(o, shape, dt.size) }), 'ndarray');
  }
  if (isPlainObject(obj) && !('toJSON' in obj)) {
    stack.add(obj);
    const entries: [string, Plan][] = [];
    for (const [k, x] of Object.entries(obj)) {
      validKey(k, path);
      entries.push([k, plan(x, `${path}/${k}`, stack)]);
    }
    stack.delete(obj);
    return { kind: 'group', map: false, entries };
  }
  // Anything else JSON can represent: a JSON blob.
  checkJson(obj, path, new Set());
  const text = JSON.stringify(obj);
  return marked((g, n) => g.createDataset(n, { data: text, dtype: vlenStringType('utf8') }), 'json');
}

/** UTF-8 cannot carry unpaired surrogates: such a string would come back changed. */
function checkText(s: string, path: string): void {
  if (!wellFormed(s)) throw new H5TypeError(`${path}: the string holds an unpaired surrogate, which UTF-8 cannot store`);
}

function validKey(k: string, path: string): void {
  const why = nameProblem(k);
  if (why) throw new H5TypeError(`${path}: key ${JSON.stringify(k)} cannot be an HDF5 name (${why})`);
}

function ndChunks(o: SaveOptions, shape: number[], esz: number) {
  const n = product(shape);
  if (o.compression === false || n * esz < MIN_COMPRESSED_BYTES || n === 0) return {};
  // Whole rows up to ~256 KiB per chunk.
  const chunks = shape.slice();
  for (let d = 0; d < chunks.length && product(chunks) * esz > 256 * 1024; d++) {
    chunks[d] = Math.max(1, Math.floor((256 * 1024) / (esz * product(chunks.slice(d + 1)))));
  }
  const level = o.compression === undefined || o.compression === 'gzip' ? 4 : o.compression;
  return { chunks, compression: level as number, shuffle: o.shuffle ?? true };
}

function sliceLike(data: ArrayLike<unknown>, n: number): ArrayLike<unknown> {
  return ArrayBuffer.isView(data) ? (data as unknown as { subarray(a: number, b: number): ArrayLike<unknown> }).subarray(0, n) : Array.prototype.slice.call(data, 0, n);
}

/** ndarray-style (data, shape, stride) into C order. */
function gatherStrided(data: ArrayLike<unknown>, shape: number[], stride: number[]): ArrayLike<unknown> {
  if (stride.length !== shape.length) throw new H5ValueError(`stride ${JSON.stringify(stride)} does not match shape ${JSON.stringify(shape)}`);
  const n = product(shape);
  const ctor = (data as object).constructor as new (n: number) => { [i: number]: unknown; length: number };
  const out = ArrayBuffer.isView(data) ? new ctor(n) : new Array<unknown>(n);
  const idx = new Array(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    let at = 0;
    for (let d = 0; d < shape.length; d++) at += idx[d] * stride[d];
    if (at < 0 || at >= data.length) throw new H5ValueError(`strided element ${at} outside data of ${data.length}`);
    (out as { [i: number]: unknown })[i] = data[at];
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return out as ArrayLike<unknown>;
}

function apply(p: Plan, parent: SaveGroup, name: string, o: SaveOptions): void {
  if (p.kind === 'dataset') return p.write(parent, name, o);
  const g = parent.createGroup(name);
  if (p.map) g.attrs.set(MARKER, 'map');
  for (const [k, c] of p.entries) apply(c, g, k, o);
}

/**
 * Save `value` and return the file's bytes: into a new in-memory file, or,
 * given the bytes of an existing file, into a copy of it edited in place
 * (the input array is not modified). With `key` the value goes at that
 * path; without, a plain object or Map puts its entries in the root group
 * and any other value is stored at "/data".
 */
export function save(target: null | undefined | Uint8Array, value: unknown, options: SaveOptions = {}): Uint8Array {
  const p = plan(value, options.key ?? '/', new Set());
  if (!target) {
    const f = WritableFile.create(undefined, { libver: options.libver });
    writePlan(f, p, options);
    return f.toBytes();
  }
  const f = EditableFile.open(target);
  writePlan(f, p, options);
  return f.toBytes();
}

function splitKey(key: string | undefined): string[] {
  return (key ?? '').split('/').filter(Boolean);
}

/**
 * Where a planned value's objects go: one placement per top-level key
 * (the root's entries when saving a group at the root).
 */
function placements(p: Plan, key: string | undefined): { parents: string[]; name: string; plan: Plan }[] {
  const parts = splitKey(key);
  if (parts.length > 0) return [{ parents: parts.slice(0, -1), name: parts[parts.length - 1], plan: p }];
  if (p.kind === 'group') return p.entries.map(([name, plan]) => ({ parents: [], name, plan }));
  return [{ parents: [], name: 'data', plan: p }];
}

/**
 * @internal Write a planned value at options.key. Every clash is found
 * before anything changes: an existing key is an H5KeyExistsError unless
 * `override`, then it is deleted and written anew; a path through a
 * dataset is an H5ValueError.
 */
export function writePlan(f: SaveGroup, p: Plan, options: SaveOptions): void {
  const places = placements(p, options.key);
  const replace: string[] = [];
  for (const { parents, name } of places) {
    for (let i = 1; i <= parents.length; i++) {
      const at = parents.slice(0, i).join('/');
      const kind = f.has(at) ? f.get(at).kind : 'group';
      if (kind !== 'group') throw new H5ValueError(`cannot save under "/${at}": it is a ${kind}, not a group`);
    }
    const full = [...parents, name].join('/');
    if (f.has(full)) {
      if (!options.override) throw new H5KeyExistsError(`"/${full}" already exists; pass override: true to replace it`);
      replace.push(full);
    }
  }
  const rootWasEmpty = f.keys().length === 0;
  for (const full of replace) {
    if (!f.delete) throw new H5ValueError(`cannot replace "/${full}" in a file being written`);
    f.delete(full);
  }
  const rootKey = splitKey(options.key).length === 0;
  if (rootKey && p.kind === 'group' && p.map) f.attrs.set(MARKER, 'map');
  if (rootKey && p.kind === 'dataset' && (rootWasEmpty || (f.keys().length === 0 && replace.length > 0))) f.attrs.set(MARKER, 'wrapped');
  for (const { parents, name, plan: c } of places) {
    let g = f;
    for (const part of parents) g = g.has(part) ? (g.get(part) as unknown as SaveGroup) : g.createGroup(part);
    apply(c, g, name, options);
  }
}

/** @internal Validate and plan without writing (h5kit/node uses it). */
export function planValue(value: unknown, key: string | undefined): Plan {
  return plan(value, key ?? '/', new Set());
}

export type { Plan };
