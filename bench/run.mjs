#!/usr/bin/env node
// h5kit vs h5py, h5wasm and jsfive: `npm run bench` (= npm run build && node bench/run.mjs).
//
// 1. deterministic inputs (bench/data/, gitignored) and h5py-written reference files;
// 2. rounds: each workload, each tool in its own fresh child process (tools
//    alternate, their order rotating from round to round); a child warms up,
//    times, checks what it read and reports its peak RSS; files a tool wrote
//    are read back by h5py and compared with the inputs;
// 3. import times, bundle sizes, physical reference points;
// 4. a quick --cpu-prof of h5kit for every target it misses;
// 5. the table on stdout and in bench/RESULTS.md (raw numbers: bench/data/last-run.json).
//
// Env: BENCH_ROUNDS (timed rounds, default 5), BENCH_ONLY=W1,W7,S0,REF (subset,
// for trying things; RESULTS.md is then not rewritten), BENCH_NOTE (a remark for
// RESULTS.md, e.g. what else ran on the machine).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  BENCH, DATA, IMPORT_SPAWNS, INPUTS, N, OUT, PYTHON, REF, ROOT, ROUNDS, TARGETS, TARGET_BUNDLE_FULL_KB,
  TARGET_BUNDLE_READ_KB, TARGET_S0_MS, TOOLS, WORKLOADS,
} from './lib/config.mjs';
import { ensureInputs } from './lib/data.mjs';
import { summarizeProfile } from './lib/profile.mjs';
import { NOTES } from './notes.mjs';

const T0 = performance.now();
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : null;
const log = (...a) => console.error(`[${((performance.now() - T0) / 1000).toFixed(0).padStart(4)} s]`, ...a);

if (!existsSync(join(ROOT, 'dist', 'node', 'index.js'))) {
  console.error('dist/ is missing: run `npm run bench` (it builds first) or `npm run build`.');
  process.exit(1);
}
mkdirSync(OUT, { recursive: true });
// Measure one build throughout: a snapshot of dist/ taken now (see lib/h5kit-dist.mjs).
const DIST_SNAPSHOT = join(DATA, 'h5kit-dist');
rmSync(DIST_SNAPSHOT, { recursive: true, force: true });
cpSync(join(ROOT, 'dist'), DIST_SNAPSHOT, { recursive: true });
process.env.H5KIT_DIST_DIR = DIST_SNAPSHOT;
const distHash = createHash('sha1').update(readFileSync(join(DIST_SNAPSHOT, 'node', 'index.js'))).digest('hex').slice(0, 12);

// ---------------------------------------------------------------- noise accounting
// Machine-wide busy CPU time minus this process's and its waited-for
// children's CPU time (/proc/self/stat cutime/cstime) = CPU used by others.
const HZ = 100;
function cpuSnapshot() {
  try {
    const stat = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = stat;
    const mine = readFileSync('/proc/self/stat', 'utf8');
    const f = mine.slice(mine.lastIndexOf(')') + 2).split(' ').map(Number); // fields from 3 on
    const own = f[11] + f[12] + f[13] + f[14]; // utime stime cutime cstime
    return { t: performance.now(), busy: (user + nice + system + irq + softirq + steal) / HZ, own: own / HZ };
  } catch {
    return null;
  }
}
const NCPU = os.availableParallelism?.() ?? os.cpus().length;
/** Share of the machine's CPU capacity used by other processes between two snapshots. */
function foreignShare(a, b) {
  if (!a || !b) return null;
  const wall = (b.t - a.t) / 1000;
  if (wall <= 0) return null;
  return Math.max(0, (b.busy - a.busy - (b.own - a.own)) / (wall * NCPU));
}

// ---------------------------------------------------------------- child processes
function spawnJSON(cmd, args, { timeoutMs = 600_000, env } = {}) {
  const a = cpuSnapshot();
  const t = performance.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20, timeout: timeoutMs, env: env ?? process.env });
  const wallMs = performance.now() - t;
  const foreign = foreignShare(a, cpuSnapshot());
  const lines = (r.stdout ?? '').trim().split('\n');
  let json = null;
  try {
    json = JSON.parse(lines[lines.length - 1]);
  } catch {
    json = null;
  }
  const ok = r.status === 0 && json !== null;
  const err = ok ? null : `exit ${r.status ?? r.signal}${r.error ? ` (${r.error.message})` : ''}: ${(r.stderr ?? '').trim().split('\n').slice(-4).join(' | ').slice(0, 600)}`;
  return { ok, json, err, wallMs, foreign };
}

const nodeChild = (tool, id, args, extra = []) =>
  spawnJSON(process.execPath, ['--expose-gc', ...extra, join(BENCH, 'child.mjs'), tool, id, JSON.stringify(args)]);
const pyChild = (...args) => spawnJSON(PYTHON, [join(BENCH, 'h5py_bench.py'), ...args]);
const runChild = (tool, id, args) => (tool === 'h5py' ? pyChild('run', id, JSON.stringify(args)) : nodeChild(tool, id, args));

// ---------------------------------------------------------------- environment
function sh(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', cwd: ROOT }).trim();
  } catch {
    return '?';
  }
}
const pkgVersion = (name) => JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
const py = pyChild('versions');
const gitRev = sh('git', ['rev-parse', '--short', 'HEAD']);
const gitDirty = sh('git', ['status', '--porcelain', '--', 'src']) ? ' (src/ has uncommitted changes)' : '';
const env = {
  date: new Date().toISOString(),
  nproc: sh('nproc', []),
  free: sh('free', ['-h']),
  cpu: (readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m) ?? [])[1] ?? '?',
  kernel: os.release(),
  // The selected mode, e.g. 'madvise' from "always [madvise] never" (numpy madvises large arrays; see W2).
  thp: (() => { try { return /\[(\w+)\]/.exec(readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8'))?.[1] ?? '?'; } catch { return '?'; } })(),
  node: process.version,
  python: py.json?.python ?? '?',
  h5py: py.json?.h5py ?? '?',
  libhdf5: py.json?.libhdf5 ?? '?',
  numpy: py.json?.numpy ?? '?',
  h5wasm: pkgVersion('h5wasm'),
  jsfive: pkgVersion('jsfive'),
  pako: pkgVersion('pako'),
  esbuild: pkgVersion('esbuild'),
  h5kit: `${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version} @ ${gitRev}${gitDirty}, dist/node/index.js sha1 ${distHash}`,
  zlibNode: process.versions.zlib,
  loadStart: os.loadavg().map((x) => x.toFixed(2)).join(' '),
};
log(`node ${env.node}, h5py ${env.h5py} / libhdf5 ${env.libhdf5}, h5wasm ${env.h5wasm}, jsfive ${env.jsfive}; ${env.nproc} CPUs (${env.cpu})`);

// ---------------------------------------------------------------- inputs and reference files
log('inputs and reference files (first run: ~30 s)');
const inputs = ensureInputs();
const refsRun = pyChild('gen-refs', JSON.stringify({ ...REF, inputs: { f64: inputs.f64.sha1, f32: inputs.f32.sha1 } }));
if (!refsRun.ok) throw new Error(`h5py could not write the reference files: ${refsRun.err}`);
const refs = refsRun.json;

// ---------------------------------------------------------------- expected results
const close = (a, b) => a === b || Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));
function compare(got, want, fields) {
  for (const k of fields) {
    const ok = typeof want[k] === 'number' ? close(got?.[k], want[k]) : JSON.stringify(got?.[k]) === JSON.stringify(want[k]);
    if (!ok) return `${k}: got ${JSON.stringify(got?.[k])}, expected ${JSON.stringify(want[k])}`;
  }
  return null;
}
const arrayFields = ['n', 'sum', 'sha1'];
const walkFields = ['groups', 'datasets', 'sum', 'indexSum', 'labelChars'];
const EXPECT = {
  W1: { verify: { ...inputs.f64, n: N, dtype: '<f8', chunks: null, filters: [] }, fields: [...arrayFields, 'dtype', 'chunks', 'filters'] },
  W2: { check: { ...inputs.f64, n: N }, fields: arrayFields },
  W3: { verify: { ...inputs.f32, n: N, dtype: '<f4', chunks: [262144], filters: ['gzip4'] }, fields: [...arrayFields, 'dtype', 'chunks', 'filters'] },
  W3s: { verify: { ...inputs.f32, n: N, dtype: '<f4', chunks: [262144], filters: ['shuffle', 'gzip4'] }, fields: [...arrayFields, 'dtype', 'chunks', 'filters'] },
  W4: { check: { ...inputs.f32, n: N }, fields: arrayFields },
  W4s: { check: { ...inputs.f32, n: N }, fields: arrayFields },
  W5: { verify: { ...inputs.w5, types: ['<f8:[100],name:vlen-str,index:<i8'] }, fields: [...walkFields, 'types'] },
  W6: { check: inputs.w5, fields: walkFields },
  W7: { check: refs.w7.slice, fields: arrayFields },
  W8: { check: { keys: 100, first: 'g000', last: 'g099' }, fields: ['keys', 'first', 'last'] },
};

// ---------------------------------------------------------------- workload arguments
const READ_PATH = { W2: REF.w1, W4: REF.w3, W4s: REF.w3s, W6: REF.w5, W7: REF.w7, W8: REF.w5 };
function argsFor(w, tool) {
  const a = { inner: w.inner ?? 1 };
  if (w.write) {
    a.path = join(OUT, `${tool}-${w.id}.h5`);
    const small = w.id === 'W5' ? { groups: 10, per: 100 } : { n: N / 16 };
    a.warm = w.warmup === 'none' ? null : w.warmup === 'small' ? { ...small, path: join(OUT, `${tool}-${w.id}.warm.h5`), remove: true } : { path: a.path };
  } else {
    a.path = READ_PATH[w.id];
    a.warm = w.warmup === 'none' ? null : { path: a.path };
  }
  // jsfive has no partial reads: W7 decodes all 256 MiB (~15 s, 1.6 GB); once per round, no warm-up.
  if (tool === 'jsfive' && w.id === 'W7') Object.assign(a, { inner: 1, warm: null });
  return a;
}

// ---------------------------------------------------------------- rounds
const workloads = WORKLOADS.filter((w) => !only || only.has(w.id));
const runs = []; // { round, id, tool, ms, rssKiB, foreign, error, verify }
const rotate = (xs, k) => xs.map((_, i) => xs[(i + k) % xs.length]);
const cpuRoundsStart = cpuSnapshot();
for (let round = 1; round <= ROUNDS; round++) {
  log(`round ${round}/${ROUNDS}`);
  workloads.forEach((w, wi) => {
    for (const tool of rotate(w.tools, round + wi)) {
      const r = runChild(tool, w.id, argsFor(w, tool));
      const rec = { round, id: w.id, tool, ms: null, times: null, rssKiB: null, foreign: r.foreign, error: null, verify: null };
      if (!r.ok) rec.error = r.err;
      else if (r.json.unsupported) rec.error = 'unsupported';
      else {
        rec.ms = r.json.ms;
        rec.times = r.json.times;
        rec.warmupMs = r.json.warmupMs;
        rec.rssKiB = r.json.maxRSSKiB;
        const exp = EXPECT[w.id];
        if (w.write) {
          const v = pyChild('verify', w.id, join(OUT, `${tool}-${w.id}.h5`));
          rec.verify = v.json;
          rec.error = v.ok ? compare(v.json, exp.verify, exp.fields) : `h5py cannot read it back: ${v.err}`;
        } else {
          rec.error = compare(r.json.check, exp.check, exp.fields);
        }
        if (rec.error) rec.error = `CHECK FAILED: ${rec.error}`;
      }
      runs.push(rec);
      const f = rec.foreign === null ? '' : `, others ${(100 * rec.foreign).toFixed(0)}% CPU`;
      log(`  ${w.id.padEnd(4)} ${tool.padEnd(7)} ${rec.error ? rec.error.slice(0, 160) : `${fmtMs(rec.ms)} ms, RSS ${(rec.rssKiB / 1024).toFixed(0)} MiB${f}`}`);
    }
  });
}
const foreignRounds = foreignShare(cpuRoundsStart, cpuSnapshot());

/** How far `value` is above `target`: "+13%" when close, "4.0× the target" when far. */
function over(value, target) {
  const f = value / target;
  return f < 2 ? `+${Math.round((f - 1) * 100)}% over` : `${f.toFixed(1)}× the target`;
}

function fmtMs(ms) {
  if (ms === null || ms === undefined) return '–';
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}
const median = (xs) => {
  const s = xs.filter((x) => x !== null && x !== undefined && Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return null;
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// ---------------------------------------------------------------- statistics
const stats = {}; // id -> tool -> { ms, ratio, rssMiB, n, errors, min, max }
for (const w of workloads) {
  stats[w.id] = {};
  for (const tool of TOOLS) {
    const mine = runs.filter((r) => r.id === w.id && r.tool === tool);
    if (!w.tools.includes(tool) || !mine.length) continue;
    const good = mine.filter((r) => !r.error);
    const ratios = good.map((r) => {
      const base = runs.find((b) => b.id === w.id && b.tool === 'h5py' && b.round === r.round && !b.error);
      return base ? r.ms / base.ms : null;
    });
    stats[w.id][tool] = {
      ms: median(good.map((r) => r.ms)),
      min: good.length ? Math.min(...good.map((r) => r.ms)) : null,
      max: good.length ? Math.max(...good.map((r) => r.ms)) : null,
      ratio: tool === 'h5py' ? 1 : median(ratios),
      rssMiB: median(good.map((r) => r.rssKiB / 1024)),
      n: good.length,
      errors: [...new Set(mine.filter((r) => r.error).map((r) => r.error))],
      fileBytes: median(good.map((r) => r.verify?.fileBytes)),
    };
  }
}

// ---------------------------------------------------------------- S0: import time
log(`import times (${IMPORT_SPAWNS} fresh processes per library, alternating)`);
const IMPORTS = [
  { key: 'h5py', label: 'h5py (import h5py, numpy included)', run: () => spawnJSON(PYTHON, ['-c', 'import time,json; t=time.perf_counter(); import h5py; print(json.dumps({"ms": (time.perf_counter()-t)*1e3}))']) },
  { key: 'h5kit-read', label: "h5kit read-only (import 'h5kit/read')", run: () => spawnJSON(process.execPath, [join(BENCH, 'import-time.mjs'), 'h5kit-read']) },
  { key: 'h5kit', label: "h5kit core (import 'h5kit')", run: () => spawnJSON(process.execPath, [join(BENCH, 'import-time.mjs'), 'h5kit']) },
  { key: 'h5kit-node', label: "h5kit Node (import 'h5kit/node')", run: () => spawnJSON(process.execPath, [join(BENCH, 'import-time.mjs'), 'h5kit-node']) },
  { key: 'h5wasm', label: "h5wasm (import 'h5wasm/node' + await ready)", run: () => spawnJSON(process.execPath, [join(BENCH, 'import-time.mjs'), 'h5wasm']) },
  { key: 'jsfive', label: "jsfive (import 'jsfive')", run: () => spawnJSON(process.execPath, [join(BENCH, 'import-time.mjs'), 'jsfive']) },
  { key: 'node', label: 'baseline: node, empty ESM script', run: () => spawnJSON(process.execPath, ['--input-type=module', '-e', 'console.log(JSON.stringify({ms:0}))']) },
  { key: 'python', label: 'baseline: python3 -c pass', run: () => spawnJSON(PYTHON, ['-c', 'print(\'{"ms": 0}\')']) },
];
const want = (k) => !only || only.has(k);
const importSamples = Object.fromEntries(IMPORTS.map((i) => [i.key, { ms: [], wall: [], errors: [] }]));
for (let k = 0; k < (want('S0') ? IMPORT_SPAWNS : 0); k++) {
  for (const imp of rotate(IMPORTS, k)) {
    const r = imp.run();
    if (r.ok) {
      importSamples[imp.key].ms.push(r.json.ms);
      importSamples[imp.key].wall.push(r.wallMs);
    } else importSamples[imp.key].errors.push(r.err);
  }
}
const importStats = IMPORTS.map((i) => ({ ...i, ms: median(importSamples[i.key].ms), wall: median(importSamples[i.key].wall), errors: importSamples[i.key].errors }));

// ---------------------------------------------------------------- bundle sizes
log('bundle sizes (esbuild, minified, gzip -9)');
const bundles = want('S0') ? spawnJSON(process.execPath, [join(BENCH, 'bundle-size.mjs')]) : { ok: true, json: [] };
if (!bundles.ok) log(`bundle sizes failed: ${bundles.err}`);
const bundleBy = Object.fromEntries((bundles.json ?? []).filter((b) => b.key).map((b) => [b.key, b]));

// ---------------------------------------------------------------- physical reference points
log('physical reference points (Node, then Python)');
const refNode = want('REF') ? spawnJSON(process.execPath, [join(BENCH, 'reference.mjs')]) : { ok: true, json: [] };
const refPy = want('REF') ? pyChild('reference') : { ok: true, json: [] };
const references = [...(refNode.json ?? []), ...(refPy.json ?? [])];

// Sections measured by their own scripts (markdown on stdout), embedded as they print it.
const SECTIONS = [
  { id: 'SAVE', title: 'save() and load(): direct, lock and atomic modes (h5kit/node)', script: 'save-modes.mjs' },
  { id: 'EDIT', title: 'Editing in place and repack', script: 'edit.mjs' },
];
const sections = [];
for (const sec of SECTIONS.filter((x) => want(x.id))) {
  log(`section ${sec.id}: ${sec.script}`);
  const r = spawnSync(process.execPath, [join(BENCH, sec.script)], { encoding: 'utf8', env: process.env, maxBuffer: 1 << 26 });
  sections.push(`## ${sec.title}\n\n${r.status === 0 ? r.stdout.trim() : `Failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`}\n`);
}
if (!refNode.ok) log(`Node reference points failed: ${refNode.err}`);
if (!refPy.ok) log(`Python reference points failed: ${refPy.err}`);

// ---------------------------------------------------------------- targets and profiles
const misses = [];
for (const w of workloads) {
  const s = stats[w.id].h5kit;
  const target = TARGETS[w.id];
  if (target === undefined) continue;
  if (!s || s.ratio === null) misses.push({ id: w.id, target, ratio: null, why: 'no valid h5kit measurement' });
  else if (s.ratio > target) misses.push({ id: w.id, target, ratio: s.ratio });
}
// S0 is judged per entry point: 'h5kit/read' (what a viewer imports), 'h5kit' and 'h5kit/node'.
const S0_ENTRIES = ['h5kit-read', 'h5kit', 'h5kit-node'];
const s0entries = importStats.filter((i) => S0_ENTRIES.includes(i.key) && i.ms !== null);
const s0over = s0entries.filter((i) => i.ms > TARGET_S0_MS);
if (s0over.length) misses.push({ id: 'S0', target: TARGET_S0_MS, value: Math.max(...s0over.map((i) => i.ms)), over: s0over, met: s0entries.filter((i) => i.ms <= TARGET_S0_MS) });
const bRead = bundleBy['h5kit-read'];
const bFull = bundleBy['h5kit-full'];
if (bRead && bRead.gzBytes > TARGET_BUNDLE_READ_KB * 1000) misses.push({ id: 'bundle-read', target: TARGET_BUNDLE_READ_KB, value: bRead.gzBytes / 1000 });
if (bFull && bFull.gzBytes > TARGET_BUNDLE_FULL_KB * 1000) misses.push({ id: 'bundle-full', target: TARGET_BUNDLE_FULL_KB, value: bFull.gzBytes / 1000 });

const PROF = join(DATA, 'profiles');
const profiles = {};
if (misses.some((m) => WORKLOADS.some((w) => w.id === m.id) || m.id === 'S0')) log(`profiling h5kit on ${misses.length} missed target(s) (node --cpu-prof)`);
for (const m of misses) {
  const w = WORKLOADS.find((x) => x.id === m.id);
  if (!w && m.id !== 'S0') continue;
  const dir = join(PROF, m.id);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const flags = [`--cpu-prof`, `--cpu-prof-dir=${dir}`, `--cpu-prof-interval=${w ? 200 : 50}`];
  const r = w
    ? nodeChild('h5kit', w.id, { ...argsFor(w, 'h5kit'), warm: null, inner: w.profInner ?? 1, profile: true }, flags)
    : spawnJSON(process.execPath, [...flags, join(BENCH, 'import-time.mjs'), 'h5kit-node']);
  const file = existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith('.cpuprofile')) : undefined;
  // S0: the process is mostly Node's own start-up; keep h5kit's and pako's code and module compilation.
  const keep = w ? undefined : (fn, at) => /^(src\/|pako:|dist\/|bench\/data\/h5kit-dist\/)/.test(at) || /compile|garbage/.test(fn);
  if (r.ok && file) profiles[m.id] = summarizeProfile(join(dir, file), 6, keep);
  // Many runs in one process: how the time per run falls once V8 has compiled the code.
  const times = r.json?.times;
  if (profiles[m.id] && times?.length >= 1000) {
    const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
    profiles[m.id].tiers = { first: med(times.slice(0, 15)), last: med(times.slice(-100)), runs: times.length };
  }
  else log(`  profile of ${m.id} failed: ${r.err ?? 'no profile written'}`);
}

// ---------------------------------------------------------------- report
const elapsedS = (performance.now() - T0) / 1000;
const noisy = foreignRounds !== null && foreignRounds > 0.05;
const header = ['Workload', ...TOOLS.map((t) => (t === 'h5py' ? 'h5py ms' : `${t} ms (×h5py)`)), 'h5kit target', 'met?'];
const rows = workloads.map((w) => {
  const cells = TOOLS.map((t) => {
    const s = stats[w.id][t];
    if (!w.tools.includes(t)) return 'n/a';
    if (!s || s.ms === null) return s?.errors.length ? 'FAILED' : '–';
    return t === 'h5py' ? fmtMs(s.ms) : `${fmtMs(s.ms)} (${s.ratio === null ? '?' : s.ratio.toFixed(2)}×)`;
  });
  const target = TARGETS[w.id];
  const r = stats[w.id].h5kit?.ratio;
  const met = target === undefined ? '' : r === null || r === undefined ? 'no data' : r <= target ? 'yes' : `NO (${over(r, target)})`;
  return [`${w.id} ${w.what}`, ...cells, target === undefined ? '' : `≤ ${target}×`, met];
});
const mdTable = (head, body) => [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const textTable = (head, body) => {
  const all = [head, ...body];
  const widths = head.map((_, i) => Math.max(...all.map((r) => String(r[i]).length)));
  return all.map((r) => r.map((c, i) => String(c).padEnd(widths[i])).join('  ')).join('\n');
};

const rssRows = workloads.map((w) => [w.id, ...TOOLS.map((t) => (w.tools.includes(t) && stats[w.id][t]?.rssMiB ? stats[w.id][t].rssMiB.toFixed(0) : 'n/a'))]);
const sizeRows = workloads.filter((w) => w.write).map((w) => [w.id, ...TOOLS.map((t) => (stats[w.id][t]?.fileBytes ? stats[w.id][t].fileBytes.toLocaleString('en-US') : 'n/a'))]);

// Same level, different deflate streams: say how far h5kit's compressed files are from h5py's.
const pctOff = (id) => {
  const k = stats[id]?.h5kit?.fileBytes;
  const p = stats[id]?.h5py?.fileBytes;
  return k && p ? ((k / p - 1) * 100).toFixed(1) : null;
};
const sizeNote = pctOff('W3') === null ? '' : `\nh5kit's W3 file is ${pctOff('W3')}% off h5py's size and its W3s file ${pctOff('W3s') ?? '?'}%, at the same deflate level and chunking. node:zlib (Chromium's fork) and pako emit the same deflate stream, Debian's zlib 1.2.13 (h5py's) another: on the unshuffled float32 bytes zlib 1.2.13's is smaller, on shuffled bytes they agree closely (the "deflate L4 output" rows of the reference points compress the same 64 MiB with each), and on text the order reverses (README.md ×20: 15,361 B node:zlib vs 17,755 B zlib 1.2.13, measured once). No node:zlib level reaches zlib 1.2.13's size on the W3 bytes (level 9 was measured too), so W3's time is not bought with a weaker setting.\n`;
const spreadRows = workloads.map((w) => [w.id, ...TOOLS.map((t) => {
  const s = stats[w.id][t];
  return s && s.ms !== null ? `${fmtMs(s.min)}–${fmtMs(s.max)} (n=${s.n})` : 'n/a';
})]);
const isBaseline = (i) => i.key === 'node' || i.key === 'python';
const importRows = importStats.map((i) => [i.label, isBaseline(i) ? '–' : fmtMs(i.ms), fmtMs(i.wall), i.errors.length ? `${i.errors.length} failed` : '']);
const breakdown = (bundles.json ?? []).find((b) => b.breakdown)?.breakdown;
const bundleRows = (bundles.json ?? []).filter((b) => b.key).map((b) => [
  b.name,
  b.minBytes.toLocaleString('en-US'),
  b.gzBytes.toLocaleString('en-US'),
  `${(b.gzBytes / 1000).toFixed(1)} kB`,
  b.onDemandGzBytes ? `${(b.onDemandGzBytes / 1000).toFixed(1)} kB` : '',
]);
// The read-only entry against jsfive's bundle (the acceptance compares the two).
const bJsfive = bundleBy['jsfive'];
const readVsJsfive = bRead && bJsfive ? (bRead.gzBytes > bJsfive.gzBytes ? `'h5kit/read' is ${((bRead.gzBytes / bJsfive.gzBytes - 1) * 100).toFixed(0)}% larger than jsfive (${(bRead.gzBytes / 1000).toFixed(1)} vs ${(bJsfive.gzBytes / 1000).toFixed(1)} kB). ${NOTES['bundle-vs-jsfive'] ?? ''}` : `'h5kit/read' is smaller than jsfive (${(bRead.gzBytes / 1000).toFixed(1)} vs ${(bJsfive.gzBytes / 1000).toFixed(1)} kB). ${NOTES['bundle-read-vs-jsfive'] ?? ''}`) : '';
const refRows = references.map((r) => [r.name, r.ms === null ? '' : fmtMs(r.ms), r.ms ? `${(r.bytes / 2 ** 20 / (r.ms / 1000)).toFixed(0)} MiB/s` : '']);

function missLine(m) {
  if (m.id === 'S0') {
    const met = m.met.length ? `; met by ${m.met.map((i) => `${i.label} ${fmtMs(i.ms)} ms`).join(', ')}` : '';
    return `**S0 import time**: ${m.over.map((i) => `${i.label} ${fmtMs(i.ms)} ms (${over(i.ms, m.target)})`).join(', ')} vs ≤ ${m.target} ms${met}.`;
  }
  if (m.id === 'bundle-read') return `**Bundle, read-only entry**: ${m.value.toFixed(1)} kB min+gz vs ≤ ${m.target} kB (${over(m.value, m.target)}).`;
  if (m.id === 'bundle-full') return `**Bundle, full library**: ${m.value.toFixed(1)} kB min+gz vs ≤ ${m.target} kB (${over(m.value, m.target)}).`;
  if (m.ratio === null) return `**${m.id}**: ${m.why}.`;
  return `**${m.id}**: ${m.ratio.toFixed(2)}× h5py vs ≤ ${m.target}× (${over(m.ratio, m.target)}; h5kit ${fmtMs(stats[m.id].h5kit.ms)} ms, h5py ${fmtMs(stats[m.id].h5py.ms)} ms).`;
}
const missSection = misses.length
  ? misses.map((m) => {
    const p = profiles[m.id];
    const reps = WORKLOADS.find((w) => w.id === m.id)?.profInner ?? 1;
    const prof = p ? `\n  - profile (this run: ${m.id === 'S0' ? "a process importing 'h5kit/node'; h5kit, pako and compilation frames only" : `${reps} run(s) in one process`}, ${fmtMs(p.totalMs)} ms sampled incl. process start-up and loading inputs; top self time): ${p.top.map((t) => `${t.fn} ${t.where ? `(${t.where}) ` : ''}${t.pct.toFixed(0)}%`).join('; ')}` : '';
    const tiers = p?.tiers ? `\n  - warm-up, in that profiled process: the median of runs 1–15 is ${fmtMs(p.tiers.first)} ms, of the last 100 of ${p.tiers.runs} runs ${fmtMs(p.tiers.last)} ms (h5py in the timed rounds: ${fmtMs(stats[m.id].h5py.ms)} ms)` : '';
    const why = NOTES[m.id] ? `\n  - why: ${NOTES[m.id]}` : '';
    return `- ${missLine(m)}${prof}${tiers}${why}`;
  }).join('\n')
  : '- none';
const errorsAll = runs.filter((r) => r.error && r.error !== 'unsupported');

const partial = only || ROUNDS < 5;
const md = `# h5kit benchmarks: side by side with h5py, h5wasm and jsfive

Generated by \`npm run bench\` (\`npm run build && node bench/run.mjs\`) on ${env.date}; the whole run took ${(elapsedS / 60).toFixed(1)} min.
${noisy ? `\n**Noisy run**: other processes used ${(100 * foreignRounds).toFixed(0)}% of the machine's CPU during the timed rounds (measured from /proc/stat minus the benchmark's own processes; load average at start ${env.loadStart}). Treat differences under ~20% as noise.\n` : `\nOther processes used ${foreignRounds === null ? '?' : `${(100 * foreignRounds).toFixed(0)}%`} of the machine's CPU during the timed rounds (load average at start ${env.loadStart}).\n`}${process.env.BENCH_NOTE ? `\nNote: ${process.env.BENCH_NOTE}\n` : ''}
## Machine and versions

- CPU: ${env.cpu}, \`nproc\` = ${env.nproc}, kernel ${env.kernel}, transparent huge pages: ${env.thp}
- Memory (\`free -h\`):
\`\`\`
${env.free}
\`\`\`
- node ${env.node} (zlib ${env.zlibNode}); Python ${env.python}, h5py ${env.h5py}, libhdf5 ${env.libhdf5}, numpy ${env.numpy}
- h5kit ${env.h5kit} (pako ${env.pako}); h5wasm ${env.h5wasm}; jsfive ${env.jsfive}; esbuild ${env.esbuild}

## Medians (ms) and same-round ratios to h5py

${ROUNDS} timed rounds; in each round every tool runs each workload in its own fresh process, tools alternating (order rotated per round). The ratio is the median over rounds of tool ÷ h5py in the same round.

${mdTable(header, rows)}

Peak RSS (MiB, median over rounds; each tool's workload in its own process, including its inputs and warm-up):

${mdTable(['Workload', ...TOOLS], rssRows)}

Size of the files written (bytes; verified by reading them back with h5py):

${mdTable(['Workload', ...TOOLS], sizeRows)}
${sizeNote}

Spread (min–max ms over rounds):

${mdTable(['Workload', ...TOOLS], spreadRows)}

## S0: import time and bundle size

Import time: median of ${IMPORT_SPAWNS} fresh processes per library (alternating), measured inside the process around the import; "process" is spawn-to-exit wall time.

${mdTable(['Library', 'import ms', 'process ms', ''], importRows)}

Bundles: esbuild ${env.esbuild} JS API, bundle + minify, ESM, platform browser, gzip level 9 (kB = 1000 B). Entries in \`bench/entries/\`. "on demand": the chunk a bundle fetches only when a file needs a rare structure's reader (src/on-demand/; an entry that never calls openAsync or loadReaders does not reference it).

${mdTable(['Bundle', 'minified B', 'min+gz B', 'min+gz', 'on demand'], bundleRows)}

${readVsJsfive}
${breakdown?.groups ? `\nWhere the read-only entry's minified bytes come from (the same entry built from \`src/\` with an esbuild metafile, ${breakdown.minBytes.toLocaleString('en-US')} B): ${breakdown.groups.map(([g, b]) => `${g} ${(b / 1000).toFixed(1)} kB`).join(', ')}. Largest files: ${breakdown.top.map(([f, b]) => `${f} ${(b / 1000).toFixed(1)} kB`).join(', ')}.\n` : ''}
## Physical reference points (same machine, same run)

${mdTable(['Operation', 'median ms', 'throughput'], refRows)}

${sections.join('\n')}
## Targets h5kit misses

Targets (ratio to h5py): ${Object.entries(TARGETS).map(([k, v]) => `${k} ≤ ${v}×`).join(', ')}; S0 ≤ ${TARGET_S0_MS} ms; bundle ≤ ${TARGET_BUNDLE_READ_KB} kB read-only, ≤ ${TARGET_BUNDLE_FULL_KB} kB full (min+gz).

${missSection}

## What is measured

- Inputs: ${N.toLocaleString('en-US')} float64 (uniform noise, mulberry32 PRNG) and float32 (smooth signal + small noise) generated by Node into raw files that every tool loads untimed; W5 values/attributes are computed from the dataset index. Reference files read by W2/W4/W6/W7/W8 are written once by h5py (classic format, h5py's defaults) and kept in \`bench/data/\` (gitignored).
- A write is timed from creating the file to closing it. No tool fsyncs (data stay in the page cache): h5py, h5wasm and h5kit's \`createFile\` (fsync only with \`durable: true\` or \`save(..., { atomic: true })\`). A read is timed from opening the file to having the values in memory (jsfive: including \`readFileSync\` of the whole file, which it needs). W6 reads every dataset and both attributes of each; W8 opens and lists the root.
- Warm-up inside each child before timing: reads run the same operation once; writes run the same code on 1/16 of the data (W5: 1,000 datasets) so a multi-second write is not doubled. W7 and W8 time 15 repetitions in the child and keep the median.
- Checks, untimed: every read returns n, in-order float64 sum and SHA-1 of the values, compared with the inputs (W7: with h5py's slice); every written file is read back by h5py (values, dtype, chunks, filters, attribute types). A failed check drops the measurement and is listed below.
- Not supported, so "n/a": jsfive writes nothing; h5wasm's \`create_dataset\` takes a single filter, so W3s (gzip + shuffle) cannot be written with it. jsfive has no partial reads: its W7 reads and decodes the whole 256 MiB dataset (once per round, no warm-up).

## Failed runs

${errorsAll.length ? errorsAll.map((r) => `- round ${r.round} ${r.id} ${r.tool}: ${r.error}`).join('\n') : 'None.'}
`;

// The written files were verified; drop them (~650 MB). Inputs and reference files stay for the next run.
for (const f of readdirSync(OUT)) if (f.endsWith('.h5')) rmSync(join(OUT, f), { force: true });
writeFileSync(join(DATA, 'last-run.json'), JSON.stringify({ env, refs, runs, stats, importStats, bundles: bundles.json, references, misses, profiles }, null, 2));
if (!partial) writeFileSync(join(BENCH, 'RESULTS.md'), md);

console.log(`\nh5kit benchmarks, ${env.date}, ${env.nproc} CPUs (${env.cpu})${noisy ? `, NOISY: others used ${(100 * foreignRounds).toFixed(0)}% CPU` : ''}\n`);
console.log(textTable(header, rows));
console.log(`\nS0 import (median ms): ${importStats.filter((i) => !isBaseline(i)).map((i) => `${i.key} ${fmtMs(i.ms)}`).join(', ')}`);
console.log(`Bundles (min+gz): ${(bundles.json ?? []).filter((b) => b.key).map((b) => `${b.key} ${(b.gzBytes / 1000).toFixed(1)} kB`).join(', ')}`);
console.log(`\nMissed targets:\n${misses.map((m) => `  ${missLine(m).replace(/\*\*/g, '')}`).join('\n') || '  none'}`);
if (errorsAll.length) console.log(`\n${errorsAll.length} failed run(s): see bench/RESULTS.md`);
console.log(partial ? '\n(partial run: bench/RESULTS.md not rewritten; raw numbers in bench/data/last-run.json)' : `\nWritten: bench/RESULTS.md (raw numbers: bench/data/last-run.json); ${(elapsedS / 60).toFixed(1)} min.`);
