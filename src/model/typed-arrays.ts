/** The typed arrays h5kit returns for numeric data. */
export type NumericArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

export type NumericArrayConstructor =
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;

/** True on little-endian hosts (every JS engine in practice, but checked once). */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverse the bytes of each `size`-byte element in place. */
export function byteSwap(b: Uint8Array, size: number): void {
  const n = b.length - (b.length % size);
  if (size === 2) {
    for (let i = 0; i < n; i += 2) {
      const t = b[i];
      b[i] = b[i + 1];
      b[i + 1] = t;
    }
  } else if (size === 4) {
    for (let i = 0; i < n; i += 4) {
      const t0 = b[i], t1 = b[i + 1];
      b[i] = b[i + 3];
      b[i + 1] = b[i + 2];
      b[i + 2] = t1;
      b[i + 3] = t0;
    }
  } else if (size === 8) {
    for (let i = 0; i < n; i += 8) {
      for (let k = 0; k < 4; k++) {
        const t = b[i + k];
        b[i + k] = b[i + 7 - k];
        b[i + 7 - k] = t;
      }
    }
  } else if (size > 1) {
    for (let i = 0; i < n; i += size) {
      for (let k = 0; k < size >> 1; k++) {
        const t = b[i + k];
        b[i + k] = b[i + size - 1 - k];
        b[i + size - 1 - k] = t;
      }
    }
  }
}
