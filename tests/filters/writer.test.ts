/**
 * createDataset with `nbit` and `scaleoffset`: the pipeline h5kit stores,
 * its own reader getting the values back, and the errors for what libhdf5
 * cannot do. (h5py reading these files: tests/interop/h5py-filters.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import {
  Dataset,
  File,
  H5TypeError,
  H5UnsupportedError,
  H5ValueError,
  arrayType,
  compoundType,
  enumType,
  floatType,
  integerType,
  open,
  vlenType,
  type CreateDatasetOptions,
} from '../../src/index.js';
import type { FilterContext } from '../../src/filters/filter.js';
import { encoderFor, nbitClientData } from '../../src/filters/index.js';

const nbitFilter = encoderFor(5)!;
const scaleoffsetFilter = encoderFor(6)!;
import { rng } from '../helpers/rng.js';

/** libhdf5's n-bit test float: 20 significant bits at offset 7 (dsets.c test_nbit_float). */
const F20 = { precision: 20, offset: 7, signLocation: 26, exponentLocation: 20, exponentSize: 6, mantissaLocation: 7, mantissaSize: 13, exponentBias: 31 };

function roundTrip(name: string, o: CreateDatasetOptions): Dataset {
  const f = File.create();
  f.createDataset(name, o);
  return open(f.toBytes()).get(name) as Dataset;
}

describe('createDataset({ nbit: true })', () => {
  it('packs reduced-precision integers and reads them back', () => {
    const data = Int16Array.from({ length: 101 }, (_, i) => ((i * 37) % 2048) - 1024);
    const ds = roundTrip('i', { data, dtype: integerType(2, true, 'LE', { precision: 11, offset: 2 }), chunks: [40], nbit: true });
    expect(ds.filters).toEqual([{ id: 5, name: 'nbit', optional: true, clientData: [8, 0, 40, 1, 2, 0, 11, 2] }]);
    expect(Array.from(ds.read() as Int16Array)).toEqual(Array.from(data));
  });

  it('every integer size, order, precision and offset', () => {
    const next = rng(99);
    for (let trial = 0; trial < 40; trial++) {
      const size = [1, 2, 4, 8][trial % 4];
      const signed = next() < 0.5;
      const precision = 1 + Math.floor(next() * size * 8);
      const offset = Math.floor(next() * (size * 8 - precision + 1));
      const order = next() < 0.5 ? 'LE' : 'BE';
      const n = 1 + Math.floor(next() * 60);
      const lo = signed ? -(2 ** (precision - 1)) : 0;
      const span = 2 ** precision;
      const values = Array.from({ length: n }, () => lo + Math.floor(next() * span));
      const data = size === 8 ? values.map((v) => BigInt(v)) : values;
      const label = `${signed ? 'i' : 'u'}${size} ${order} ${precision}@${offset}`;
      const ds = roundTrip('x', { data, shape: [n], dtype: integerType(size, signed, order, { precision, offset }), chunks: [1 + Math.floor(next() * n)], nbit: true });
      expect(Array.from(ds.read() as ArrayLike<number | bigint>), label).toEqual(data);
    }
  });

  it('floats with a custom layout, compounds, arrays and no-op members', () => {
    const f20 = floatType(4, 'BE', F20);
    const ds1 = roundTrip('f', { data: [1.5, -2.25, 0, 1000.125, -0.0078125], dtype: f20, chunks: [2], nbit: true });
    expect(Array.from(ds1.read() as Float64Array)).toEqual([1.5, -2.25, 0, 1000.125, -0.0078125]);

    const rec = compoundType({
      a: integerType(2, false, 'LE', { precision: 9, offset: 3 }),
      b: arrayType(integerType(1, true, 'LE', { precision: 5, offset: 1 }), [3]),
      c: f20,
      e: enumType('u1', { OFF: 0, ON: 1 }),
      s: 'S3',
      g: '<f8',
    });
    const values = Array.from({ length: 25 }, (_, i) => ({ a: i * 20, b: Int8Array.from([i - 12, -16, 15]), c: i / 4, e: i % 2, s: `s${i}`, g: Math.PI * i }));
    const ds2 = roundTrip('c', { data: values, dtype: rec, chunks: [10], nbit: true });
    expect(ds2.filters[0].clientData[1]).toBe(0);
    const back = ds2.read() as Record<string, unknown>[];
    expect(back.map((r) => [r.a, Array.from(r.b as Int8Array), r.c, r.e, r.s, r.g])).toEqual(values.map((r) => [r.a, Array.from(r.b), r.c, r.e, r.s, r.g]));
  });

  it('full-precision types keep the "store as is" flag; unwritten elements read as the fill value', () => {
    const ds = roundTrip('x', { data: Int32Array.from([1, -2, 3]), chunks: [2], nbit: true });
    expect(ds.filters[0].clientData).toEqual([8, 1, 2, 1, 4, 0, 32, 0]);
    expect(Array.from(ds.read() as Int32Array)).toEqual([1, -2, 3]);

    const f = File.create();
    const w = f.createDataset('p', { shape: [10], dtype: integerType(4, true, 'LE', { precision: 13 }), chunks: [4], fillValue: -1, nbit: true });
    w.write(Int32Array.from([100, -200, 300]), [[2, 5]]);
    expect(Array.from((open(f.toBytes()).get('p') as Dataset).read() as Int32Array)).toEqual([-1, -1, 100, -200, 300, -1, -1, -1, -1, -1]);
  });

  it('types libhdf5 cannot describe are refused before anything is written', () => {
    const f = File.create();
    expect(() => f.createDataset('v', { shape: [3], dtype: vlenType('<i4'), chunks: [3], nbit: true })).toThrow(H5TypeError);
    expect(() => f.createDataset('a', { shape: [3], dtype: arrayType(vlenType('<i4'), [2]), chunks: [3], nbit: true })).toThrow(/array of variable-length/);
    expect(() => f.createDataset('s', { shape: [3], dtype: '<i4', layout: 'contiguous', nbit: true })).toThrow(/chunked layout/);
    expect(() => f.createDataset('n', { shape: [3], dtype: '<i4', nbit: true, scaleoffset: 0 })).toThrow(H5ValueError);
    expect(f.keys()).toEqual([]);
    // libhdf5's limit on the description (H5Z_NBIT_MAX_NPARMS).
    const wide = compoundType(Object.fromEntries(Array.from({ length: 900 }, (_, i) => [`m${i}`, '<i2'])));
    expect(() => nbitClientData(wide, 1)).toThrow(H5UnsupportedError);
  });
});

describe('createDataset({ scaleoffset })', () => {
  it('integers: automatic minbits is lossless, the fill value is recorded', () => {
    const data = Int32Array.from({ length: 250 }, (_, i) => ((i * 7919) % 3001) - 1500);
    const ds = roundTrip('i', { data, chunks: [100], scaleoffset: true, fillValue: -7 });
    const cd = ds.filters[0].clientData;
    expect(cd).toEqual([2, 0, 100, 0, 4, 1, 0, 1, 2 ** 32 - 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(ds.read() as Int32Array)).toEqual(Array.from(data));
  });

  it('integers of every size and order, with and without a fill value, and a given bit count', () => {
    const next = rng(7);
    for (const dtype of ['<i1', '|u1', '<i2', '>u2', '>i4', '<u4', '<i8', '>u8']) {
      const size = Number(dtype.slice(2));
      const signed = dtype[1] === 'i';
      const n = 77;
      const bits = Math.min(size * 8, 20);
      const base = signed ? -(2 ** (bits - 1)) : 0;
      const values = Array.from({ length: n }, () => base + Math.floor(next() * 2 ** bits));
      const data = size === 8 ? values.map(BigInt) : values;
      for (const o of [{ scaleoffset: 0 }, { scaleoffset: true, fillValue: size === 8 ? BigInt(values[3]) : values[3] }, { scaleoffset: bits }] as const) {
        const ds = roundTrip('x', { data, dtype, chunks: [30], ...o });
        expect(Array.from(ds.read() as ArrayLike<number | bigint>), `${dtype} ${JSON.stringify(o, (_, v) => (typeof v === 'bigint' ? String(v) : v))}`).toEqual(data);
      }
    }
  });

  it('floats keep D decimal digits', () => {
    const next = rng(3);
    const values = Array.from({ length: 300 }, () => (next() - 0.3) * 2000);
    for (const [dtype, digits] of [['<f8', 3], ['>f8', 6], ['<f4', 2], ['>f4', 1]] as const) {
      const ds = roundTrip('x', { data: values, dtype, chunks: [64], scaleoffset: digits, fillValue: -999 });
      expect(ds.filters[0].clientData.slice(0, 8)).toEqual([0, digits, 64, 1, Number(dtype[2]), 0, dtype[0] === '<' ? 0 : 1, 1]);
      const back = Array.from(ds.read() as Float64Array | Float32Array);
      // Half a unit of the last digit kept, plus float32's own rounding of values up to ~1400.
      const tolerance = 0.5 * 10 ** -digits + (dtype.endsWith('4') ? 2e-4 : 1e-9);
      back.forEach((v, i) => expect(Math.abs(v - values[i]), `${dtype} D=${digits} [${i}]`).toBeLessThanOrEqual(tolerance));
    }
  });

  it('unwritten elements read as the fill value; rewriting part of a chunk keeps the rest', () => {
    const f = File.create();
    const w = f.createDataset('x', { shape: [20], dtype: '<f8', chunks: [8], scaleoffset: 2, fillValue: 12.5 });
    w.write(Float64Array.from([1.234, 5.678, -3.21]), [[6, 9]]);
    w.write(Float64Array.from([7.777]), [[7, 8]]);
    const back = Array.from((open(f.toBytes()).get('x') as Dataset).read() as Float64Array);
    const expected = [...Array(6).fill(12.5), 1.234, 7.777, -3.21, ...Array(11).fill(12.5)];
    // Within half a unit of the second decimal: values are min + k/100 per chunk.
    back.forEach((v, i) => expect(Math.abs(v - expected[i]), `[${i}]`).toBeLessThanOrEqual(0.005 + 1e-12));
    expect(back.filter((v) => v === 12.5).length).toBe(17);
  });

  it('refuses what h5py and libhdf5 refuse', () => {
    const f = File.create();
    const make = (o: CreateDatasetOptions) => () => f.createDataset('x', { shape: [4], chunks: [2], ...o });
    expect(make({ dtype: '<f4', scaleoffset: true })).toThrow(/scaleoffset=true is for integers/);
    expect(make({ dtype: '<i4', scaleoffset: -1 })).toThrow(H5ValueError);
    expect(make({ dtype: '<i2', scaleoffset: 17 })).toThrow(/17 bits exceed a 2-byte integer/);
    expect(make({ dtype: '<f8', scaleoffset: 2.5 })).toThrow(H5ValueError);
    expect(make({ dtype: 'S4', scaleoffset: 2 })).toThrow(H5TypeError);
    expect(make({ dtype: enumType('u1', { A: 0 }), scaleoffset: 2 })).toThrow(H5TypeError);
    expect(make({ dtype: '<f2', scaleoffset: 2 })).toThrow(H5UnsupportedError);
    expect(make({ dtype: floatType(4, 'LE', F20), scaleoffset: 2 })).toThrow(/only IEEE/);
    expect(make({ dtype: '<i4', scaleoffset: 0, fletcher32: true })).toThrow(/fletcher32 cannot be used/);
    expect(f.keys()).toEqual([]);
    // false is "no filter", like leaving it out.
    expect(roundTrip('ok', { shape: [4], dtype: '<i4', scaleoffset: false }).layout).toBe('contiguous');
  });

  it('comes first in the pipeline, as in h5py', () => {
    const ds = roundTrip('x', { data: Int32Array.from([5, 6, 7, 8]), chunks: [2], scaleoffset: 0, shuffle: true, compression: 'gzip' });
    expect(ds.filters.map((x) => x.name)).toEqual(['scaleoffset', 'shuffle', 'deflate']);
    expect(Array.from(ds.read() as Int32Array)).toEqual([5, 6, 7, 8]);
    const nb = roundTrip('y', { data: Int32Array.from([5, 6, 7, 8]), dtype: integerType(4, true, 'LE', { precision: 5 }), chunks: [2], nbit: true, compression: 'lzf', fletcher32: true });
    expect(nb.filters.map((x) => x.name)).toEqual(['nbit', 'lzf', 'fletcher32']);
    expect(Array.from(nb.read() as Int32Array)).toEqual([5, 6, 7, 8]);
  });
});

describe('encoders on their own', () => {
  const ctx = (clientData: number[]): FilterContext => ({ elementSize: 0, clientData, where: 'test chunk', decodedSize: -1 });

  it('nbit: decode(encode(x)) keeps exactly the significant bits', () => {
    const next = rng(5);
    for (let trial = 0; trial < 200; trial++) {
      const size = [1, 2, 3, 4, 8, 16][trial % 6];
      const precision = 1 + Math.floor(next() * size * 8);
      const offset = Math.floor(next() * (size * 8 - precision + 1));
      const order = next() < 0.5 ? 0 : 1;
      const count = 1 + Math.floor(next() * 30);
      const cd = [8, 0, count, 1, size, order, precision, offset];
      const input = Uint8Array.from({ length: count * size }, () => Math.floor(next() * 256));
      const packed = nbitFilter.encode!(input, ctx(cd));
      expect(packed.length).toBe(Math.floor((count * precision) / 8) + 1);
      const back = nbitFilter.decode(packed, ctx(cd));
      // Keep bits offset..offset+precision-1 of each element, in its byte order.
      const expected = input.map((b, i) => {
        const k = i % size;
        const significance = order === 0 ? k : size - 1 - k;
        let mask = 0;
        for (let bit = 0; bit < 8; bit++) {
          const pos = significance * 8 + bit;
          if (pos >= offset && pos < offset + precision) mask |= 1 << bit;
        }
        return b & mask;
      });
      expect(Array.from(back), JSON.stringify(cd)).toEqual(Array.from(expected));
    }
  });

  it('a chunk of the wrong size is a format error naming the chunk', () => {
    expect(() => nbitFilter.encode!(new Uint8Array(7), ctx([8, 0, 2, 1, 4, 0, 9, 0]))).toThrow(/7 bytes to encode.*test chunk/);
    const so = [2, 0, 2, 0, 4, 1, 0, 0, ...Array(12).fill(0)];
    expect(() => scaleoffsetFilter.encode!(new Uint8Array(7), ctx(so))).toThrow(/7 bytes to encode/);
  });
});
