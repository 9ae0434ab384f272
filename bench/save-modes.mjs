#!/usr/bin/env node
// save()/load() in h5kit/node's three modes (direct, lock, atomic) and the
// seed's "locked temp-file" mode, on a small tree (100 keys) and a 128 MiB
// array: `node bench/save-modes.mjs` (after `npm run build`). Prints a
// markdown section; bench/run.mjs embeds it in RESULTS.md.
//
// Modes, all from h5kit/node's save():
// - direct: no lock, no fsync (new files written in place; existing files
//   edited copy-on-write, superblock last);
// - lock: `<file>.lock` taken and released around the save, fsync before release;
// - atomic: fsync of every write before the superblock switch (existing
//   files) or temp file + fsync + rename + directory fsync (new files);
// - lock+temp (the seed's safe mode): lock, copy the file to a temp file,
//   save into the copy, fsync, rename over the original.
// Env: SAVE_BENCH_ROUNDS (default 5; the 128 MiB cases run at most 3).
import { copyFileSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DATA } from './lib/config.mjs';
import { h5kitUrl } from './lib/h5kit-dist.mjs';

const { save, load, withFileLock } = await import(h5kitUrl('node/index.js'));

const ROUNDS = Number(process.env.SAVE_BENCH_ROUNDS ?? 5);
const BIG_ROUNDS = Math.min(ROUNDS, 3); // a 128 MiB save takes seconds: 3 rounds keep the whole bench under its time budget
const dir = join(DATA, 'save-modes');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

// Inputs: deterministic.
const smallTree = Object.fromEntries(
  Array.from({ length: 100 }, (_, i) => [`k${String(i).padStart(3, '0')}`, i % 3 === 0 ? Float64Array.from({ length: 64 }, (_, j) => i + j / 64) : i % 3 === 1 ? `value ${i}` : { n: i, when: new Date(1_700_000_000_000 + i) }]),
);
const big = new Float64Array(16 * 1024 * 1024); // 128 MiB, a smooth signal so that gzip has work to do
for (let i = 0; i < big.length; i++) big[i] = Math.sin(i / 1000) * 1000 + (i % 7) / 8;

const MODES = {
  direct: {},
  lock: { lock: true },
  atomic: { atomic: true },
  'lock+temp': null,
};

/** The seed's safe mode: the whole file is copied and renamed under the lock. */
function saveLockedTemp(path, value, options) {
  withFileLock(path, {}, () => {
    const tmp = `${path}.tmp`;
    try {
      copyFileSync(path, tmp);
    } catch {
      /* a new file */
    }
    save(tmp, value, { ...options, atomic: true });
    renameSync(tmp, path);
  });
}

function saveIn(mode, path, value, options = {}) {
  if (MODES[mode] === null) saveLockedTemp(path, value, options);
  else save(path, value, { ...MODES[mode], ...options });
}

function time(fn) {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const CASES = [
  { id: 'small-new', what: 'save a 100-key tree to a new file', run: (mode, p) => time(() => saveIn(mode, p, smallTree)) },
  {
    id: 'small-add',
    what: '100 saves of one key each into one file',
    run: (mode, p) => {
      saveIn(mode, p, { seed: 1 });
      return time(() => {
        for (let i = 0; i < 100; i++) saveIn(mode, p, smallTree[`k${String(i).padStart(3, '0')}`], { key: `k${i}` });
      });
    },
  },
  { id: 'small-load', what: 'load the 100-key tree', run: (mode, p) => (saveIn(mode, p, smallTree), time(() => load(p))) },
  { id: 'big-new', what: 'save 128 MiB float64 (gzip 4 + shuffle) to a new file', run: (mode, p) => time(() => saveIn(mode, p, big)) },
  {
    id: 'big-add',
    what: 'save 128 MiB float64 into an existing 128 MiB file',
    run: (mode, p) => {
      saveIn(mode, p, big, { key: 'first' });
      return time(() => saveIn(mode, p, big, { key: 'second' }));
    },
  },
  { id: 'big-load', what: 'load 128 MiB float64', run: (mode, p) => (saveIn(mode, p, big), time(() => load(p))) },
];

const results = {};
let n = 0;
for (const c of CASES) {
  results[c.id] = {};
  const big = c.id.startsWith('big');
  // Warm-up (JIT, page cache) for the small cases; a big case's first round is long enough to warm itself.
  if (!big) for (const mode of Object.keys(MODES)) c.run(mode, join(dir, `warm-${n++}.h5`));
  for (let r = 0; r < (big ? BIG_ROUNDS : ROUNDS); r++) {
    const order = Object.keys(MODES);
    for (let k = 0; k < r % order.length; k++) order.push(order.shift());
    for (const mode of order) {
      const p = join(dir, `${c.id}-${mode.replace('+', '-')}-${n++}.h5`);
      (results[c.id][mode] ??= []).push(c.run(mode, p));
      rmSync(p, { force: true });
    }
  }
  console.error(`${c.id}: ${Object.entries(results[c.id]).map(([m, t]) => `${m} ${median(t).toFixed(1)} ms`).join(', ')}`);
}
rmSync(dir, { recursive: true, force: true });

const modes = Object.keys(MODES);
/** The seed's claim against what this run measured. */
function claim() {
  const r = (id) => median(results[id]['lock+temp']) / median(results[id].direct);
  return `The seed claims its direct mode is ~10× faster than its locked temp-file mode for small files and 2–3× for large ones. Measured here (lock+temp ÷ direct): ${r('small-new').toFixed(2)}× for a new small file, ${r('small-add').toFixed(2)}× for 100 small saves into one file, ${r('big-new').toFixed(2)}× and ${r('big-add').toFixed(2)}× for 128 MiB. The gap is small because h5kit's direct mode already edits copy-on-write (an existing file is never rewritten, only appended to), so the temp-file copy is the only extra cost, and with gzip the compression dominates large saves; \`lock: true\` costs a lock file and an fsync per save.`;
}
const fmt = (ms) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
const rows = CASES.map((c) => {
  const d = median(results[c.id].direct);
  return `| ${c.what} | ${modes.map((m) => { const t = median(results[c.id][m]); return m === 'direct' ? fmt(t) : `${fmt(t)} (${(t / d).toFixed(2)}×)`; }).join(' | ')} |`;
});
console.log(`| Case | ${modes.map((m) => `${m} ms${m === 'direct' ? '' : ' (× direct)'}`).join(' | ')} |
|---|${modes.map(() => '---').join('|')}|
${rows.join('\n')}

${claim()}

Median of ${ROUNDS} rounds per small case and ${BIG_ROUNDS} per 128 MiB case, modes alternating within a round (order rotated), one Node process; each case writes a fresh file. "load" rows time \`load()\` of a file the mode wrote (they read the same bytes, so they should agree).`);
