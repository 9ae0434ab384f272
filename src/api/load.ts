import { H5NotFoundError } from '../errors.js';
import type { Datatype } from '../format/messages/datatype.js';
import { Dataset } from './dataset.js';
import { open, type File, type Source, type OpenOptions } from './file.js';
import { Group } from './group.js';
import { ExternalLink } from './links.js';
import { MARKER, type NdArray } from './mapping.js';
import { NamedDatatype } from './named-datatype.js';

/**
 * load(): an HDF5 file (or the object at `key`) as plain JS values, the
 * inverse of save(). Files written by other software map each object to its
 * nearest JS value: groups → objects, 1-D numeric datasets → typed arrays,
 * n-d → `{ data, shape }`, scalars → numbers/bigints/strings, h5py bools →
 * booleans, strings → strings, compounds → objects; external links come back
 * as `ExternalLink` objects and committed datatypes are skipped.
 */
export interface LoadOptions extends OpenOptions {
  readonly key?: string;
}

export function load(source: Source | File, options: LoadOptions = {}): unknown {
  const file = 'superblock' in (source as object) ? (source as File) : open(source as Source, options);
  const target = options.key ? file.get(options.key) : file;
  if (target instanceof ExternalLink) return target;
  if (target instanceof Group && !options.key && marker(target) === 'wrapped' && target.keys().length === 1) {
    const inner = target.get('data');
    if (inner instanceof Dataset) return datasetValue(inner);
  }
  return objectValue(target as Group | Dataset | NamedDatatype, new Map());
}

function marker(obj: Group | Dataset): string | undefined {
  if (!obj.attrs.has(MARKER)) return undefined;
  const m = obj.attrs.get(MARKER);
  return typeof m === 'string' ? m : undefined;
}

/**
 * An object reached twice through hard links (shared, or a cycle back to an
 * ancestor) becomes the same JS value twice, so cycles load as cyclic objects.
 */
function objectValue(obj: Group | Dataset | NamedDatatype, memo: Map<number, unknown>): unknown {
  if (memo.has(obj.address)) return memo.get(obj.address);
  if (obj instanceof NamedDatatype) return undefined;
  if (obj instanceof Dataset) {
    const v = datasetValue(obj);
    memo.set(obj.address, v);
    return v;
  }
  const isMap = marker(obj) === 'map';
  const out: Map<string, unknown> | Record<string, unknown> = isMap ? new Map() : {};
  memo.set(obj.address, out);
  for (const name of obj.keys()) {
    let child: unknown;
    try {
      child = obj.get(name);
    } catch (e) {
      if (e instanceof H5NotFoundError) continue; // dangling soft link: nothing to load
      throw e;
    }
    const value = child instanceof Group || child instanceof Dataset || child instanceof NamedDatatype ? objectValue(child, memo) : child;
    if (value === undefined) continue;
    if (out instanceof Map) out.set(name, value);
    else Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true }); // "__proto__" is a key like any other
  }
  return out;
}

function isBool(t: Datatype): boolean {
  return (
    t.class === 'enum' &&
    t.size === 1 &&
    t.members.length === 2 &&
    t.members.some((m) => m.name === 'FALSE' && Number(m.value) === 0) &&
    t.members.some((m) => m.name === 'TRUE' && Number(m.value) === 1)
  );
}

function datasetValue(ds: Dataset): unknown {
  const m = marker(ds);
  const shape = ds.shape;
  const raw = ds.read();
  if (shape === null) return null;
  const bool = isBool(ds.dtype);
  if (shape.length === 0) {
    if (m === 'json') return JSON.parse(raw as string);
    if (m === 'date') return new Date(raw as string);
    if (bool) return raw !== 0;
    return raw;
  }
  const flat: ArrayLike<unknown> = bool ? Array.from(raw as ArrayLike<number>, (x) => x !== 0) : (raw as ArrayLike<unknown>);
  if (shape.length === 1) {
    if (m === 'uint8clamped') return new Uint8ClampedArray((flat as Uint8Array).buffer, (flat as Uint8Array).byteOffset, flat.length);
    if (m === 'ndarray') return { data: flat, shape } satisfies NdArray;
    return flat;
  }
  if (m === 'nested') return nest(Array.from(flat as ArrayLike<unknown>), shape);
  return { data: flat, shape } satisfies NdArray;
}

function nest(flat: unknown[], shape: number[]): unknown[] {
  if (shape.length === 1) return flat;
  const step = shape.slice(1).reduce((a, b) => a * b, 1);
  const out: unknown[] = [];
  for (let i = 0; i < shape[0]; i++) out.push(nest(flat.slice(i * step, (i + 1) * step), shape.slice(1)));
  return out;
}
