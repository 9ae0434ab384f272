// The 'h5kit' entry provides the portable (pako) deflate encoder.
import '../../src/index.js';
import { describe, expect, it } from 'vitest';
import { H5ChecksumError, H5FormatError } from '../../src/errors.js';
import type { FilterContext } from '../../src/filters/filter.js';
import {
  H5FilterDeclinedError,
  encoderFor,
  fletcher32,
  lzfClientData,
  lzfCompress,
  shuffle,
  unshuffle,
} from '../../src/filters/index.js';
import { legacyFletcher32 } from '../../src/filters/fletcher32.js';

// The built-in codecs as writers get them: registry decoder + encoder.
const deflateFilter = encoderFor(1)!;
const shuffleFilter = encoderFor(2)!;
const fletcher32Filter = encoderFor(3)!;
const lzfFilter = encoderFor(32000)!;

/** Deterministic pseudo-random bytes (xorshift32). */
function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Bytes with runs and repeats, so LZ codecs find matches. */
function compressibleBytes(n: number, seed: number): Uint8Array {
  const noise = randomBytes(n, seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = i > 40 && noise[i] < 200 ? out[i - 1 - (noise[i] % 37)] : noise[i] & 0x0f;
  return out;
}

/** Byte equality without vitest's slow element-wise diff on large arrays. */
function expectBytes(actual: Uint8Array, expected: Uint8Array, label?: string): void {
  expect(actual.length, label).toBe(expected.length);
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.length);
  const b = Buffer.from(expected.buffer, expected.byteOffset, expected.length);
  expect(a.equals(b), label).toBe(true);
}

function ctx(overrides: Partial<FilterContext> = {}): FilterContext {
  return { elementSize: 4, clientData: [], where: 'test chunk', decodedSize: -1, ...overrides };
}

/** Straightforward shuffle straight from the definition, for comparison. */
function referenceShuffle(data: Uint8Array, size: number): Uint8Array {
  const n = Math.floor(data.length / size);
  if (size <= 1 || n <= 1) return data.slice();
  const out = data.slice();
  for (let i = 0; i < n; i++) for (let b = 0; b < size; b++) out[b * n + i] = data[i * size + b];
  return out;
}

describe('deflate', () => {
  it('round-trips at every level', () => {
    const data = compressibleBytes(10_000, 7);
    for (let level = 0; level <= 9; level++) {
      const enc = deflateFilter.encode!(data, ctx({ clientData: [level] }));
      expect(enc[0] & 0x0f).toBe(8); // zlib header: CM = deflate
      expectBytes(deflateFilter.decode(enc, ctx({ decodedSize: data.length })), data);
      expectBytes(deflateFilter.decode(enc, ctx()), data);
    }
  });

  it('uses level 4 without client data and rejects levels above 9', () => {
    const data = compressibleBytes(1000, 3);
    expectBytes(deflateFilter.decode(deflateFilter.encode!(data, ctx()), ctx()), data);
    expect(() => deflateFilter.encode!(data, ctx({ clientData: [10] }))).toThrow(/level/);
  });

  it('handles empty data and grows past its first guess', () => {
    const empty = deflateFilter.encode!(new Uint8Array(0), ctx());
    expect(deflateFilter.decode(empty, ctx({ decodedSize: 0 })).length).toBe(0);
    const zeros = new Uint8Array(1 << 20);
    const enc = deflateFilter.encode!(zeros, ctx({ clientData: [9] }));
    expect(enc.length).toBeLessThan(zeros.length / 100);
    expectBytes(deflateFilter.decode(enc, ctx()), zeros);
  });

  it('ignores bytes after the end of the zlib stream', () => {
    const data = compressibleBytes(500, 9);
    const enc = deflateFilter.encode!(data, ctx());
    const padded = new Uint8Array(enc.length + 7);
    padded.set(enc);
    expectBytes(deflateFilter.decode(padded, ctx({ decodedSize: 500 })), data);
  });

  it('rejects truncated, corrupt and oversized streams with H5FormatError', () => {
    const data = compressibleBytes(5000, 11);
    const enc = deflateFilter.encode!(data, ctx());
    expect(() => deflateFilter.decode(enc.subarray(0, enc.length - 10), ctx())).toThrow(H5FormatError);
    const corrupt = enc.slice();
    corrupt[enc.length - 1] ^= 0xff; // Adler-32 trailer
    expect(() => deflateFilter.decode(corrupt, ctx())).toThrow(/deflate filter.*test chunk/);
    expect(() => deflateFilter.decode(randomBytes(100, 5), ctx())).toThrow(H5FormatError);
    expect(() => deflateFilter.decode(enc, ctx({ decodedSize: 4999 }))).toThrow(/exceeds 4999/);
    expect(() => deflateFilter.decode(new Uint8Array(0), ctx())).toThrow(H5FormatError);
  });
});

describe('shuffle', () => {
  it('matches the definition for element sizes 1..16 and uneven lengths', () => {
    for (let size = 1; size <= 16; size++) {
      for (const len of [0, 1, size - 1, size, size + 1, 2 * size, 7 * size + 3, 1000 * size + size - 1, 4099]) {
        if (len < 0) continue;
        const data = randomBytes(len, size * 1000 + len);
        const expected = referenceShuffle(data, size);
        const shuffled = shuffle(data, size);
        expectBytes(shuffled, expected, `size ${size} length ${len}`);
        expectBytes(unshuffle(shuffled, size), data);
        const viaFilter = shuffleFilter.encode!(data, ctx({ clientData: [size] }));
        expectBytes(shuffleFilter.decode(viaFilter, ctx({ clientData: [size] })), data);
      }
    }
  });

  it('writes into a caller-supplied buffer', () => {
    for (const size of [1, 2, 3, 4, 8]) {
      const data = randomBytes(size * 64 + 1, size);
      const target = new Uint8Array(data.length + 8);
      const shuffled = shuffle(data, size, target.subarray(4));
      expectBytes(shuffled, referenceShuffle(data, size));
      expect(shuffled.buffer).toBe(target.buffer);
      const back = new Uint8Array(data.length);
      const restored = unshuffle(shuffled.slice(), size, back);
      expect(restored.buffer).toBe(back.buffer);
      expectBytes(restored, data);
      expectBytes(back, data);
    }
  });

  it('copies a trailing partial element unchanged, as libhdf5 does', () => {
    const data = randomBytes(4 * 9 + 3, 77);
    const out = shuffle(data, 4);
    expectBytes(out.subarray(36), data.subarray(36));
    expectBytes(unshuffle(out, 4).subarray(36), data.subarray(36));
  });

  it('every path: sizes 1, 2, 3, 4, 8, 16; element counts 4k and 4k+1..3; trailing bytes; several blocks; unaligned views', () => {
    // The word kernels need a count that is a multiple of 4 and aligned
    // buffers; other counts and unaligned views go through 32 KiB blocks, the
    // last count % 4 elements and the trailing bytes byte by byte.
    const backing = randomBytes(16 * 5000 + 64, 31);
    for (const size of [1, 2, 3, 4, 8, 16]) {
      const blockElements = Math.floor(32768 / size) & ~3;
      for (const count of [2, 3, 4, 5, 6, 7, 8, 64, 65, 66, 67, blockElements, blockElements + 3, 2 * blockElements + 5]) {
        for (const extra of [0, 1, size - 1]) {
          if (extra >= size && extra > 0) continue;
          const length = count * size + extra;
          for (const [inOffset, outOffset] of [[0, 0], [1, 0], [0, 2], [3, 1]]) {
            const label = `size ${size} count ${count} +${extra} bytes, offsets ${inOffset}/${outOffset}`;
            const data = backing.subarray(inOffset, inOffset + length);
            const expected = referenceShuffle(data, size);
            const target = new Uint8Array(length + 8).fill(0xee);
            const shuffled = shuffle(data, size, target.subarray(outOffset));
            expectBytes(shuffled, expected, label);
            // Trailing bytes stay where they were, unshuffled (H5Z__filter_shuffle).
            expectBytes(shuffled.subarray(count * size), data.subarray(count * size), label);
            expect(target[outOffset + length], label).toBe(0xee);
            const shuffledCopy = new Uint8Array(length + inOffset);
            shuffledCopy.set(shuffled, inOffset);
            const back = unshuffle(shuffledCopy.subarray(inOffset), size, new Uint8Array(length + 4).subarray(outOffset));
            expectBytes(back, data, label);
            expectBytes(unshuffle(shuffled, size), data, label);
          }
        }
      }
    }
  });

  it('works on unaligned views and falls back to the context element size', () => {
    const backing = randomBytes(8 * 33 + 1, 5);
    for (const size of [2, 4, 8]) {
      const view = backing.subarray(1, 1 + size * 32);
      expectBytes(shuffle(view, size), referenceShuffle(view, size));
      expectBytes(unshuffle(shuffle(view, size), size), view);
    }
    const data = randomBytes(64, 9);
    expectBytes(shuffleFilter.encode!(data, ctx({ elementSize: 8 })), referenceShuffle(data, 8));
    expect(() => shuffleFilter.decode(data, ctx({ elementSize: 0 }))).toThrow(H5FormatError);
  });
});

describe('fletcher32', () => {
  it('round-trips and strips the checksum', () => {
    for (const len of [0, 1, 2, 3, 719, 720, 721, 1441, 5000]) {
      const data = randomBytes(len, len + 1);
      const enc = fletcher32Filter.encode!(data, ctx());
      expect(enc.length).toBe(len + 4);
      const sum = fletcher32(data);
      expect([enc[len], enc[len + 1], enc[len + 2], enc[len + 3]]).toEqual([
        sum & 0xff,
        (sum >>> 8) & 0xff,
        (sum >>> 16) & 0xff,
        sum >>> 24,
      ]);
      expectBytes(fletcher32Filter.decode(enc, ctx()), data);
    }
  });

  it('pairs bytes big-endian: swapping the bytes of a word changes the sum', () => {
    expect(fletcher32(new Uint8Array([1, 2]))).not.toBe(fletcher32(new Uint8Array([2, 1])));
    // A lone trailing byte counts as the high half of a word.
    expect(fletcher32(new Uint8Array([5]))).toBe(fletcher32(new Uint8Array([5, 0])));
  });

  it('does not overflow on all-0xff data (sums fold every 360 words)', () => {
    const ones = new Uint8Array(100_000).fill(0xff);
    const sum = fletcher32(ones);
    expect(sum).toBeGreaterThanOrEqual(0);
    expect(sum).toBeLessThanOrEqual(0xffffffff);
    expect(fletcher32Filter.decode(fletcher32Filter.encode!(ones, ctx()), ctx()).length).toBe(100_000);
  });

  it('accepts the byte-swapped checksum of libhdf5 < 1.6.3', () => {
    const data = randomBytes(301, 42);
    const enc = fletcher32Filter.encode!(data, ctx());
    const legacy = legacyFletcher32(fletcher32(data));
    expect(legacy).not.toBe(fletcher32(data));
    const n = data.length;
    enc[n] = legacy & 0xff;
    enc[n + 1] = (legacy >>> 8) & 0xff;
    enc[n + 2] = (legacy >>> 16) & 0xff;
    enc[n + 3] = legacy >>> 24;
    expectBytes(fletcher32Filter.decode(enc, ctx()), data);
  });

  it('throws H5ChecksumError on a mismatch, naming the chunk', () => {
    const data = randomBytes(64, 1);
    const enc = fletcher32Filter.encode!(data, ctx());
    enc[10] ^= 1;
    let caught: unknown;
    try {
      fletcher32Filter.decode(enc, ctx({ where: 'dataset "/x" chunk [0]' }));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(H5ChecksumError);
    const err = caught as H5ChecksumError;
    expect(err.structure).toBe('fletcher32 filter');
    expect(err.offset).toBe(-1);
    expect(err.detail).toContain('dataset "/x" chunk [0]');
    expect(() => fletcher32Filter.decode(new Uint8Array(3), ctx())).toThrow(H5FormatError);
  });
});

describe('lzf', () => {
  const lzfCtx = (n: number, decodedSize = -1) => ctx({ clientData: lzfClientData(n), decodedSize });

  it('round-trips compressible data of many lengths', () => {
    for (const len of [1, 2, 3, 4, 31, 32, 33, 100, 264, 265, 8192, 8193, 70_000]) {
      const data = compressibleBytes(len, len);
      const packed = lzfCompress(data);
      expectBytes(lzfFilter.decode(packed, lzfCtx(len, len)), data);
      expectBytes(lzfFilter.decode(packed, ctx()), data); // no size hint: grows
    }
  });

  it('encodes long runs with maximal back references', () => {
    const zeros = new Uint8Array(100_000);
    const packed = lzfFilter.encode!(zeros, lzfCtx(zeros.length));
    expect(packed.length).toBeLessThan(2000);
    expectBytes(lzfFilter.decode(packed, lzfCtx(zeros.length)), zeros);
  });

  it('declines data it cannot shrink', () => {
    const noise = randomBytes(1000, 3);
    expectBytes(lzfFilter.decode(lzfCompress(noise), lzfCtx(1000)), noise);
    expect(() => lzfFilter.encode!(noise, lzfCtx(1000))).toThrow(H5FilterDeclinedError);
  });

  it('rejects malformed streams with H5FormatError', () => {
    const bad = [
      new Uint8Array(0), // empty
      new Uint8Array([5, 1, 2]), // literal run of 6, only 2 bytes
      new Uint8Array([0, 65, 0x20]), // back reference missing its offset byte
      new Uint8Array([0, 65, 0xe0, 3]), // long back reference missing its offset byte
      new Uint8Array([0, 65, 0x20, 5]), // reference before the start of the output
    ];
    for (const stream of bad) expect(() => lzfFilter.decode(stream, lzfCtx(100)), String(stream)).toThrow(H5FormatError);
  });

  it('bounds the output by the declared and expected sizes', () => {
    const data = compressibleBytes(5000, 8);
    const packed = lzfCompress(data);
    expect(() => lzfFilter.decode(packed, lzfCtx(5000, 4000))).toThrow(/exceeds 4000/);
    expect(() => lzfFilter.decode(packed, ctx({ clientData: [4, 261, 2 ** 31 + 1] }))).toThrow(/declared/);
    // A too-small declared size is only a first guess, as in h5py.
    expectBytes(lzfFilter.decode(packed, ctx({ clientData: [4, 261, 100] })), data);
  });
});
