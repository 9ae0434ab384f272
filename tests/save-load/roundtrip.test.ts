import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { H5TypeError, H5UnsupportedError, load, save } from '../../src/index.js';
import { oracleRequired, runPython } from '../helpers/oracle.js';

const dir = mkdtempSync(join(tmpdir(), 'h5kit-save-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A seeded generator of every kind of value save() accepts. */
function generator(seed: number) {
  let s = seed >>> 0 || 1;
  const rnd = (n: number) => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) % n);
  const word = () => ['alpha', 'β', '', 'x y', '日本', 'a/b'.replace('/', '_')][rnd(6)];
  const leaf = (): unknown => {
    switch (rnd(16)) {
      case 0: return rnd(1000) / 7 - 50;
      case 1: return BigInt(rnd(1 << 30)) * (rnd(2) ? 1n : -1n) * 12345n;
      case 2: return rnd(2) === 1;
      case 3: return word();
      case 4: return Array.from({ length: 1 + rnd(5) }, word);
      case 5: return Array.from({ length: 1 + rnd(5) }, () => rnd(2) === 1);
      case 6: return new Date(1_600_000_000_000 + rnd(1e9));
      case 7: return null;
      case 8: return Float64Array.from({ length: rnd(3000) }, () => rnd(1e6) / 3);
      case 9: return Int32Array.from({ length: 1 + rnd(50) }, () => rnd(1 << 31) - 2 ** 30);
      case 10: return new Uint8Array(rnd(100)).map(() => rnd(256));
      case 11: return BigUint64Array.from({ length: 1 + rnd(4) }, () => BigInt(rnd(1 << 30)) << 20n);
      case 12: { const r = 1 + rnd(4), c = 1 + rnd(4); return Array.from({ length: r }, () => Array.from({ length: c }, () => rnd(100) / 4)); }
      case 13: { const shape = [1 + rnd(3), 1 + rnd(3), 2]; return { data: Float32Array.from({ length: shape[0] * shape[1] * 2 }, () => rnd(100)), shape }; }
      case 14: return [1, 'two', { three: [3, null, true] }, []];
      default: return { nested: word(), n: rnd(10) };
    }
  };
  const tree = (depth: number): unknown => {
    const useMap = rnd(5) === 0;
    const entries: [string, unknown][] = Array.from({ length: 1 + rnd(5) }, (_, i) => [`k${i}_${word() || 'e'}`, depth > 0 && rnd(3) === 0 ? tree(depth - 1) : leaf()]);
    return useMap ? new Map(entries) : Object.fromEntries(entries);
  };
  return tree;
}

describe('load(save(v)) equals v', () => {
  for (let seed = 1; seed <= 40; seed++) {
    it(`seed ${seed}`, () => {
      const v = generator(seed)(3);
      const back = load(save(null, v));
      expect(isDeepStrictEqual(back, v)).toBe(true);
    });
  }

  it('scalars and arrays at the root come back as themselves', () => {
    for (const v of [42, 'text', true, 7n, null, [1, 'a'], new Float32Array([1, 2]), [[1, 2], [3, 4]], new Date(0)]) {
      expect(isDeepStrictEqual(load(save(null, v)), v)).toBe(true);
    }
  });

  it('keys put values at paths', () => {
    const bytes = save(null, { a: 1 }, { key: 'deep/inside/here' });
    expect(load(bytes, { key: 'deep/inside/here' })).toEqual({ a: 1 });
  });
});

describe('what cannot be stored is refused before writing', () => {
  const cases: [string, unknown][] = [
    ['function', { f: () => 1 }],
    ['symbol', { s: Symbol('x') }],
    ['undefined in an array', { a: [1, undefined] }],
    ['NaN in a blob', { a: [1, 'x', NaN] }],
    ['non-string Map key', new Map<unknown, unknown>([[1, 2]])],
    ['bigint out of int64', { b: 2n ** 70n }],
  ];
  for (const [what, v] of cases) {
    it(what, () => expect(() => save(null, v)).toThrow(H5TypeError));
  }
  it('a cycle', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => save(null, a)).toThrow(H5TypeError);
  });
  it('saving into existing bytes is not supported yet', () => {
    expect(() => save(new Uint8Array(8), {})).toThrow(H5UnsupportedError);
  });
});

describe.runIf(oracleRequired())('h5py reads saved files with natural types', () => {
  it('types, markers and values', () => {
    const v = {
      x: 1.5, n: 3n, ok: true, s: 'héllo', strs: ['a', 'b'], flags: [true, false], when: new Date(86_400_000), none: null,
      u8: new Uint8Array([1, 2]), f4: new Float32Array([0.5, 2]), grid: [[1, 2], [3, 4]], blob: [1, 'two'],
    };
    const path = join(dir, 'natural.h5');
    writeFileSync(path, save(null, v));
    const got = JSON.parse(runPython([join(__dirname, 'check_h5py.py'), path]));
    expect(got['/x']).toMatchObject({ dtype: '<f8', shape: [], value: 1.5 });
    expect(got['/n']).toMatchObject({ dtype: '<i8', value: '3' });
    expect(got['/ok']).toMatchObject({ dtype: '|b1', value: true });
    expect(got['/s']).toMatchObject({ dtype: 'str', value: 'héllo' });
    expect(got['/strs']).toMatchObject({ dtype: 'str', shape: [2], value: ['a', 'b'], marker: 'string[]' });
    expect(got['/flags']).toMatchObject({ dtype: '|b1', value: [true, false] });
    expect(got['/when']).toMatchObject({ value: '1970-01-02T00:00:00.000Z', marker: 'date' });
    expect(got['/none']).toMatchObject({ dtype: 'empty', shape: null });
    expect(got['/u8']).toMatchObject({ dtype: '|u1', value: [1, 2] });
    expect(got['/f4']).toMatchObject({ dtype: '<f4', value: [0.5, 2] });
    expect(got['/grid']).toMatchObject({ dtype: '<f8', shape: [2, 2], value: [1, 2, 3, 4], marker: 'nested' });
    expect(got['/blob']).toMatchObject({ dtype: 'str', marker: 'json', value: '[1,"two"]' });
  });
});
