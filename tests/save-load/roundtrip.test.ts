import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { H5FormatError, H5TypeError, load, save } from '../../src/index.js';
import { oracleRequired, runPython } from '../helpers/oracle.js';

const dir = mkdtempSync(join(tmpdir(), 'h5kit-save-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Generated trees are covered by property.test.ts (fast-check).
describe('load(save(v)) equals v', () => {
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
  it('saving into bytes that are not HDF5 is a format error', () => {
    expect(() => save(new Uint8Array(8), {})).toThrow(H5FormatError);
  });
  it('a NUL in a key, or an unpaired surrogate in a string', () => {
    expect(() => save(null, { 'a\0b': 1 })).toThrow(H5TypeError);
    expect(() => save(null, { a: 'x\uD800' })).toThrow(H5TypeError);
    expect(() => save(null, { a: ['ok', '\uDC00'] })).toThrow(H5TypeError);
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
