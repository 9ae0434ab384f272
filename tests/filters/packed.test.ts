/**
 * N-bit and scale-offset decoding checked against small BigInt reference
 * packers written from the format description, plus malformed input.
 */
import { describe, expect, it } from 'vitest';
import { H5FormatError } from '../../src/errors.js';
import type { FilterContext } from '../../src/filters/filter.js';
import { nbitFilter, scaleoffsetFilter } from '../../src/filters/index.js';
import { rng } from '../helpers/rng.js';

function ctx(clientData: number[], decodedSize = -1): FilterContext {
  return { elementSize: 0, clientData, where: 'test chunk', decodedSize };
}

/** MSB-first bit stream writer. */
class BitWriter {
  private bits: number[] = [];
  write(value: bigint, n: number): void {
    for (let i = n - 1; i >= 0; i--) this.bits.push(Number((value >> BigInt(i)) & 1n));
  }
  bytes(extra = 1): Uint8Array {
    const out = new Uint8Array(Math.ceil(this.bits.length / 8) + extra);
    this.bits.forEach((b, i) => {
      out[i >> 3] |= b << (7 - (i & 7));
    });
    return out;
  }
}

function toBytes(value: bigint, size: number, bigEndian: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < size; i++) out.push(Number((value >> BigInt(8 * i)) & 0xffn));
  return bigEndian ? out.reverse() : out;
}

function randomBig(bits: number, next: () => number): bigint {
  let v = 0n;
  for (let i = 0; i < bits; i++) v = (v << 1n) | (next() < 0.5 ? 1n : 0n);
  return v;
}

describe('nbit', () => {
  it('unpacks integer fields of any size, order, precision and offset', () => {
    const next = rng(12345);
    for (let trial = 0; trial < 300; trial++) {
      const size = [1, 2, 3, 4, 8, 16][Math.floor(next() * 6)];
      const precision = 1 + Math.floor(next() * size * 8);
      const offset = Math.floor(next() * (size * 8 - precision + 1));
      const bigEndian = next() < 0.5;
      const count = 1 + Math.floor(next() * 20);
      const writer = new BitWriter();
      const expected: number[] = [];
      for (let i = 0; i < count; i++) {
        const v = randomBig(precision, next);
        writer.write(v, precision);
        expected.push(...toBytes(v << BigInt(offset), size, bigEndian));
      }
      const cd = [8, 0, count, 1, size, bigEndian ? 1 : 0, precision, offset];
      const out = nbitFilter.decode(writer.bytes(), ctx(cd, count * size));
      expect([...out], JSON.stringify(cd)).toEqual(expected);
    }
  });

  it('returns the data unchanged when no field needs packing', () => {
    const data = new Uint8Array([1, 2, 3, 4]);
    expect(nbitFilter.decode(data, ctx([8, 1, 1, 1, 4, 0, 32, 0]))).toBe(data);
  });

  it('unpacks no-op members byte by byte at any bit position', () => {
    // compound { a: 3-bit int at offset 0, s: 2-byte no-op }
    const writer = new BitWriter();
    writer.write(5n, 3);
    writer.write(0xabcdn, 16);
    const cd = [13, 0, 1, 3, 3, 2, 0, 1, 1, 0, 3, 0, 1, 4, 2];
    cd[0] = cd.length;
    expect([...nbitFilter.decode(writer.bytes(), ctx(cd))]).toEqual([5, 0xab, 0xcd]);
  });

  it('rejects malformed client data and short input with H5FormatError', () => {
    const bad: number[][] = [
      [4, 0, 1, 1], // too short for the type description
      [2, 0], // too short
      [9, 0, 1, 1, 4, 0, 8, 0], // count does not match
      [8, 0, 1, 1, 4, 0, 40, 0], // precision beyond the element
      [8, 0, 1, 1, 4, 2, 8, 0], // byte order
      [8, 0, 1, 9, 4, 0, 8, 0], // class
      [8, 0, 1, 1, 0, 0, 8, 0], // size 0
      [7, 0, 1, 3, 4, 1, 0], // compound description cut short
      [11, 0, 1, 3, 4, 1, 2, 1, 4, 0, 8], // member past the end of the compound
    ];
    for (const cd of bad) {
      expect(() => nbitFilter.decode(new Uint8Array(64), ctx(cd)), JSON.stringify(cd)).toThrow(H5FormatError);
    }
    // 3 elements of 9 bits need 27 bits, 3 bytes hold 24.
    expect(() => nbitFilter.decode(new Uint8Array(3), ctx([8, 0, 3, 1, 2, 0, 9, 0]))).toThrow(/fewer than 3/);
    // The element count may not exceed the expected chunk size.
    expect(() => nbitFilter.decode(new Uint8Array(8), ctx([8, 0, 2 ** 31, 1, 4, 0, 1, 0], 400))).toThrow(
      /exceed 400/,
    );
  });

  it('bounds deeply nested or self-repeating descriptions', () => {
    // Arrays nested 100 deep.
    const cd = [0, 0, 1, 2, 4];
    for (let i = 0; i < 100; i++) cd.push(2, 4);
    cd.push(1, 4, 0, 8, 0);
    cd[0] = cd.length;
    expect(() => nbitFilter.decode(new Uint8Array(16), ctx(cd))).toThrow(/nesting/);
  });
});

interface SoCase {
  size: number;
  bigEndian: boolean;
  minbits: number;
  minval: bigint;
  fill?: bigint;
  packed: bigint[];
}

function scaleoffsetInput(c: SoCase): { input: Uint8Array; cd: number[]; expected: number[] } {
  const width = BigInt(8 * c.size);
  const mod = 1n << width;
  const header = new Uint8Array(21);
  header[0] = c.minbits;
  header[4] = 8;
  const minU = ((c.minval % (1n << 64n)) + (1n << 64n)) % (1n << 64n);
  for (let i = 0; i < 8; i++) header[5 + i] = Number((minU >> BigInt(8 * i)) & 0xffn);
  const writer = new BitWriter();
  const expected: number[] = [];
  const marker = (1n << BigInt(c.minbits)) - 1n;
  const fillU = c.fill === undefined ? 0n : ((c.fill % mod) + mod) % mod;
  for (const p of c.packed) {
    writer.write(p, c.minbits);
    const v = c.fill !== undefined && p === marker ? fillU : (p + minU) % mod;
    expected.push(...toBytes(v, c.size, c.bigEndian));
  }
  const body = writer.bytes();
  const input = new Uint8Array(21 + body.length);
  input.set(header);
  input.set(body, 21);
  const cd = [2, 0, c.packed.length, 0, c.size, 1, c.bigEndian ? 1 : 0, c.fill === undefined ? 0 : 1];
  for (let i = 0; i < 12; i++) cd.push(Number((fillU >> BigInt(32 * i)) & 0xffffffffn));
  return { input, cd, expected };
}

describe('scaleoffset', () => {
  it('adds the minimum modulo the integer width, with fill markers', () => {
    const next = rng(999);
    for (let trial = 0; trial < 300; trial++) {
      const size = [1, 2, 4, 8][Math.floor(next() * 4)];
      const minbits = Math.floor(next() * size * 8);
      const count = 1 + Math.floor(next() * 30);
      const c: SoCase = {
        size,
        bigEndian: next() < 0.5,
        minbits,
        minval: randomBig(64, next) - (1n << 63n),
        fill: next() < 0.5 ? randomBig(size * 8, next) : undefined,
        packed: Array.from({ length: count }, () =>
          next() < 0.2 ? (1n << BigInt(minbits)) - 1n : randomBig(minbits, next),
        ),
      };
      const { input, cd, expected } = scaleoffsetInput(c);
      const out = scaleoffsetFilter.decode(input, ctx(cd, count * size));
      expect([...out], JSON.stringify({ ...c, minval: String(c.minval), fill: String(c.fill), packed: null })).toEqual(
        expected,
      );
    }
  });

  it('rejects malformed parameters and input with H5FormatError', () => {
    const { input, cd } = scaleoffsetInput({ size: 4, bigEndian: false, minbits: 7, minval: 3n, packed: [1n, 2n, 3n] });
    const bad: [Uint8Array, number[]][] = [
      [input, cd.slice(0, 19)], // not 20 values
      [input.subarray(0, 20), cd], // header cut
      [input.subarray(0, 22), cd], // 21 bits of values need 3 bytes
      [input, cd.map((v, i) => (i === 4 ? 3 : v))], // integer size 3
      [input, cd.map((v, i) => (i === 0 ? 0 : v))], // float scale type on an integer
      [input, cd.map((v, i) => (i === 3 ? 1 : i === 0 ? 1 : v))], // E-scale
      [input, cd.map((v, i) => (i === 6 ? 2 : v))], // byte order
    ];
    for (const [data, params] of bad) {
      expect(() => scaleoffsetFilter.decode(data, ctx(params)), JSON.stringify(params)).toThrow(H5FormatError);
    }
    const tooWide = input.slice();
    tooWide[0] = 33;
    expect(() => scaleoffsetFilter.decode(tooWide, ctx(cd))).toThrow(/minbits 33/);
    expect(() => scaleoffsetFilter.decode(input, ctx(cd, 8))).toThrow(/exceed 8/);
  });
});
