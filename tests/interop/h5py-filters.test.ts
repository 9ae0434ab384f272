/**
 * Files h5kit writes with the nbit and scaleoffset filters, checked by
 * libhdf5 through h5py (check_filter_writes.py): h5dump opens them, h5py
 * reads every value, libhdf5 computes the same client data for the same
 * dataset, and stores the same chunk bytes for the same values.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { File, arrayType, compoundType, enumType, floatType, integerType, type CreateDatasetOptions } from '../../src/index.js';
import { h5dump, oracleRequired, runPython } from '../helpers/oracle.js';
import { rng } from '../helpers/rng.js';

const dir = mkdtempSync(join(tmpdir(), 'h5kit-filters-'));
afterAll(() => process.env.KEEP_TMP ? undefined : rmSync(dir, { recursive: true, force: true }));
const CHECK = join(__dirname, 'check_filter_writes.py');

const F20 = { precision: 20, offset: 7, signLocation: 26, exponentLocation: 20, exponentSize: 6, mantissaLocation: 7, mantissaSize: 13, exponentBias: 31 };

interface Case {
  readonly path: string;
  readonly options: CreateDatasetOptions;
  /** Flat values h5py must read (64-bit integers as strings). */
  readonly values: unknown[];
  readonly tolerance?: number;
  /** Lossy on purpose: values are not compared, only libhdf5's chunks for the same input. */
  readonly lossy?: boolean;
}

function ints(next: () => number, n: number, lo: number, bits: number): number[] {
  return Array.from({ length: n }, () => lo + Math.floor(next() * 2 ** bits));
}

function cases(): Case[] {
  const next = rng(20251124);
  const out: Case[] = [];
  // ---- nbit ----
  const i11 = ints(next, 101, -1024, 11);
  out.push({ path: '/nbit/i2_p11_o2', options: { data: i11, dtype: integerType(2, true, 'LE', { precision: 11, offset: 2 }), chunks: [40] }, values: i11 });
  const u7 = ints(next, 64, 0, 7);
  out.push({ path: '/nbit/u4be_p7_o25', options: { data: u7, dtype: integerType(4, false, 'BE', { precision: 7, offset: 25 }), chunks: [16] }, values: u7 });
  const i50 = ints(next, 30, -(2 ** 49), 50);
  out.push({ path: '/nbit/i8_p50_o9', options: { data: i50.map(BigInt), dtype: integerType(8, true, 'BE', { precision: 50, offset: 9 }), chunks: [7] }, values: i50.map(String) });
  const u4 = ints(next, 20, 0, 4);
  out.push({ path: '/nbit/u1_p4', options: { data: u4, dtype: integerType(1, false, 'LE', { precision: 4 }), chunks: [10] }, values: u4 });
  const f20 = [1.5, -2.25, 0, 1000.125, -0.0078125, 3.75, 65504, -1 / 1024];
  out.push({ path: '/nbit/f4_p20', options: { data: f20, dtype: floatType(4, 'LE', F20), chunks: [3] }, values: f20 });
  out.push({ path: '/nbit/f4be_p20', options: { data: f20, dtype: floatType(4, 'BE', F20), chunks: [5] }, values: f20 });
  const full = ints(next, 12, -(2 ** 31), 32);
  out.push({ path: '/nbit/i4_full', options: { data: Int32Array.from(full), chunks: [5] }, values: full });
  const rec = compoundType({
    a: integerType(2, false, 'LE', { precision: 9, offset: 3 }),
    b: arrayType(integerType(1, true, 'LE', { precision: 5, offset: 1 }), [3]),
    c: floatType(4, 'BE', F20),
    e: enumType('u1', { OFF: 0, ON: 1 }),
    s: 'S3',
    g: '<f8',
    h: compoundType({ x: integerType(4, true, 'BE', { precision: 22, offset: 2 }), y: '<u2' }),
  });
  const records = Array.from({ length: 25 }, (_, i) => ({
    a: i * 20, b: [i - 12, -16, 15], c: i / 4, e: i % 2, s: `s${i}`, g: Math.PI * i, h: { x: -(i ** 4), y: 65535 - i },
  }));
  out.push({ path: '/nbit/compound', options: { data: records.map((r) => ({ ...r, b: Int8Array.from(r.b) })), dtype: rec, chunks: [10] }, values: records });
  const partial = ints(next, 23, -4096, 13);
  out.push({ path: '/nbit/i4_fill', options: { data: partial, dtype: integerType(4, true, 'LE', { precision: 13 }), chunks: [10], fillValue: -1 }, values: partial });
  // ---- scaleoffset, integers ----
  for (const [dtype, lo, bits] of [['<i4', -1500, 12], ['>i4', -(2 ** 30), 21], ['<u2', 1000, 9], ['|i1', -60, 7], ['|u1', 0, 8], ['>i2', -300, 10]] as const) {
    const v = ints(next, 90, lo, bits);
    out.push({ path: `/so/${dtype.replace(/[<>|]/, dtype[0] === '>' ? 'be_' : '')}_auto`, options: { data: v, dtype, chunks: [40], scaleoffset: true }, values: v });
    out.push({ path: `/so/${dtype.replace(/[<>|]/, dtype[0] === '>' ? 'be_' : '')}_fill`, options: { data: v, dtype, chunks: [40], scaleoffset: 0, fillValue: v[5] }, values: v });
  }
  const small = ints(next, 50, -300, 10);
  out.push({ path: '/so/i2_mb6_lossy', options: { data: small, dtype: '<i2', chunks: [25], scaleoffset: 6 }, values: small, lossy: true });
  const big = ints(next, 40, -(2 ** 40), 36);
  out.push({ path: '/so/i8', options: { data: big.map(BigInt), dtype: '<i8', chunks: [16], scaleoffset: true, fillValue: BigInt(big[0]) }, values: big.map(String) });
  const u8 = ints(next, 40, 2 ** 52, 30);
  out.push({ path: '/so/u8be', options: { data: u8.map(BigInt), dtype: '>u8', chunks: [16], scaleoffset: 0 }, values: u8.map(String) });
  out.push({ path: '/so/i4_const', options: { data: Array(20).fill(77), dtype: '<i4', chunks: [8], scaleoffset: 0 }, values: Array(20).fill(77) });
  // ---- scaleoffset, floats ----
  const reals = Array.from({ length: 130 }, () => (next() - 0.4) * 2000);
  for (const [dtype, digits] of [['<f8', 3], ['>f8', 6], ['<f4', 2], ['>f4', 1], ['<f8', 0]] as const) {
    const tol = 0.5 * 10 ** -digits + (dtype.endsWith('4') ? 2e-4 : 1e-9);
    const stored = dtype.endsWith('4') ? reals.map(Math.fround) : reals;
    out.push({ path: `/so/${dtype.slice(1)}${dtype[0] === '>' ? 'be' : ''}_d${digits}`, options: { data: reals, dtype, chunks: [50], scaleoffset: digits }, values: stored, tolerance: tol });
    out.push({ path: `/so/${dtype.slice(1)}${dtype[0] === '>' ? 'be' : ''}_d${digits}_fill`, options: { data: reals, dtype, chunks: [50], scaleoffset: digits, fillValue: reals[7] }, values: stored, tolerance: tol });
  }
  const halves = [0.5, 1.5, 2.5, -0.5, -1.5, 3.25, 7.75, -2.5];
  out.push({ path: '/so/f4_halves', options: { data: halves, dtype: '<f4', chunks: [8], scaleoffset: 0 }, values: halves, tolerance: 0.5 });
  // ---- with other filters (values and client data only) ----
  const mixed = ints(next, 200, -5000, 13);
  out.push({ path: '/mixed/so_shuffle_gzip', options: { data: mixed, dtype: '<i4', chunks: [64], scaleoffset: true, shuffle: true, compression: 'gzip' }, values: mixed });
  // (not lzf: h5dump has no lzf decoder)
  out.push({ path: '/mixed/nbit_gzip_fletcher', options: { data: mixed, dtype: integerType(4, true, 'LE', { precision: 14 }), chunks: [64], nbit: true, compression: 'gzip', fletcher32: true }, values: mixed });
  return out;
}

function check(name: string, libver: 'earliest' | 'latest'): void {
  const f = File.create(undefined, { libver });
  const spec: { path: string; values: unknown[]; tolerance?: number; lossy?: boolean }[] = [];
  for (const c of cases()) {
    const o: CreateDatasetOptions = { ...c.options, ...(c.path.startsWith('/nbit/') ? { nbit: true } : {}) };
    if (c.path === '/nbit/i4_fill') {
      // Written in part: the fill value fills the rest of the chunks the filter packs.
      const ds = f.createDataset(c.path, { ...o, data: undefined, shape: [c.values.length], dtype: o.dtype });
      ds.write((c.values as number[]).slice(4, 19), [[4, 19]]);
      spec.push({ path: c.path, values: (c.values as number[]).map((v, i) => (i >= 4 && i < 19 ? v : -1)) });
      continue;
    }
    f.createDataset(c.path, o);
    spec.push({ path: c.path, values: c.values, tolerance: c.tolerance, lossy: c.lossy });
  }
  const path = join(dir, name);
  writeFileSync(path, f.toBytes());
  const dump = h5dump([path]);
  expect(dump.status, dump.stderr).toBe(0);
  const specPath = join(dir, `${name}.json`);
  writeFileSync(specPath, JSON.stringify({ datasets: spec }));
  const result = JSON.parse(runPython([CHECK, path, specPath])) as { problems: string[]; chunks: number };
  expect(result.problems).toEqual([]);
  expect(result.chunks).toBeGreaterThan(100);
}

describe.runIf(oracleRequired())('nbit and scaleoffset datasets h5kit writes, checked by libhdf5', () => {
  it('classic format', () => check('filters-classic.h5', 'earliest'));
  it('latest format', () => check('filters-latest.h5', 'latest'));
});
