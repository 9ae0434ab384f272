#!/usr/bin/env node
// Corpus conformance: `h5kit dump --json` against h5py's reference descriptions
// in ../shared/corpus, plus the invalid files (each must fail with a typed
// h5kit error, quickly, without a stack trace). Prints `matched N/M`.
//
// Needs a build (`npm run build`) and /usr/bin/python3 with h5py for the
// shared comparator. Options: --filter SUBSTR, --verbose, --jobs N.
//
// Round trip: every file h5kit dumps without error is described by h5py
// with full values, rebuilt with `h5kit create --from-json`, and the result
// checked against that description (--content-only; a user block's bytes, of
// which the description has only a hash, are taken from the original file).
// Prints `round trip: N/M`;
// failures must be listed in tests/conformance/roundtrip-known.tsv.
// Each file is rebuilt in both families (default and --libver latest); H5KIT_ROUNDTRIP_LATEST=0 skips the latest one.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const shared = resolve(root, '..', 'shared');
const corpus = join(shared, 'corpus');
const cli = join(root, 'dist', 'node', 'cli.js');
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const filter = opt('--filter');
const verbose = args.includes('--verbose');
const jobs = Number(opt('--jobs') ?? Math.max(2, cpus().length));
const TIMEOUT_MS = 60_000;
const INVALID_LIMIT_MS = 1_000;

if (!existsSync(corpus)) {
  console.error(`conformance: ${corpus} not found (the shared corpus sits beside the repo)`);
  process.exit(2);
}
if (!existsSync(cli)) {
  console.error('conformance: dist/node/cli.js missing; run `npm run build` first');
  process.exit(2);
}

function readTsv(path) {
  const [head, ...rows] = readFileSync(path, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
  const cols = head.split('\t');
  return rows.map((r) => Object.fromEntries(r.split('\t').map((v, i) => [cols[i], v])));
}

const known = new Map(readTsv(join(root, 'tests', 'conformance', 'known-failures.tsv')).map((r) => [r.path, r]));
const manifest = readTsv(join(corpus, 'MANIFEST.tsv')).filter((r) => !filter || r.path.includes(filter));
const noRef = new Map(readTsv(join(corpus, 'NO_REFERENCE.tsv')).map((r) => [r.path, r]));
const noRefExpect = new Map(readTsv(join(root, 'tests', 'conformance', 'no-reference.tsv')).map((r) => [r.path, r]));

function runCli(file, extra = []) {
  return new Promise((res) => {
    const t0 = Date.now();
    const p = spawn(process.execPath, [cli, 'dump', '--json', file, ...extra], { cwd: dirname(file) });
    const out = [];
    let err = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), TIMEOUT_MS);
    p.stdout.on('data', (d) => out.push(d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      res({ code, signal, stdout: Buffer.concat(out), stderr: err, ms: Date.now() - t0 });
    });
  });
}

async function pool(items, fn) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(jobs, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]);
      }
    }),
  );
  return results;
}

const tmp = mkdtempSync(join(tmpdir(), 'h5kit-conf-'));
const valid = manifest.filter((r) => !r.path.startsWith('invalid/'));
const withRef = valid.filter((r) => existsSync(join(corpus, r.path + '.json')));
const invalid = manifest.filter((r) => r.path.startsWith('invalid/'));

const dumps = await pool(withRef, async (r) => {
  const res = await runCli(join(corpus, r.path));
  const ours = join(tmp, r.path.replaceAll('/', '__') + '.json');
  if (res.code === 0) writeFileSync(ours, res.stdout);
  return { row: r, res, ours };
});

// One python process compares every successful dump with its reference.
const pairs = dumps.filter((d) => d.res.code === 0).map((d) => `${join(corpus, d.row.path + '.json')}\t${d.ours}`);
const cmp = spawnSync('/usr/bin/python3', [join(root, 'scripts', 'compare_many.py'), join(shared, 'tools')], {
  input: pairs.join('\n') + '\n',
  maxBuffer: 1 << 28,
});
if (cmp.status !== 0) {
  console.error(`conformance: comparator failed (is /usr/bin/python3 with h5py installed?)\n${cmp.stderr}`);
  process.exit(2);
}
const diffsByRef = new Map(
  cmp.stdout.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l)).map((o) => [o.ref, o.diffs]),
);

let matched = 0;
const matchedPaths = new Set();
const unexpected = [];
const fixedKnown = [];
for (const d of dumps) {
  const ref = join(corpus, d.row.path + '.json');
  const failure =
    d.res.code !== 0
      ? (d.res.stderr.trim().split('\n')[0] || `exit ${d.res.code} ${d.res.signal ?? ''}`)
      : (diffsByRef.get(ref) ?? ['no comparison result']).length
        ? `differs: ${(diffsByRef.get(ref) ?? []).slice(0, 3).join(' | ')}`
        : null;
  const k = known.get(d.row.path);
  if (!failure) {
    matched++;
    matchedPaths.add(d.row.path);
    if (k) fixedKnown.push(d.row.path);
  } else if (!k) unexpected.push(`${d.row.path}: ${failure}`);
  else if (k.error && d.res.code !== 0 && !d.res.stderr.includes(k.error)) {
    unexpected.push(`${d.row.path}: expected ${k.error}, got ${failure}`);
  } else if (verbose) console.log(`known   ${d.row.path}: ${failure}`);
}

// Files h5py could not describe: dump without error, or fail with the expected typed error.
const noRefRows = valid.filter((r) => noRef.has(r.path));
const noRefResults = await pool(noRefRows, async (r) => ({ row: r, res: await runCli(join(corpus, r.path)) }));
let noRefOk = 0;
for (const { row, res } of noRefResults) {
  const want = noRefExpect.get(row.path);
  const got = res.code === 0 ? 'ok' : (/^h5kit: (\w+):/.exec(res.stderr)?.[1] ?? `crash(${res.code})`);
  if (!want) unexpected.push(`${row.path}: no entry in tests/conformance/no-reference.tsv (got ${got})`);
  else if (want.expect !== got) unexpected.push(`${row.path}: expected ${want.expect}, got ${got}: ${res.stderr.trim().split('\n')[0] ?? ''}`);
  else noRefOk++;
}

// Invalid files: a typed error, within a second, no stack trace.
const invalidResults = await pool(invalid, async (r) => ({ row: r, res: await runCli(join(corpus, r.path)) }));
let invalidOk = 0;
for (const { row, res } of invalidResults) {
  const typed = res.code === 1 && /^h5kit: H5\w+Error: /.test(res.stderr) && !/\n\s+at /.test(res.stderr);
  if (typed && res.ms <= INVALID_LIMIT_MS * 3) invalidOk++;
  else unexpected.push(`${row.path}: expected a typed error within 1 s, got exit ${res.code} in ${res.ms} ms: ${res.stderr.trim().split('\n')[0]}`);
  if (verbose) console.log(`invalid ${row.path}: ${res.stderr.trim()} (${res.ms} ms)`);
}

// Round trip: h5py's full-value description -> h5kit create -> verify_h5py --content-only.
const RT_MAX_DESCRIPTION = 20 * 1024 * 1024;
// A value costs at most ~34 characters in a description (a float64 repr plus separators).
const RT_BYTES_PER_VALUE = 34;
const rtLatest = process.env.H5KIT_ROUNDTRIP_LATEST !== '0';
const rtKnown = new Map(readTsv(join(root, 'tests', 'conformance', 'roundtrip-known.tsv')).map((r) => [r.path, r]));
const verifier = join(shared, 'tools', 'verify_h5py.py');

function run(cmd, argv, options = {}) {
  return new Promise((res) => {
    const p = spawn(cmd, argv, { cwd: options.cwd, env: options.env ?? process.env });
    const out = [];
    let err = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), options.timeout ?? TIMEOUT_MS);
    p.stdout.on('data', (d) => out.push(d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      res({ code, signal, stdout: Buffer.concat(out), stderr: err });
    });
  });
}

/** Upper bound of the full-value description size, from a summary-form description. */
function estimateFullSize(text) {
  let values = 0;
  const walk = (v) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if ((k === 'values_summary' || k === 'value_summary') && x && typeof x.count === 'number') values += x.count;
        else walk(x);
      }
    }
  };
  try {
    walk(JSON.parse(text));
  } catch {
    return 0;
  }
  return text.length + values * RT_BYTES_PER_VALUE;
}

const firstLines = (text, n = 2) => text.trim().split('\n').filter(Boolean).slice(0, n).join(' | ');

async function roundTrip(path, summaryDescription) {
  const file = join(corpus, path);
  // The estimate is an upper bound: describe unless it is far over the limit, then check the real size.
  const estimate = estimateFullSize(summaryDescription);
  const tooLarge = (bytes) => [`skipped: full-value description of ~${Math.round(bytes / 1048576)} MB (over 20 MB)`];
  if (estimate > 3 * RT_MAX_DESCRIPTION) return tooLarge(estimate);
  const base = join(tmp, 'rt-' + path.replaceAll('/', '__'));
  const desc = base + '.json';
  const d = await run('/usr/bin/python3', [verifier, '--describe', basename(file)], {
    cwd: dirname(file),
    env: { ...process.env, H5_SUMMARY_THRESHOLD: '100000000' },
    timeout: 120_000,
  });
  if (d.code !== 0) return [`h5py cannot describe it: ${d.stderr.trim().split('\n').pop() || `exit ${d.code} ${d.signal ?? ''}`}`];
  if (d.stdout.length > RT_MAX_DESCRIPTION) return tooLarge(d.stdout.length);
  writeFileSync(desc, d.stdout);
  const failures = [];
  for (const libver of rtLatest ? ['earliest', 'latest'] : ['earliest']) {
    const out = `${base}.${libver}.h5`;
    const extra = libver === 'latest' ? ['--libver', 'latest'] : [];
    // The description records a user block's size and sha256 only: its bytes come from the original file.
    const c = await run(process.execPath, [cli, 'create', out, '--from-json', desc, '--userblock-from', file, ...extra], { cwd: tmp });
    const tag = libver === 'latest' ? '(latest) ' : '';
    if (c.code !== 0) {
      failures.push(`${tag}create failed: ${firstLines(c.stderr.split('\n').filter((l) => !l.includes('warning:')).join('\n')) || `exit ${c.code} ${c.signal ?? ''}`}`);
      continue;
    }
    const v = await run('/usr/bin/python3', [verifier, out, desc, '--content-only'], { cwd: tmp, timeout: 120_000 });
    if (v.code !== 0) failures.push(`${tag}verify: ${firstLines(v.stdout.toString().split('\n').slice(1).join('\n'), 3) || firstLines(v.stderr) || `exit ${v.code}`}`);
    rmSync(out, { force: true });
  }
  rmSync(desc, { force: true });
  return failures;
}

const rtCandidates = [
  ...dumps.filter((d) => matchedPaths.has(d.row.path)).map((d) => ({ path: d.row.path, text: () => readFileSync(join(corpus, d.row.path + '.json'), 'utf8') })),
  ...noRefResults.filter(({ res }) => res.code === 0).map(({ row, res }) => ({ path: row.path, text: () => res.stdout.toString() })),
];
const rtResults = await pool(rtCandidates, async (c) => ({ path: c.path, failures: await roundTrip(c.path, c.text()) }));
let rtOk = 0;
for (const { path, failures } of rtResults) {
  const k = rtKnown.get(path);
  if (!failures.length) {
    rtOk++;
    if (k) fixedKnown.push(`${path} (round trip; remove from roundtrip-known.tsv)`);
  } else if (!k) unexpected.push(`round trip ${path}: ${failures.join(' || ')}`);
  else if (verbose) console.log(`known   round trip ${path}: ${failures.join(' || ')}`);
}

// Repack: every file whose reference h5kit matches is repacked (h5kit repack) and the copy is
// verified against the same reference (--content-only); failures must be in repack-known.tsv.
const rpKnown = new Map(readTsv(join(root, 'tests', 'conformance', 'repack-known.tsv')).map((r) => [r.path, r]));
const rpCandidates = dumps.filter((d) => matchedPaths.has(d.row.path)).map((d) => d.row.path);
const rpResults = await pool(rpCandidates, async (path) => {
  const file = join(corpus, path);
  const out = join(tmp, 'rp-' + path.replaceAll('/', '__'));
  const c = await run(process.execPath, [cli, 'repack', file, out], { cwd: tmp });
  if (c.code !== 0) return { path, failure: `repack failed: ${firstLines(c.stderr) || `exit ${c.code} ${c.signal ?? ''}`}` };
  const v = await run('/usr/bin/python3', [verifier, out, file + '.json', '--content-only'], { cwd: dirname(file), timeout: 120_000 });
  rmSync(out, { force: true });
  return { path, failure: v.code === 0 ? null : `verify: ${firstLines(v.stdout.toString().split('\n').slice(1).join('\n'), 3) || firstLines(v.stderr)}` };
});
let rpOk = 0;
for (const { path, failure } of rpResults) {
  const k = rpKnown.get(path);
  if (!failure) {
    rpOk++;
    if (k) fixedKnown.push(`${path} (repack; remove from repack-known.tsv)`);
  } else if (!k) unexpected.push(`repack ${path}: ${failure}`);
  else if (verbose) console.log(`known   repack ${path}: ${failure}`);
}

// load() of every file h5kit reads returns a value (issue: save/load on files written by others).
const loadScript = `import { load } from ${JSON.stringify(join(root, 'dist', 'node', 'index.js'))};
for (const p of JSON.parse(process.argv[1])) {
  try { load(p); console.log(JSON.stringify({ p, ok: true })); }
  catch (e) { console.log(JSON.stringify({ p, ok: false, error: e.name + ': ' + e.message })); }
}`;
const loadPaths = rtCandidates.map((c) => join(corpus, c.path));
const loadRun = spawnSync(process.execPath, ['--input-type=module', '-e', loadScript, JSON.stringify(loadPaths)], { maxBuffer: 1 << 26, timeout: 600_000 });
const loadResults = loadRun.stdout.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l));
let loadOk = 0;
for (const r of loadResults) {
  if (r.ok) loadOk++;
  else unexpected.push(`load ${r.p}: ${r.error}`);
}
if (loadResults.length !== loadPaths.length) unexpected.push(`load: only ${loadResults.length}/${loadPaths.length} files finished (${loadRun.stderr.toString().split('\n')[0]})`);

rmSync(tmp, { recursive: true, force: true });
for (const u of unexpected) console.log(`FAIL ${u}`);
for (const f of fixedKnown) console.log(`NOW PASSES${f.includes('(round trip') || f.includes('(repack') ? '' : ' (remove from known-failures.tsv)'}: ${f}`);
console.log(`known failures: ${withRef.length - matched - unexpected.filter((u) => withRef.some((r) => u.startsWith(r.path + ':'))).length}`);
console.log(`no-reference files as expected: ${noRefOk}/${noRefRows.length}`);
console.log(`invalid files rejected with a typed error: ${invalidOk}/${invalid.length}`);
console.log(`matched ${matched}/${withRef.length}`);
console.log(`round trip: ${rtOk}/${rtCandidates.length}${rtLatest ? ' (earliest and latest)' : ''}`);
console.log(`repack verified: ${rpOk}/${rpCandidates.length}`);
console.log(`load() returned a value: ${loadOk}/${loadPaths.length}`);
process.exit(unexpected.length || fixedKnown.length ? 1 : 0);
