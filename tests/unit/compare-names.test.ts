// compareNames must order names as libhdf5 does: strcmp on their UTF-8 bytes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareNames } from '../../src/model/links.js';

const utf8 = new TextEncoder();
const byteOrder = (a: string, b: string) => Math.sign(Buffer.compare(utf8.encode(a), utf8.encode(b)));

describe('compareNames', () => {
  it('agrees with UTF-8 byte order on any well-formed strings', () => {
    // Full Unicode (surrogate pairs included) mixed with ASCII and the U+E000..U+FFFF range that trips UTF-16 order.
    const piece = fc.oneof(fc.string({ unit: 'grapheme-ascii', maxLength: 3 }), fc.string({ unit: 'binary', maxLength: 3 }), fc.constantFrom('\ue000', '\uffff', '\ud83d\ude00', 'a', '\u00e9'));
    const name = fc.array(piece, { maxLength: 4 }).map((p) => p.join(''));
    fc.assert(fc.property(name, name, (a, b) => Math.sign(compareNames(a, b)) === byteOrder(a, b)), { numRuns: Number(process.env.FC_RUNS ?? 2000) });
  });

  it('puts a code point above U+FFFF after U+E000..U+FFFF, as UTF-8 bytes do', () => {
    expect(compareNames('\ud83d\ude00', '\uffff')).toBeGreaterThan(0);
    expect(compareNames('\uffff', '\ud83d\ude00')).toBeLessThan(0);
    expect(compareNames('ab', 'abc')).toBeLessThan(0);
    expect(compareNames('b', 'ab')).toBeGreaterThan(0);
    expect(compareNames('x', 'x')).toBe(0);
  });
});
