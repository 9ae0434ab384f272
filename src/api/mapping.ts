/**
 * How save() and load() map JS values to HDF5 objects. A marker attribute
 * records what the HDF5 type alone cannot say (a Map, nested arrays, a Date,
 * a JSON blob), so load() returns a value of the same JS type that was saved.
 */
export const MARKER = 'h5kit_type';

export type Marker =
  /** A group saved from a Map. */
  | 'map'
  /** A dataset saved from nested rectangular arrays of numbers. */
  | 'nested'
  /** An n-d dataset saved from `{ data, shape }`. */
  | 'ndarray'
  /** A UTF-8 string holding an ISO 8601 date. */
  | 'date'
  /** A UTF-8 string holding JSON (our "pickled object"). */
  | 'json'
  /** A 1-D string dataset saved from string[]. */
  | 'string[]'
  /** A uint8 dataset saved from a Uint8ClampedArray. */
  | 'uint8clamped'
  /** A bool dataset saved from boolean[]. */
  | 'boolean[]'
  /** The root of a file whose saved value was not a group: the value is the child "data". */
  | 'wrapped';

/** An n-d array as save() accepts it and load() returns it (C order). */
export interface NdArray<T = ArrayLike<unknown>> {
  data: T;
  shape: number[];
  /** ndarray-style strides in elements (accepted by save, never returned). */
  stride?: number[];
}
