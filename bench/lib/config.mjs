// Sizes, paths and repetition counts shared by every bench script.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = join(BENCH, '..');
export const DATA = join(BENCH, 'data'); // gitignored
export const OUT = join(DATA, 'out'); // files written by the write workloads
export const PYTHON = '/usr/bin/python3';

export const N = 16_777_216; // elements of the W1/W3 datasets
export const W3_CHUNK = 262_144;
export const W5_GROUPS = 100;
export const W5_PER_GROUP = 100;
export const W5_LEN = 100;
export const W7_SIDE = 8192;
export const W7_CHUNK = 256;
export const W7_SLICE = [[4000, 4100], [1000, 1100]];

export const INPUTS = {
  f64: join(DATA, 'w1-input.f64'), // W1 data, raw little-endian float64
  f32: join(DATA, 'w3-input.f32'), // W3 data, raw little-endian float32
  meta: join(DATA, 'inputs.json'),
};

/** Reference files every reader reads, written once by h5py (classic format, h5py's defaults). */
export const REF = {
  w1: join(DATA, 'ref-w1-contiguous.h5'),
  w3: join(DATA, 'ref-w3-gzip.h5'),
  w3s: join(DATA, 'ref-w3-gzip-shuffle.h5'),
  w5: join(DATA, 'ref-w5-many.h5'),
  w7: join(DATA, 'ref-w7-8192sq.h5'),
  meta: join(DATA, 'refs.json'),
};

export const TOOLS = ['h5py', 'h5kit', 'h5wasm', 'jsfive'];

/**
 * The workloads. `write` ones are verified by reading the written file back
 * with h5py; `reps` is the number of timed rounds (each round spawns one
 * child per tool, tools alternating); `inner` repeats fast operations inside
 * the child and keeps their median; `warmup` is what the child runs before
 * timing ('full' = the same operation, 'small' = the same code path on 1/16
 * of the data, to warm the JIT/WASM without doubling a multi-second write);
 * `profInner` is the repetition count when h5kit is profiled (so that a
 * sub-millisecond workload, not process start-up, fills the profile).
 */
export const WORKLOADS = [
  { id: 'W1', what: 'write f64 16M contiguous', write: true, warmup: 'small', tools: ['h5py', 'h5kit', 'h5wasm'] },
  { id: 'W2', what: 'read f64 16M contiguous', warmup: 'full', tools: TOOLS },
  { id: 'W3', what: 'write f32 16M gzip4 chunks 256Ki', write: true, warmup: 'small', tools: ['h5py', 'h5kit', 'h5wasm'] },
  { id: 'W3s', what: 'W3 + shuffle', write: true, warmup: 'small', tools: ['h5py', 'h5kit'] },
  { id: 'W4', what: 'read W3 file', warmup: 'full', tools: TOOLS },
  { id: 'W4s', what: 'read W3s file', warmup: 'full', tools: TOOLS },
  { id: 'W5', what: 'write 10k f64[100] in 100 groups + 2 attrs each', write: true, warmup: 'small', tools: ['h5py', 'h5kit', 'h5wasm'] },
  { id: 'W6', what: 'walk W5 file, read all datasets+attrs', warmup: 'full', tools: TOOLS },
  { id: 'W7', what: 'read [4000:4100,1000:1100] of 8192² f32 gzip4 chunked 256²', warmup: 'full', inner: 15, profInner: 200, tools: TOOLS },
  { id: 'W8', what: 'open W5 file, list root', warmup: 'full', inner: 15, profInner: 3000, tools: TOOLS },
];

/** h5kit's targets, as a ratio of h5kit's time to h5py's in the same round. */
export const TARGETS = { W1: 1.2, W2: 1.1, W3: 0.5, W3s: 0.5, W4: 0.6, W4s: 0.5, W5: 0.2, W6: 0.2, W7: 1.0, W8: 1.0 };
export const TARGET_S0_MS = 10;
export const TARGET_BUNDLE_READ_KB = 30;
export const TARGET_BUNDLE_FULL_KB = 60;

export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5); // timed rounds (≥ 5 unless overridden for a quick try)
export const IMPORT_SPAWNS = Number(process.env.BENCH_IMPORT_SPAWNS ?? 15);
