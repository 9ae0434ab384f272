// Shuffle filter throughput (src/filters/shuffle.ts) on 64 MiB of float32
// data, best of RUNS runs, into a preallocated buffer unless noted, next to a
// naive per-byte loop. Covers element sizes 1-16 and lengths that are not a
// multiple of 4 elements (count % 4 != 0) or of the element size (trailing
// bytes libhdf5 leaves unshuffled).
//
//   node bench/shuffle.mjs          (bundles the TypeScript source with esbuild)
import { buildSync } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'h5kit-shuffle-'));
const out = join(dir, 'shuffle.mjs');
buildSync({ entryPoints: [join(root, 'src/filters/shuffle.ts')], bundle: true, format: 'esm', outfile: out, logLevel: 'error' });
const { shuffle, unshuffle } = await import(pathToFileURL(out).href);
rmSync(dir, { recursive: true, force: true });

const MiB = 1 << 20;
const BYTES = 64 * MiB;
const RUNS = Number(process.env.RUNS ?? 7);

function naiveShuffle(src, size, dst) {
  const n = Math.floor(src.length / size);
  for (let b = 0; b < size; b++) for (let i = 0; i < n; i++) dst[b * n + i] = src[i * size + b];
  return dst;
}

function best(fn) {
  let min = Infinity;
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    fn();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

const f32 = new Float32Array(BYTES / 4);
for (let i = 0; i < f32.length; i++) f32[i] = Math.sin(i) * 1000;
const data = new Uint8Array(f32.buffer);
const dst = new Uint8Array(BYTES);
const rows = [];
const report = (label, bytes, ms) => rows.push(`${label.padEnd(46)} ${ms.toFixed(1).padStart(7)} ms ${(bytes / MiB / (ms / 1000)).toFixed(0).padStart(6)} MB/s`);

report('naive byte loop, shuffle size 4', BYTES, best(() => naiveShuffle(data, 4, dst)));
for (const size of [2, 4, 8, 16, 3, 1]) {
  for (const [tag, len] of [['', BYTES], [', count % 4 = 1, +1 byte', BYTES - 3 * size + 1]]) {
    if (size === 1 && tag) continue;
    const src = data.subarray(0, len);
    report(`shuffle size ${size}${tag}`, len, best(() => shuffle(src, size, dst)));
    const shuffled = shuffle(src, size);
    report(`unshuffle size ${size}${tag}`, len, best(() => unshuffle(shuffled, size, dst)));
  }
}
report('shuffle size 4 (allocating its output)', BYTES, best(() => shuffle(data, 4)));
report('unshuffle size 4 (allocating its output)', BYTES, best(() => unshuffle(data, 4)));
console.log(rows.join('\n'));
