// h5kit's own inflate (src/filters/inflate.ts) against node:zlib, the same
// zlib libhdf5 links: every stream zlib writes decodes to the same bytes, and
// every damaged stream either decodes as zlib decodes it or fails with an
// InflateError (never another exception, never a hang, never output past the limit).
import { constants, deflateRawSync, deflateSync, inflateSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InflateError, adler32, inflateZlib } from '../../src/filters/inflate.js';
import { rng } from '../helpers/rng.js';

const RUNS = Number(process.env.FC_RUNS ?? 200);

/** Bytes whose compressibility depends on `kind`: noise, runs, a smooth float signal. */
function sample(n: number, seed: number, kind: number): Uint8Array {
  const r = rng(seed);
  const out = new Uint8Array(n);
  if (kind === 0) for (let i = 0; i < n; i++) out[i] = (r() * 256) | 0;
  else if (kind === 1) for (let i = 0; i < n; i++) out[i] = i > 8 && r() < 0.8 ? out[i - 1 - ((r() * Math.min(i - 1, 300)) | 0)] : (r() * 16) | 0;
  else {
    const f = new Float32Array(out.buffer, 0, n >> 2);
    for (let i = 0; i < f.length; i++) f[i] = Math.sin(i / 300) + r() * 1e-3;
  }
  return out;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

const STRATEGIES = [constants.Z_DEFAULT_STRATEGY, constants.Z_FILTERED, constants.Z_HUFFMAN_ONLY, constants.Z_RLE, constants.Z_FIXED];

describe('inflateZlib', () => {
  it('decodes what zlib writes, for every level, strategy, window and memory level', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 70000 }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 9 }),
        fc.constantFrom(...STRATEGIES),
        fc.integer({ min: 9, max: 15 }),
        fc.integer({ min: 1, max: 9 }),
        (n, seed, kind, level, strategy, windowBits, memLevel) => {
          const raw = sample(n, seed, kind);
          const z = deflateSync(raw, { level, strategy, windowBits, memLevel });
          // Known size (what the pipeline passes for the last filter) and unknown size (grown as needed).
          expect(equalBytes(inflateZlib(z, n, n), raw)).toBe(true);
          expect(equalBytes(inflateZlib(z, 16, 2 ** 31), raw)).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('ignores bytes after the stream, as zlib does', () => {
    const raw = sample(5000, 7, 1);
    const z = deflateSync(raw);
    const padded = new Uint8Array(z.length + 37).fill(0xa5);
    padded.set(z);
    expect(equalBytes(inflateZlib(padded, 5000, 5000), raw)).toBe(true);
  });

  it('handles an empty stream and the largest matches', () => {
    expect(inflateZlib(deflateSync(new Uint8Array(0)), 0, 0).length).toBe(0);
    const zeros = new Uint8Array(1 << 20);
    expect(equalBytes(inflateZlib(deflateSync(zeros, { level: 9 }), 1 << 20, 1 << 20), zeros)).toBe(true);
  });

  it('computes Adler-32 as zlib does', () => {
    for (const n of [0, 1, 5551, 5552, 5553, 100000]) {
      const data = new Uint8Array(n).fill(0xff);
      const z = deflateSync(data, { level: 0 });
      const trailer = new DataView(z.buffer, z.byteOffset + z.length - 4).getUint32(0);
      expect(adler32(data)).toBe(trailer);
    }
  });

  it('decodes damaged streams as zlib does or fails with InflateError', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer({ min: 0, max: 2 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat(), { nil: undefined }),
        (n, seed, kind, flips, cut) => {
          const raw = sample(n, seed, kind);
          const z = new Uint8Array(deflateSync(raw, { level: 6 }));
          for (const [at, x] of flips) z[at % z.length] ^= x || 1;
          const damaged = cut === undefined ? z : z.subarray(0, cut % z.length);
          let expected: Uint8Array | undefined;
          try {
            expected = new Uint8Array(inflateSync(damaged, { maxOutputLength: n + 1 }));
          } catch {
            expected = undefined;
          }
          let actual: Uint8Array | undefined;
          try {
            actual = inflateZlib(damaged, n, n);
          } catch (e) {
            expect(e).toBeInstanceOf(InflateError);
          }
          if (expected && expected.length <= n) expect(actual && equalBytes(actual, expected)).toBe(true);
          if (!expected) expect(actual).toBeUndefined();
        },
      ),
      { numRuns: RUNS * 5 },
    );
  });

  it('fails on every truncation', () => {
    const raw = sample(3000, 3, 2);
    const z = deflateSync(raw);
    for (let cut = 0; cut < z.length; cut++) expect(() => inflateZlib(z.subarray(0, cut), 3000, 3000)).toThrow(InflateError);
  });

  it('rejects what zlib rejects: bad header, preset dictionary, bad check, output past the limit', () => {
    const raw = sample(2000, 11, 1);
    const z = new Uint8Array(deflateSync(raw));
    expect(() => inflateZlib(Uint8Array.of(0x78, 0x9d, 0, 0), 10, 10)).toThrow(/header check/);
    expect(() => inflateZlib(Uint8Array.of(0x79, 0x9c, 0, 0), 10, 10)).toThrow(/not a zlib/);
    expect(() => inflateZlib(Uint8Array.of(0x78, 0xbb, 0, 0, 0, 0), 10, 10)).toThrow(/dictionary/);
    const badCheck = z.slice();
    badCheck[badCheck.length - 1] ^= 1;
    expect(() => inflateZlib(badCheck, 2000, 2000)).toThrow(/Adler-32/);
    expect(() => inflateZlib(z, 1999, 1999)).toThrow(/exceeds 1999 bytes/);
    // A raw deflate stream is not a zlib stream.
    expect(() => inflateZlib(new Uint8Array(deflateRawSync(raw)), 2000, 2000)).toThrow(InflateError);
  });

  it('stops a stream that expands past the limit when the size is unknown', () => {
    // ~1000x expansion: the output doubles from the small first guess and stops at the limit.
    const z = deflateSync(new Uint8Array(1 << 22), { level: 9 });
    expect(() => inflateZlib(z, 4096, 1 << 21)).toThrow(/exceeds 2097152 bytes/);
    expect(inflateZlib(z, 4096, 1 << 22).length).toBe(1 << 22);
  });
});
