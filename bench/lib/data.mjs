// Deterministic inputs: generated once by Node into raw little-endian files
// that every tool (Node or Python) loads untimed, so all tools write the very
// same values.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { DATA, INPUTS, N, W5_GROUPS, W5_LEN, W5_PER_GROUP } from './config.mjs';

const GEN_VERSION = 1;

/** mulberry32: small, fast, deterministic 32-bit PRNG; returns floats in [0, 1). */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generateF64(n = N) {
  const r = prng(1);
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = (r() - 0.5) * 1000;
  return a;
}

/** A smooth signal plus small noise (compressible, like real measurements). */
export function generateF32(n = N) {
  const r = prng(2);
  const a = new Float32Array(n);
  const w = (2 * Math.PI) / n;
  for (let i = 0; i < n; i++) {
    a[i] = 100 * Math.sin(w * 7 * i) + 20 * Math.sin(w * 131 * i) + 5 * Math.cos(w * 977 * i) + 0.05 * (r() - 0.5);
  }
  return a;
}

export function sha1(view) {
  return createHash('sha1').update(new Uint8Array(view.buffer, view.byteOffset, view.byteLength)).digest('hex');
}

/** In-order float64 sum (Python computes math.fsum; compared with a relative tolerance). */
export function sum(a) {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

/** Write the raw input files if missing or stale; returns their sums and hashes. */
export function ensureInputs() {
  mkdirSync(DATA, { recursive: true });
  if (existsSync(INPUTS.meta)) {
    const m = JSON.parse(readFileSync(INPUTS.meta, 'utf8'));
    if (m.version === GEN_VERSION && m.n === N && existsSync(INPUTS.f64) && existsSync(INPUTS.f32) &&
        statSync(INPUTS.f64).size === N * 8 && statSync(INPUTS.f32).size === N * 4) return m;
  }
  const f64 = generateF64();
  const f32 = generateF32();
  writeFileSync(INPUTS.f64, new Uint8Array(f64.buffer));
  writeFileSync(INPUTS.f32, new Uint8Array(f32.buffer));
  const m = {
    version: GEN_VERSION, n: N,
    f64: { sum: sum(f64), sha1: sha1(f64) },
    f32: { sum: sum(f32), sha1: sha1(f32) },
    w5: w5Expected(),
  };
  writeFileSync(INPUTS.meta, JSON.stringify(m, null, 2));
  return m;
}

export function loadF64(n = N) {
  const b = readFileSync(INPUTS.f64);
  return new Float64Array(b.buffer, b.byteOffset, N).subarray(0, n);
}

export function loadF32(n = N) {
  const b = readFileSync(INPUTS.f32);
  return new Float32Array(b.buffer, b.byteOffset, N).subarray(0, n);
}

/** W5 layout: group g{gg}/dataset d{kkkk}, values k + j/100, attrs name='dataset k', index=k. */
export function w5Names(groups = W5_GROUPS, per = W5_PER_GROUP) {
  const out = [];
  for (let g = 0; g < groups; g++) {
    const gname = `g${String(g).padStart(3, '0')}`;
    const ds = [];
    for (let i = 0; i < per; i++) {
      const k = g * per + i;
      ds.push({ k, name: `d${String(k).padStart(5, '0')}`, label: `dataset ${k}` });
    }
    out.push({ name: gname, ds });
  }
  return out;
}

export function w5Data(k) {
  const a = new Float64Array(W5_LEN);
  for (let j = 0; j < W5_LEN; j++) a[j] = k + j / 100;
  return a;
}

/** What a full walk of a W5 file must find (same fields as every tool's W6 check). */
export function w5Expected(groups = W5_GROUPS, per = W5_PER_GROUP) {
  let s = 0;
  let idx = 0;
  let chars = 0;
  let n = 0;
  for (const g of w5Names(groups, per)) {
    for (const d of g.ds) {
      s += sum(w5Data(d.k));
      idx += d.k;
      chars += d.label.length;
      n++;
    }
  }
  return { groups, datasets: n, sum: s, indexSum: idx, labelChars: chars };
}

/** W6's check from the [values, index attr, name attr] triples a walk collected (one per dataset). */
export function walkCheck(items) {
  let s = 0;
  let idx = 0;
  let chars = 0;
  const groups = new Set();
  for (const [values, index, label] of items) {
    if (typeof label !== 'string') throw new Error(`name attribute is ${typeof label}, not a string`);
    s += sum(values);
    idx += Number(index);
    chars += label.length;
    groups.add(Math.floor(Number(index) / W5_PER_GROUP));
  }
  return { groups: groups.size, datasets: items.length, sum: s, indexSum: idx, labelChars: chars };
}

/** What every tool's full-array read is checked by: length, exact sum, sha1 of the bytes. */
export const arrayCheck = (a) => ({ n: a.length, sum: sum(a), sha1: sha1(a) });
