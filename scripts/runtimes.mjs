#!/usr/bin/env node
/**
 * Runs the core (dist/index.js) in every runtime it promises to support and
 * checks that they all agree with Node.
 *
 *   npm run test:runtimes                  # build, then everything
 *   node scripts/runtimes.mjs deno bun     # only these (after npm run build)
 *
 * Steps:
 *  1. static: dist/index.js imports nothing but its dependencies and has no
 *     `node:` import, `require(`, `Buffer` or `process.` (comments stripped).
 *  2. bundle: esbuild bundles tests/runtimes/smoke.mjs (core + pako + the
 *     fixtures as base64) into dist-runtimes/smoke.bundle.mjs, one
 *     self-contained ESM file (platform "neutral": a Node builtin would fail).
 *  3. the smoke runs in Node (the reference), Deno and Bun (npm devDependency
 *     binaries), workerd (miniflare, a module Worker's fetch handler) and
 *     Chromium (/usr/bin/chromium via playwright-core, page served from
 *     127.0.0.1); each JSON result must equal Node's.
 *
 * Prints one line per step: `ok <name> <ms>`, `FAIL <name>: reason` or
 * `skip <name>: reason`, then a `N passed, N failed, N skipped` line.
 * Exits 1 on any FAIL, and on any skip when CI=true, unless the runtime is
 * listed in H5KIT_RUNTIMES_OPTIONAL (comma-separated, e.g. "chromium").
 * Every step has a timeout; the whole run is capped at 170 s.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const outDir = join(root, 'dist-runtimes');
const smokeDir = join(root, 'tests/runtimes');
const coreFile = join(root, 'dist/index.js');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const FIXTURES = {
  'datatypes.h5': 'tests/fixtures/classic/datatypes.h5',
  'filters.h5': 'tests/fixtures/classic/filters.h5',
  'sohm_btree.h5': 'tests/fixtures/modern/sohm_btree.h5',
};
const RUNTIMES = ['node', 'deno', 'bun', 'workerd', 'chromium'];
const STEP_TIMEOUT_MS = 45_000;
const TOTAL_TIMEOUT_MS = 170_000;
const IN_CI = process.env.CI === 'true';
const OPTIONAL = new Set((process.env.H5KIT_RUNTIMES_OPTIONAL ?? '').split(',').map((s) => s.trim()).filter(Boolean));

const counts = { passed: 0, failed: 0, skipped: 0, blockingSkips: 0 };
const cleanups = [];

class Skip extends Error {}

function report(name, outcome, ms, detail) {
  if (outcome === 'ok') {
    counts.passed++;
    console.log(`ok ${name} ${Math.round(ms)}`);
  } else if (outcome === 'skip') {
    counts.skipped++;
    const blocking = IN_CI && !OPTIONAL.has(name);
    if (blocking) counts.blockingSkips++;
    console.log(`skip ${name}: ${detail}${blocking ? ' (CI=true: counts as a failure; list it in H5KIT_RUNTIMES_OPTIONAL to allow)' : ''}`);
  } else {
    counts.failed++;
    console.log(`FAIL ${name}: ${detail}`);
  }
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function step(name, fn) {
  const t0 = performance.now();
  try {
    await withTimeout(Promise.resolve().then(fn), STEP_TIMEOUT_MS, name);
    report(name, 'ok', performance.now() - t0);
    return true;
  } catch (e) {
    if (e instanceof Skip) report(name, 'skip', 0, e.message);
    else report(name, 'FAIL', 0, oneLine(e));
    return false;
  } finally {
    while (cleanups.length) {
      try {
        await withTimeout(Promise.resolve().then(cleanups.pop()), 10_000, `${name} cleanup`);
      } catch {
        /* best effort */
      }
    }
  }
}

function oneLine(e, max = 600) {
  const s = String((e && e.message) || e).replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** Runs a command with a hard timeout; resolves { code, stdout, stderr }. */
function run(cmd, args, { timeoutMs = STEP_TIMEOUT_MS - 5_000, env = {}, cwd = outDir } = {}) {
  return new Promise((resolvePromise, reject) => {
    let child;
    try {
      child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      reject(e);
      return;
    }
    const out = [];
    const err = [];
    let size = 0;
    const cap = 64 * 1024 * 1024;
    const take = (list) => (d) => {
      size += d.length;
      if (size <= cap) list.push(d);
    };
    child.stdout.on('data', take(out));
    child.stderr.on('data', take(err));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} timed out after ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

// ---------------------------------------------------------------- static check

/** Source text without comments (esbuild keeps semantics and drops comments). */
async function withoutComments(esbuild, code) {
  const r = await esbuild.transform(code, { loader: 'js', format: 'esm', legalComments: 'none', minifyWhitespace: false });
  return r.code;
}

/** Bare module specifiers imported by `entry` and every dist file it reaches through relative imports. */
async function bareImports(esbuild, entry) {
  const todo = [entry];
  const seen = new Set();
  const bare = new Set();
  for (let file; (file = todo.pop()); ) {
    if (seen.has(file)) continue;
    seen.add(file);
    const code = await withoutComments(esbuild, readFileSync(file, 'utf8'));
    for (const m of code.matchAll(/\b(?:import|export)\s*(?:[\w*${}\s,]+?\s*from\s*)?["']([^"']+)["']/g)) {
      if (m[1].startsWith('.')) todo.push(join(dirname(file), m[1]));
      else bare.add(m[1]);
    }
  }
  return bare;
}

async function staticCheck(esbuild) {
  if (!existsSync(coreFile)) throw new Error('dist/index.js is missing: run `npm run build` first');
  // Reading never loads pako (h5kit inflates itself), nor does h5kit/node (node:zlib).
  for (const entry of ['dist/read.js', 'dist/node/index.js']) {
    if ((await bareImports(esbuild, join(root, entry))).has('pako')) throw new Error(`${entry} loads pako`);
  }
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const allowed = new Set(Object.keys(pkg.dependencies ?? {}));
  // The core entries and every chunk they load (relative imports), each checked.
  const todo = [coreFile, join(root, 'dist/read.js')];
  const seen = new Set();
  for (let file; (file = todo.pop()); ) {
    if (seen.has(file)) continue;
    seen.add(file);
    const problems = [];
    const code = await withoutComments(esbuild, readFileSync(file, 'utf8'));
    const specifiers = [
      ...code.matchAll(/\b(?:import|export)\s*(?:[\w*${}\s,]+?\s*from\s*)?["']([^"']+)["']/g),
      ...code.matchAll(/\bimport\s*\(\s*["']([^"']+)["']\s*\)/g),
    ].map((m) => m[1]);
    for (const s of new Set(specifiers)) {
      if (s.startsWith('./') || s.startsWith('../')) {
        todo.push(join(dirname(file), s));
        continue;
      }
      const base = s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0];
      if (!allowed.has(base)) problems.push(`imports "${s}" (not a runtime dependency)`);
    }
    checkCode(file, code, problems);
  }
}

function checkCode(file, code, problems) {
  const patterns = [
    [/["']node:[^"']*["']|\bnode:[a-z_]+/g, '`node:` import'],
    [/\brequire\s*\(/g, '`require(`'],
    [/\bBuffer\b/g, '`Buffer`'],
    [/\bprocess\s*\./g, '`process.`'],
  ];
  const lines = code.split('\n');
  for (const [re, label] of patterns) {
    lines.forEach((line, i) => {
      if (re.test(line)) problems.push(`${label} at line ${i + 1} of the comment-stripped bundle: ${line.trim().slice(0, 120)}`);
      re.lastIndex = 0;
    });
  }
  if (problems.length) throw new Error(`${relative(root, file)}: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ''}`);
}

// ---------------------------------------------------------------- bundle

async function bundle(esbuild) {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const fixtures = {};
  for (const [name, rel] of Object.entries(FIXTURES)) {
    const bytes = readFileSync(join(root, rel));
    if (bytes.length > 64 * 1024) throw new Error(`${rel} is over 64 KB`);
    fixtures[name] = bytes.toString('base64');
  }
  const result = await esbuild.build({
    entryPoints: [join(smokeDir, 'smoke.mjs')],
    outfile: join(outDir, 'smoke.bundle.mjs'),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['import', 'default'],
    target: 'es2022',
    define: { __H5KIT_SMOKE_FIXTURES__: JSON.stringify(fixtures) },
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  if (!inputs.some((p) => p.endsWith('dist/index.js'))) throw new Error(`bundle does not contain dist/index.js (inputs: ${inputs.join(', ')})`);
  const out = Object.values(result.metafile.outputs)[0];
  if (out.imports?.length) throw new Error(`bundle is not self-contained: imports ${out.imports.map((i) => i.path).join(', ')}`);
  for (const f of ['cli.mjs', 'worker.mjs', 'page.html']) copyFileSync(join(smokeDir, f), join(outDir, f));
}

// ---------------------------------------------------------------- comparison

/** Parses the harness's JSON ({ result, elapsedMs }) from a runtime's output. */
function parseSmoke(text, where) {
  const line = text.split('\n').map((l) => l.trim()).reverse().find((l) => l.startsWith('{'));
  if (!line) throw new Error(`${where}: no JSON line in output: ${oneLine(text, 300) || '(empty)'}`);
  let parsed;
  try {
    parsed = JSON.parse(line);
  } catch (e) {
    throw new Error(`${where}: output is not JSON (${oneLine(e)})`);
  }
  if (!parsed || typeof parsed !== 'object' || !('result' in parsed)) throw new Error(`${where}: JSON has no "result"`);
  return parsed.result;
}

function firstDifference(a, b, path = '') {
  if (Object.is(a, b)) return null;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object' || Array.isArray(a) !== Array.isArray(b)) {
    return `${path || '/'}: expected ${JSON.stringify(a)?.slice(0, 120)}, got ${JSON.stringify(b)?.slice(0, 120)}`;
  }
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  for (const k of keys) {
    const d = firstDifference(a[k], b[k], `${path}/${k}`);
    if (d) return d;
  }
  return null;
}

let reference = null;

function compareWithReference(result) {
  if (!reference) throw new Error('no Node reference to compare with (the node step failed)');
  if (result.ok !== true) throw new Error('the smoke reports a failed write/read round trip');
  const d = firstDifference(reference, result);
  if (d) throw new Error(`differs from Node at ${d}`);
}

/** Sanity checks of Node's own result against what h5py wrote into the fixtures. */
function checkReference(r) {
  if (r.ok !== true) throw new Error(`write/read round trip failed: ${JSON.stringify(r.write?.roundtrip)}`);
  const expect = (what, got, want) => {
    if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`${what}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
  };
  expect('datatypes /string/vlen_utf8', r.read.datatypes.vlen_utf8, ['héllo', '世界', '', 'emoji 😀']);
  expect('datatypes /int/i64le', r.read.datatypes.i64le, { BigInt64Array: ['-9223372036854775808n', '9223372036854775807n', '0n', '-1n', '3074457345618258602n'] });
  expect('datatypes /compound/simple', r.read.datatypes.compound_simple.values, [
    { id: 1, value: 1.5, flag: 0 },
    { id: 2, value: -2.25, flag: 1 },
    { id: 3, value: 'NaN', flag: 255 },
  ]);
  expect('filters /shuffle_gzip filters', r.read.filters.shuffle_gzip.filters, ['shuffle', 'deflate']);
  const fx = JSON.parse(readFileSync(join(root, 'tests/fixtures/classic/filters.h5.json'), 'utf8'));
  const values = (p) => fx.find((e) => e.path === p).values;
  expect('filters /gzip9 sum', r.read.filters.gzip9.sum, values('/gzip9').reduce((s, v) => s + v, 0));
  expect('filters /gzip_vlen_str', r.read.filters.gzip_vlen_str, values('/gzip_vlen_str'));
  expect('sohm /table_3 attrs', r.read.sohm.tables.table_3.attrs, { shared_attr: { Float64Array: [0, 1, 2, 3, 4, 5] }, index: '3n' });
}

// ---------------------------------------------------------------- runtimes

async function runCli(name, cmd, args, env) {
  const r = await run(cmd, args, { env });
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${oneLine(r.stderr || r.stdout, 500)}`);
  return parseSmoke(r.stdout, name);
}

/** The first candidate binary that answers `--version`; Skip otherwise. */
async function findBinary(name, candidates, why) {
  const tried = [];
  for (const c of candidates.filter(Boolean)) {
    if (c.includes('/') && !existsSync(c)) continue;
    try {
      const r = await run(c, ['--version'], { timeoutMs: 15_000, cwd: root });
      if (r.code === 0) return c;
      tried.push(`${c}: exit ${r.code} ${oneLine(r.stderr, 120)}`);
    } catch (e) {
      tried.push(`${c}: ${oneLine(e, 120)}`);
    }
  }
  throw new Skip(`${name} binary not found or not runnable (${tried.join('; ') || 'no candidate exists'}); ${why}`);
}

function packageDir(name) {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    return null;
  }
}

const bin = (n) => join(root, 'node_modules/.bin', n);

const runners = {
  async node() {
    const result = await runCli('node', process.execPath, [join(outDir, 'cli.mjs')]);
    checkReference(result);
    reference = result;
  },

  async deno() {
    // The npm package `deno` ships the binary in @deno/<platform> (an optional dependency).
    const platformPkg = { linux: `@deno/linux-${process.arch}-glibc`, darwin: `@deno/darwin-${process.arch}`, win32: `@deno/win32-${process.arch}` }[process.platform];
    const pd = platformPkg && packageDir(platformPkg);
    const deno = await findBinary('deno', [process.env.DENO_BIN, bin('deno'), pd && join(pd, 'deno')], 'install with `npm ci` (devDependency "deno")');
    const denoDir = join(outDir, '.deno');
    const result = await runCli('deno', deno, ['run', '--no-config', '--no-lock', '--no-prompt', '--quiet', join(outDir, 'cli.mjs')], {
      DENO_DIR: denoDir,
      DENO_NO_UPDATE_CHECK: '1',
      DENO_NO_PACKAGE_JSON: '1',
      NO_COLOR: '1',
    });
    compareWithReference(result);
  },

  async bun() {
    // node_modules/bun/bin/bun.exe is a placeholder until bun's postinstall links the
    // binary from @oven/bun-<platform>; fall back to that package when it did not run.
    const arch = process.arch === 'arm64' ? 'aarch64' : process.arch;
    const pd = packageDir(`@oven/bun-${process.platform}-${arch}`);
    const bun = await findBinary('bun', [process.env.BUN_BIN, bin('bun'), pd && join(pd, 'bin/bun')], 'install with `npm ci` (devDependency "bun")');
    const result = await runCli('bun', bun, ['run', '--no-install', join(outDir, 'cli.mjs')], { DO_NOT_TRACK: '1', NO_COLOR: '1' });
    compareWithReference(result);
  },

  async workerd() {
    let Miniflare;
    try {
      ({ Miniflare } = await import('miniflare'));
    } catch (e) {
      throw new Skip(`miniflare is not installed (${oneLine(e, 160)}); install with \`npm ci\``);
    }
    const mf = new Miniflare({
      modulesRoot: outDir,
      modules: [
        { type: 'ESModule', path: join(outDir, 'worker.mjs'), contents: readFileSync(join(outDir, 'worker.mjs'), 'utf8') },
        { type: 'ESModule', path: join(outDir, 'smoke.bundle.mjs'), contents: readFileSync(join(outDir, 'smoke.bundle.mjs'), 'utf8') },
      ],
      compatibilityDate: '2025-01-01',
      cf: false,
      host: '127.0.0.1',
      port: 0,
    });
    cleanups.push(() => mf.dispose());
    await mf.ready;
    const res = await mf.dispatchFetch('http://127.0.0.1/smoke');
    const text = await res.text();
    if (res.status !== 200) throw new Error(`worker answered ${res.status}: ${oneLine(text, 500)}`);
    compareWithReference(parseSmoke(text, 'workerd'));
  },

  async chromium() {
    if (!existsSync(CHROMIUM)) throw new Skip(`${CHROMIUM} not found (apt-get install -y chromium)`);
    let chromium;
    try {
      ({ chromium } = await import('playwright-core'));
    } catch (e) {
      throw new Skip(`playwright-core is not installed (${oneLine(e, 160)}); install with \`npm ci\``);
    }
    const server = createServer((req, res) => {
      const name = new URL(req.url, 'http://127.0.0.1').pathname.slice(1) || 'page.html';
      const types = { 'page.html': 'text/html; charset=utf-8', 'smoke.bundle.mjs': 'text/javascript; charset=utf-8' };
      if (!types[name]) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': types[name], 'cache-control': 'no-store' }).end(readFileSync(join(outDir, name)));
    });
    await new Promise((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', ok));
    cleanups.push(() => new Promise((ok) => server.close(() => ok())));
    server.closeAllConnections && cleanups.push(() => server.closeAllConnections());
    const userDataDir = mkdtempSync(join(tmpdir(), 'h5kit-chromium-'));
    cleanups.push(() => rmSync(userDataDir, { recursive: true, force: true }));
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      timeout: 30_000,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    cleanups.push(() => context.close());
    const page = context.pages()[0] ?? (await context.newPage());
    const errors = [];
    page.on('pageerror', (e) => errors.push(oneLine(e, 300)));
    page.on('console', (m) => m.type() === 'error' && errors.push(oneLine(m.text(), 300)));
    const { port } = server.address();
    await page.goto(`http://127.0.0.1:${port}/page.html`, { timeout: 20_000 });
    try {
      await page.waitForFunction(() => window.__smoke !== undefined, null, { timeout: 25_000 });
    } catch (e) {
      throw new Error(`page did not finish: ${errors.join(' | ') || oneLine(e, 200)}`);
    }
    const outcome = await page.evaluate(() => window.__smoke);
    if (outcome.error) throw new Error(`in the page: ${oneLine(outcome.error, 500)}`);
    compareWithReference(parseSmoke(outcome.json, 'chromium'));
  },
};

// ---------------------------------------------------------------- main

async function main() {
  const wanted = process.argv.slice(2);
  for (const w of wanted) if (!RUNTIMES.includes(w)) throw new Error(`unknown runtime "${w}" (known: ${RUNTIMES.join(', ')})`);
  const selected = wanted.length ? RUNTIMES.filter((r) => r === 'node' || wanted.includes(r)) : RUNTIMES;

  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch (e) {
    report('bundle', 'FAIL', 0, `esbuild is not installed (${oneLine(e, 160)})`);
    return;
  }
  await step('static', () => staticCheck(esbuild));
  if (!(await step('bundle', () => bundle(esbuild)))) return;
  await esbuild.stop?.();
  const size = statSync(join(outDir, 'smoke.bundle.mjs')).size;
  console.log(`# dist-runtimes/smoke.bundle.mjs: ${(size / 1024).toFixed(0)} KiB`);
  for (const name of selected) await step(name, runners[name]);
}

const watchdog = setTimeout(() => {
  console.log(`FAIL runtimes: the whole run exceeded ${TOTAL_TIMEOUT_MS / 1000} s`);
  process.exit(1);
}, TOTAL_TIMEOUT_MS);
watchdog.unref();

main()
  .catch((e) => report('runtimes', 'FAIL', 0, oneLine(e)))
  .finally(() => {
    console.log(`${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
    const code = counts.failed > 0 || counts.blockingSkips > 0 ? 1 : 0;
    // Exit explicitly: a runtime library may leave handles open.
    setTimeout(() => process.exit(code), 50);
  });
