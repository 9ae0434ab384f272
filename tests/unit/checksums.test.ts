import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { lookup3 } from '../../src/format/checksum.js';
import { sha256Hex } from '../../src/dump/sha256.js';
import { fsum } from '../../src/dump/fsum.js';
import { oracleRequired, runPython } from '../helpers/oracle.js';

describe('lookup3 (hashlittle)', () => {
  // Values printed by the driver in Bob Jenkins' lookup3.c.
  it('matches the reference vectors', () => {
    expect(lookup3(new Uint8Array(0), 0)).toBe(0xdeadbeef);
    const s = new TextEncoder().encode('Four score and seven years ago');
    expect(lookup3(s, 0)).toBe(0x17770551);
    expect(lookup3(s, 1)).toBe(0xcd628161);
  });
});

describe('sha256', () => {
  it('agrees with node:crypto on every length around block boundaries', () => {
    for (let n = 0; n < 300; n += 7) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff);
      expect(sha256Hex(b)).toBe(createHash('sha256').update(b).digest('hex'));
    }
  });
});

describe('fsum', () => {
  it('is exact where naive summation is not', () => {
    expect(fsum([1e100, 1, -1e100])).toBe(1);
    expect(fsum(new Array(10).fill(0.1))).toBe(1);
    expect(fsum([1, NaN])).toBeNaN();
    expect(fsum([Infinity, 1])).toBe(Infinity);
  });

  it.runIf(oracleRequired())('agrees with Python math.fsum on random data', () => {
    let seed = 12345;
    const next = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5) * 10 ** ((seed % 40) - 20);
    const arrays = Array.from({ length: 20 }, () => Array.from({ length: 200 }, next));
    const out = runPython(['-c', 'import json,sys,math; print(json.dumps([repr(math.fsum(a)) for a in json.load(sys.stdin)]))'], JSON.stringify(arrays));
    expect(arrays.map((a) => fsum(a))).toEqual((JSON.parse(out) as string[]).map(Number));
  });
});
