import { H5TypeError, H5ValueError } from '../errors.js';
import type { Datatype } from '../format/messages/datatype.js';
import { boolType, floatType, integerType, vlenStringType } from '../model/dtype-spec.js';

/**
 * What `createDataset({ data })` and `attrs.set(name, value)` accept, reduced
 * to a flat list of elements plus a shape, with a datatype inferred the way
 * h5py infers it from numpy data.
 */
export interface FlatValue {
  readonly shape: number[];
  /** Typed array, or an array of element values, in C order. */
  readonly flat: ArrayLike<unknown>;
  readonly inferred: Datatype;
}

// Inferred types are shared objects (datatypes are immutable): the writer encodes each once.
const TYPED: [new (...a: never[]) => ArrayLike<unknown>, Datatype][] = [
  [Float64Array, floatType(8)],
  [Float32Array, floatType(4)],
  [Int8Array, integerType(1, true)],
  [Uint8Array, integerType(1, false)],
  [Uint8ClampedArray, integerType(1, false)],
  [Int16Array, integerType(2, true)],
  [Uint16Array, integerType(2, false)],
  [Int32Array, integerType(4, true)],
  [Uint32Array, integerType(4, false)],
  [BigInt64Array, integerType(8, true)],
  [BigUint64Array, integerType(8, false)],
];

export function typedArrayType(v: unknown): Datatype | undefined {
  for (const [ctor, t] of TYPED) if (v instanceof ctor) return t;
  return undefined;
}

const NUMBER_TYPE = floatType(8);
const BIGINT_TYPE = integerType(8, true);
const BOOLEAN_TYPE = boolType();
const STRING_TYPE = vlenStringType('utf8');

function scalarType(v: unknown, where: string): Datatype {
  if (typeof v === 'number') return NUMBER_TYPE;
  if (typeof v === 'bigint') return BIGINT_TYPE;
  if (typeof v === 'boolean') return BOOLEAN_TYPE;
  if (typeof v === 'string') return STRING_TYPE;
  throw new H5TypeError(`${where}: cannot infer an HDF5 type for ${describe(v)}; pass dtype`);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? (v as object).constructor?.name ?? 'an object' : typeof v;
}

/** How many levels of nesting one element of `t` takes (vlen sequence: 1, array: its rank). */
function elementDepth(t: Datatype | undefined): number {
  if (!t) return 0;
  if (t.class === 'vlen' && t.kind === 'sequence') return 1;
  if (t.class === 'array') return t.dims.length;
  // An opaque element is given as a Uint8Array of its size (what the reader returns).
  if (t.class === 'opaque') return 1;
  return 0;
}

/** Nesting depth along first elements: a plain array or a typed array is one level. */
function depthOf(v: unknown): number {
  let d = 0;
  while (Array.isArray(v) || typedArrayType(v)) {
    d++;
    if (!Array.isArray(v) || v.length === 0) break;
    v = v[0];
  }
  return d;
}

/**
 * Flatten `value` (scalar, typed array, nested arrays) into elements and a
 * shape. With `dtype` given nothing is inferred, and the innermost levels an
 * element itself needs (vlen sequences, array types) are left to it.
 */
export function flatten(value: unknown, where: string, dtype?: Datatype, count?: number): FlatValue {
  // Elements that are themselves lists (vlen sequences, arrays, opaque), given flat as the reader returns
  // them: a list of exactly `count` elements is taken as is (ragged vlen data has no nesting to infer).
  if (count !== undefined && dtype && elementDepth(dtype) > 0 && Array.isArray(value) && value.length === count && count > 0) {
    return { shape: [count], flat: value, inferred: dtype };
  }
  const rank = Math.max(0, depthOf(value) - elementDepth(dtype));
  if (rank === 0) return { shape: [], flat: [value], inferred: dtype ?? scalarType(value, where) };
  const t = typedArrayType(value);
  if (t && rank === 1) return { shape: [(value as ArrayLike<unknown>).length], flat: value as ArrayLike<unknown>, inferred: dtype ?? t };
  const shape: number[] = [];
  let probe: unknown = value;
  for (let d = 0; d < rank; d++) {
    const len = (probe as ArrayLike<unknown>).length;
    shape.push(len);
    probe = len ? (probe as ArrayLike<unknown>)[0] : undefined;
  }
  const flat: unknown[] = [];
  const walk = (v: unknown, d: number) => {
    if (d === rank) {
      flat.push(v);
      return;
    }
    const arr = v as ArrayLike<unknown>;
    if (!(Array.isArray(v) || typedArrayType(v)) || arr.length !== shape[d]) {
      throw new H5ValueError(`${where}: ragged nested arrays (dimension ${d} expected length ${shape[d]})`);
    }
    for (let i = 0; i < arr.length; i++) walk(arr[i], d + 1);
  };
  walk(value, 0);
  let inferred = dtype;
  if (!inferred) {
    // Rows given as typed arrays carry their element type.
    let row: unknown = value;
    for (let d = 0; d < rank - 1; d++) row = (row as ArrayLike<unknown>)[0];
    inferred = typedArrayType(row) ?? (flat.length ? scalarType(flat[0], where) : floatType(8));
  }
  return { shape, flat, inferred };
}
