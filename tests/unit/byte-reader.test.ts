// ByteReader's integer and address fields of every width the format uses
// (spec III.A: offsets and lengths of 2, 4 or 8 bytes; heap IDs and v2
// B-tree records of any width 1..8), against BigInt arithmetic on the same
// bytes; values at and over 2^53 must fail with H5FormatError.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { H5FormatError } from '../../src/errors.js';
import { ByteReader, UNDEFINED_ADDRESS } from '../../src/format/byte-reader.js';

const readerOf = (bytes: number[], at = 0) => new ByteReader(new Uint8Array(bytes), 1000, 'test structure').seek(at);
const littleEndian = (bytes: number[]) => bytes.reduceRight((v, b) => (v << 8n) | BigInt(b), 0n);

describe('ByteReader integers', () => {
  it('uint(n) for n = 1..8 at any position matches BigInt, and fails at 2^53 and above', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 3 }), fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 12, maxLength: 12 }), (n, at, bytes) => {
        const field = bytes.slice(at, at + n);
        const want = littleEndian(field);
        const r = readerOf(bytes, at);
        if (want > BigInt(Number.MAX_SAFE_INTEGER)) {
          expect(() => r.uint(n)).toThrow(H5FormatError);
        } else {
          expect(r.uint(n)).toBe(Number(want));
          expect(r.pos).toBe(at + n);
        }
      }),
    );
  });

  it('the 8-byte edge: 2^53 - 1 reads, 2^53 fails naming the structure and offset', () => {
    const max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x00];
    expect(readerOf(max).uint(8)).toBe(Number.MAX_SAFE_INTEGER);
    const over = [0, 0, 0, 0, 0, 0, 0x20, 0];
    expect(() => readerOf([9, 9, ...over], 2).uint(8)).toThrow(/test structure at offset 1002: .*53 bits/);
  });

  it('addressOf(n): all-ones is the undefined address, anything else the value', () => {
    for (const n of [2, 3, 4, 8]) {
      expect(readerOf(new Array(n).fill(0xff)).addressOf(n)).toBe(UNDEFINED_ADDRESS);
      // The largest value under all-ones that still fits in 53 bits.
      const almost = new Array(n).fill(0xff);
      if (n === 8) almost.splice(6, 2, 0x1f, 0x00);
      else almost[n - 1] = 0x00;
      expect(readerOf(almost).addressOf(n)).toBe(Number(littleEndian(almost)));
    }
    // An address of 8 bytes whose low half alone is all-ones is an address.
    const low = [0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0];
    expect(readerOf(low).addressOf(8)).toBe(Number(littleEndian(low)));
  });

  it('a truncated field fails instead of reading past the block', () => {
    expect(() => readerOf([1, 2, 3]).uint(4)).toThrow(H5FormatError);
    expect(() => readerOf([1, 2, 3, 4, 5, 6, 7]).addressOf(8)).toThrow(/truncated/);
  });
});
