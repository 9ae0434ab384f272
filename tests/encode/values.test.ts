import { describe, expect, it } from 'vitest';
import { H5TypeError, H5ValueError } from '../../src/errors.js';
import type { Datatype, IntegerType } from '../../src/format/messages/datatype.js';
import { decodeElements, numericArrayType, type DecodeServices } from '../../src/model/decode.js';
import { encodeElements, floatToHalfBits, type EncodeServices } from '../../src/model/encode.js';
import { readRegionHeapObject, type RegionSelection } from '../../src/model/references.js';
import { Rng, customFloats, ieeeFloat, intType, randomType } from './gen.js';

/** An in-memory global heap shared by the encoder and the decoder. */
function heap(offsetSize = 8): { enc: EncodeServices; dec: DecodeServices; objects: Map<number, Uint8Array> } {
  const objects = new Map<number, Uint8Array>();
  const collection = 4096;
  let next = 1;
  return {
    objects,
    enc: {
      offsetSize,
      storeHeapObject(b) {
        const index = next++;
        objects.set(index, b.slice());
        return { collection, index };
      },
      objectAddress: (ref) => (ref as { address: number }).address,
    },
    dec: {
      offsetSize,
      heapObject: (addr, index) => (addr === collection ? objects.get(index) ?? null : null),
      objectReference: (addr) => (addr < 0 ? null : { address: addr }),
      regionReference: (b) => (b ? readRegionHeapObject(b, offsetSize) : null),
    },
  };
}

const isNumeric = (t: Datatype) => numericArrayType(t) !== null;

/** A string of at most `size` UTF-8 bytes that the decoder gives back unchanged for this padding. */
function fittingString(r: Rng, size: number, padding: string): string {
  const full = r.name(size);
  let s = '';
  for (const ch of full) {
    if (new TextEncoder().encode(s + ch).length > size) break;
    s += ch;
  }
  if (padding === 'spacepad') s = s.replace(/ +$/, '');
  return s;
}

function randomSelection(r: Rng): RegionSelection {
  const rank = r.int(1, 3);
  switch (r.int(0, 3)) {
    case 0:
      return { type: 'all' };
    case 1:
      return { type: 'none' };
    case 2:
      return { type: 'points', points: Array.from({ length: r.int(1, 4) }, () => Array.from({ length: rank }, () => r.int(0, 1000))) };
    default:
      return {
        type: 'hyperslab',
        blocks: Array.from({ length: r.int(1, 3) }, () => {
          const a = Array.from({ length: rank }, () => r.int(0, 100));
          return [a, a.map((v) => v + r.int(0, 5))] as [number[], number[]];
        }),
      };
  }
}

/**
 * `count` values of `t` in the decoder's own form. Numeric data comes from
 * decoding random bytes (every bit pattern the type can hold); the rest is
 * generated directly.
 */
function randomValues(r: Rng, t: Datatype, count: number, dec: DecodeServices): unknown {
  if (isNumeric(t) || (t.class === 'integer' || t.class === 'bitfield')) return decodeElements(t, r.bytes(count * t.size), count, true, dec);
  return Array.from({ length: count }, () => randomValue(r, t, dec));
}

function randomValue(r: Rng, t: Datatype, dec: DecodeServices): unknown {
  switch (t.class) {
    case 'integer':
    case 'bitfield':
    case 'float':
    case 'time':
    case 'enum':
      return (randomValues(r, t, 1, dec) as ArrayLike<unknown>)[0];
    case 'string':
      return fittingString(r, t.size, t.padding);
    case 'opaque':
      return r.bytes(t.size);
    case 'compound': {
      const o: Record<string, unknown> = {};
      for (const m of t.members) o[m.name] = randomValue(r, m.type, dec);
      return o;
    }
    case 'array': {
      const n = t.dims.reduce((a, b) => a * b, 1);
      return randomValues(r, t.base, n, dec);
    }
    case 'vlen':
      if (t.kind === 'string') return r.bool(0.1) ? '' : r.name(30);
      return randomValues(r, t.base, r.int(0, 5), dec);
    case 'reference':
      if (r.bool(0.2)) return null;
      return t.refType === 'object' ? { address: r.int(1, 2 ** 40) } : { address: r.int(1, 2 ** 40), selection: randomSelection(r) };
  }
}

describe('encodeElements', () => {
  it('inverts decodeElements for 3000 random types and values', () => {
    const r = new Rng(21);
    for (let i = 0; i < 3000; i++) {
      const t = randomType(r, 0, { heap: true, odd: true });
      const { enc, dec } = heap();
      const count = r.int(0, 6);
      const values = randomValues(r, t, count, dec);
      const bytes = encodeElements(t, values, count, enc);
      expect(bytes.length).toBe(count * t.size);
      expect(decodeElements(t, bytes, count, false, dec)).toEqual(values);
    }
  });

  it('reproduces the exact bytes of canonical numeric types (fast path and per-element path)', () => {
    const r = new Rng(22);
    const types: Datatype[] = [];
    for (const size of [1, 2, 4, 8]) for (const order of ['LE', 'BE'] as const) for (const signed of [true, false]) types.push({ ...intType(r, size), order, signed });
    for (const size of [4, 8] as const) for (const order of ['LE', 'BE'] as const) types.push(ieeeFloat(size, order));
    types.push({ class: 'time', size: 8, order: 'BE', precision: 64 }, { class: 'bitfield', size: 2, order: 'BE', bitOffset: 0, precision: 16 });
    types.push({ class: 'enum', size: 2, base: { ...intType(r, 2), signed: true, order: 'BE' }, members: [{ name: 'a', value: 1 }] });
    const { enc, dec } = heap();
    for (const t of types) {
      for (let k = 0; k < 20; k++) {
        const count = r.int(1, 64);
        let bytes = r.bytes(count * t.size);
        if (t.class === 'float') {
          // NaN payloads are not kept: replace NaN patterns by finite values.
          const vals = decodeElements(t, bytes, count, false, dec) as Float64Array;
          if (vals.some(Number.isNaN)) bytes = encodeElements(t, vals.map((v) => (Number.isNaN(v) ? 1.5 : v)), count);
        }
        const values = decodeElements(t, bytes, count, false, dec);
        expect(encodeElements(t, values, count)).toEqual(bytes);
        // The same numbers as a plain array go through the per-element encoders.
        expect(encodeElements(t, Array.from(values as ArrayLike<unknown>), count, enc)).toEqual(bytes);
      }
    }
  });

  it('converts binary16 exactly: all 65536 patterns round-trip, and rounding is to nearest even', () => {
    const t = ieeeFloat(2);
    const all = new Uint8Array(65536 * 2);
    for (let h = 0; h < 65536; h++) {
      all[2 * h] = h & 0xff;
      all[2 * h + 1] = h >> 8;
    }
    const { dec } = heap();
    const vals = decodeElements(t, all, 65536, false, dec) as Float32Array;
    const bad: string[] = [];
    for (let h = 0; h < 65536; h++) {
      const bits = floatToHalfBits(vals[h]);
      const ok = Number.isNaN(vals[h]) ? Number.isNaN(vals[bits]) : bits === h;
      if (!ok) bad.push(`${h}: ${vals[h]} -> ${bits}`);
    }
    // Between consecutive finite positive halves a < b: below the midpoint gives a, above gives b, the midpoint the even one.
    for (let h = 0; h < 0x7bff; h++) {
      const a = vals[h];
      const b = vals[h + 1];
      const mid = (a + b) / 2;
      const q = (b - a) / 8;
      const got = [floatToHalfBits(mid), floatToHalfBits(mid - q), floatToHalfBits(mid + q), floatToHalfBits(-(mid - q))];
      const want = [h % 2 === 0 ? h : h + 1, h, h + 1, h | 0x8000];
      if (got.join() !== want.join()) bad.push(`${a}..${b}: ${got} != ${want}`);
    }
    expect(bad).toEqual([]);
    // Above the largest half (65504, odd mantissa): the midpoint to 2^16 already rounds to infinity.
    expect(floatToHalfBits(65519.99)).toBe(0x7bff);
    expect(floatToHalfBits(65520)).toBe(0x7c00);
    // Float32Array input, big-endian output.
    const be = encodeElements(ieeeFloat(2, 'BE'), new Float32Array([1, -2, 65504, 1e9]), 4);
    expect(Array.from(be)).toEqual([0x3c, 0x00, 0xc0, 0x00, 0x7b, 0xff, 0x7c, 0x00]);
  });

  it('encodes custom float layouts so that decoding gives the value back', () => {
    const r = new Rng(23);
    const { dec } = heap();
    for (const t of customFloats()) {
      const count = 500;
      const values = decodeElements(t, r.bytes(count * t.size), count, true, dec) as Float64Array;
      const again = decodeElements(t, encodeElements(t, values, count), count, true, dec);
      expect(again).toEqual(values);
      // Arbitrary doubles round to the format's precision once: encoding the result again is stable.
      const doubles = Float64Array.from({ length: count }, () => (r.next() - 0.5) * 2 ** r.int(-30, 30));
      const once = decodeElements(t, encodeElements(t, doubles, count), count, true, dec) as Float64Array;
      expect(decodeElements(t, encodeElements(t, once, count), count, true, dec)).toEqual(once);
    }
  });

  it('checks integer ranges and names the value and the type', () => {
    const cases: [IntegerType, unknown][] = [
      [{ class: 'integer', size: 1, order: 'LE', signed: true, bitOffset: 0, precision: 8 }, 128],
      [{ class: 'integer', size: 1, order: 'LE', signed: false, bitOffset: 0, precision: 8 }, -1],
      [{ class: 'integer', size: 2, order: 'BE', signed: false, bitOffset: 0, precision: 16 }, 65536],
      [{ class: 'integer', size: 4, order: 'LE', signed: true, bitOffset: 0, precision: 32 }, 2 ** 31],
      [{ class: 'integer', size: 8, order: 'LE', signed: true, bitOffset: 0, precision: 64 }, 1n << 63n],
      [{ class: 'integer', size: 8, order: 'LE', signed: false, bitOffset: 0, precision: 64 }, -1n],
      [{ class: 'integer', size: 2, order: 'LE', signed: false, bitOffset: 3, precision: 12 }, 4096],
      [{ class: 'integer', size: 4, order: 'LE', signed: true, bitOffset: 0, precision: 32 }, 1.5],
      [{ class: 'integer', size: 4, order: 'LE', signed: true, bitOffset: 0, precision: 32 }, 'x'],
    ];
    for (const [t, v] of cases) {
      expect(() => encodeElements(t, [v], 1)).toThrow(H5TypeError);
      try {
        encodeElements(t, [v], 1);
      } catch (e) {
        const msg = (e as Error).message;
        expect(msg).toContain(typeof v === 'bigint' ? `${v}n` : typeof v === 'string' ? JSON.stringify(v) : String(v));
        expect(msg).toContain(`${t.signed ? 'int' : 'uint'}${t.size * 8}`);
      }
    }
    // Typed arrays of another kind are range-checked element by element.
    const i8: IntegerType = { class: 'integer', size: 1, order: 'LE', signed: true, bitOffset: 0, precision: 8 };
    expect(() => encodeElements(i8, new Int16Array([1, 300]), 2)).toThrow(H5TypeError);
    expect(encodeElements(i8, new Int16Array([1, -128]), 2)).toEqual(new Uint8Array([1, 0x80]));
  });

  it('pads fixed strings per their padding and refuses strings that do not fit', () => {
    for (const padding of ['nullterm', 'nullpad', 'spacepad'] as const) {
      const t: Datatype = { class: 'string', size: 5, padding, charset: 'utf8' };
      const b = encodeElements(t, ['ab', 'é', ''], 3);
      const pad = padding === 'spacepad' ? 0x20 : 0;
      expect(Array.from(b)).toEqual([0x61, 0x62, pad, pad, pad, 0xc3, 0xa9, pad, pad, pad, pad, pad, pad, pad, pad]);
      expect(() => encodeElements(t, ['abcdef'], 1)).toThrow(H5TypeError);
      expect(() => encodeElements(t, ['éééé'], 1)).toThrow(/8 bytes/);
    }
  });

  it('accepts a single element for count 1, nested arrays for array types, enum names', () => {
    const i4: IntegerType = { class: 'integer', size: 4, order: 'LE', signed: true, bitOffset: 0, precision: 32 };
    expect(encodeElements(i4, 7, 1)).toEqual(encodeElements(i4, [7], 1));
    const arr: Datatype = { class: 'array', size: 24, dims: [2, 3], base: i4 };
    expect(encodeElements(arr, [[[1, 2, 3], [4, 5, 6]]], 1)).toEqual(encodeElements(arr, [new Int32Array([1, 2, 3, 4, 5, 6])], 1));
    const en: Datatype = { class: 'enum', size: 4, base: i4, members: [{ name: 'ON', value: 5 }] };
    expect(encodeElements(en, ['ON', 5], 2)).toEqual(encodeElements(i4, [5, 5], 2));
    expect(() => encodeElements(i4, [1, 2], 3)).toThrow(H5ValueError);
    expect(() => encodeElements({ class: 'vlen', size: 16, kind: 'string', padding: 'nullterm', charset: 'utf8', base: i4 }, ['x'], 1)).toThrow(/EncodeServices/);
  });

  it('writes vlen data to the heap and region references as libhdf5 1.10 serialises them', () => {
    const { enc, objects } = heap();
    const vs: Datatype = { class: 'vlen', size: 16, kind: 'string', padding: 'nullterm', charset: 'utf8', base: intType(new Rng(1), 1) };
    const b = encodeElements(vs, ['héllo', null], 2, enc);
    expect(Array.from(b.subarray(0, 16))).toEqual([6, 0, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
    expect(Array.from(b.subarray(16))).toEqual(new Array(16).fill(0));
    expect(new TextDecoder().decode(objects.get(1))).toBe('héllo');
    const reg: Datatype = { class: 'reference', size: 12, refType: 'region' };
    encodeElements(reg, [{ address: 800, selection: { type: 'hyperslab', blocks: [[[1, 2], [3, 4]]] } }], 1, enc);
    const words = new Uint32Array(objects.get(2)!.slice(8).buffer);
    // Hyperslab, version 1, reserved, length = rank + count + 2 * rank coordinates (4 bytes each), rank 2, 1 block, start, end.
    expect(Array.from(words)).toEqual([2, 1, 0, 24, 2, 1, 1, 2, 3, 4]);
  });

  it('encodes big typed arrays in bulk', () => {
    const n = 1 << 20;
    const t = ieeeFloat(8, 'BE');
    const v = Float64Array.from({ length: n }, (_, i) => i * 0.5);
    const t0 = performance.now();
    const b = encodeElements(t, v, n);
    const ms = performance.now() - t0;
    expect(new DataView(b.buffer).getFloat64(8 * 12345, false)).toBe(12345 * 0.5);
    expect(ms).toBeLessThan(500);
  });
});
