/**
 * Runtime smoke program: the same code runs in Node, Deno, Bun, workerd and
 * Chromium (scripts/runtimes.mjs bundles it with esbuild into
 * dist-runtimes/smoke.bundle.mjs and compares every runtime's JSON with
 * Node's).
 *
 * It imports only the core (dist/index.js, and dist/read.js to check the
 * read-only entry reads the same) and uses only what every runtime
 * has (atob, typed arrays, BigInt): no Buffer, no process, no node: modules.
 * The fixtures arrive as base64 through `__H5KIT_SMOKE_FIXTURES__`, which
 * esbuild's `define` replaces at bundle time.
 *
 * Everything it computes must be identical across engines: data is made with
 * integer arithmetic and exact IEEE operations (no Math.sin & co, whose last
 * bit differs between V8 and JavaScriptCore), and floats are printed with
 * JavaScript's round-trip number formatting.
 */
import { open, openAsync, File, compoundType, dtypeString, save, load } from '../../dist/index.js';
import { open as openRead, File as ReadFile } from '../../dist/read.js';

/* global __H5KIT_SMOKE_FIXTURES__ */

function fixtures() {
  if (typeof __H5KIT_SMOKE_FIXTURES__ === 'undefined') {
    throw new Error('run the bundle (scripts/runtimes.mjs builds dist-runtimes/smoke.bundle.mjs): fixtures are embedded at bundle time');
  }
  return __H5KIT_SMOKE_FIXTURES__;
}

function fromBase64(b64) {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** JSON-safe form that keeps bigints, -0, NaN and ±Infinity distinguishable. */
function plain(v) {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (v === Infinity) return 'Infinity';
    if (v === -Infinity) return '-Infinity';
    if (Object.is(v, -0)) return '-0';
    return v;
  }
  if (v instanceof Date) return `Date(${v.toISOString()})`;
  if (ArrayBuffer.isView(v)) return { [v.constructor.name]: Array.from(v, plain) };
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Map) return { Map: [...v].map(([k, x]) => [k, plain(x)]) };
  if (v && typeof v === 'object') {
    const o = {};
    for (const k of Object.keys(v)) o[k] = plain(v[k]);
    return o;
  }
  return v;
}

/** Sum in index order (so every engine adds in the same order). */
function sum(a) {
  let s = typeof a[0] === 'bigint' ? 0n : 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return plain(s);
}

/** FNV-1a 32-bit of bytes, as hex. */
function fnv1a(bytes) {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

function describe(ds) {
  return {
    shape: ds.shape,
    dtype: dtypeString(ds.dtype),
    chunks: ds.chunks ?? null,
    filters: (ds.filters ?? []).map((f) => f.name),
  };
}

function readFixtures() {
  const fx = fixtures();
  const out = {};

  // classic/datatypes.h5: floats (incl. f16, big-endian), int64, strings, compounds.
  {
    const f = open(fromBase64(fx['datatypes.h5']));
    const get = (p) => f.get(p);
    out.datatypes = {
      keys: f.keys(),
      f64le: { ...describe(get('/float/f64le')), values: plain(get('/float/f64le').read()) },
      f32be: plain(get('/float/f32be').read()),
      f16le: plain(get('/float/f16le').read()),
      f64le_2d_sum: sum(get('/float/f64le_2d').read()),
      f64le_2d_col1: plain(get('/float/f64le_2d').read([null, [1, 2]])),
      i64le: plain(get('/int/i64le').read()),
      i64le_sum: sum(get('/int/i64le').read()),
      u64be_sum: sum(get('/int/u64be').read()),
      i32_prec12_off4: plain(get('/int/i32_prec12_off4').read()),
      vlen_utf8: get('/string/vlen_utf8').read(),
      fixed_nullpad_utf8: get('/string/fixed_nullpad_utf8').read(),
      fixed_spacepad_ascii: get('/string/fixed_spacepad_ascii').read(),
      vlen_utf8_scalar: get('/string/vlen_utf8_scalar').read(),
      compound_simple: { dtype: dtypeString(get('/compound/simple').dtype), values: plain(get('/compound/simple').read()) },
      compound_nested: plain(get('/compound/nested').read()),
      complex64: plain(get('/complex64').read()),
      enum_int8: plain(get('/enum/int8').read()),
      vlen_float64: plain(get('/vlen/float64').read()),
      array_f64be_3: plain(get('/array/f64be_3').read()),
    };
  }

  // classic/filters.h5: chunked datasets with gzip, shuffle, fletcher32.
  {
    const f = open(fromBase64(fx['filters.h5']));
    const sg = f.get('/shuffle_gzip');
    const cmp = f.get('/gzip_compound').read();
    out.filters = {
      shuffle_gzip: { ...describe(sg), sum: sum(sg.read()), window: plain(sg.read([[2, 9, 3], [1, 8, 2]])) },
      gzip9: { ...describe(f.get('/gzip9')), sum: sum(f.get('/gzip9').read()) },
      gzip1_tail: plain(f.get('/gzip1').read([[190, 200]])),
      gzip_sparse_sum: sum(f.get('/gzip_sparse').read()),
      gzip_compound_x_sum: sum(cmp.map((r) => r.x)),
      gzip_compound_i_sum: sum(cmp.map((r) => r.i)),
      gzip_vlen_str: f.get('/gzip_vlen_str').read(),
      shuffle_gzip_fletcher32_sum: sum(f.get('/shuffle_gzip_fletcher32').read()),
      fletcher32: plain(f.get('/fletcher32').read([[0, 8]])),
    };
    // The read-only entry: the same class, the same values.
    const r = openRead(fromBase64(fx['filters.h5']));
    out.read_entry = {
      same_file_class: ReadFile === File && r instanceof File,
      shuffle_gzip_sum: sum(r.get('/shuffle_gzip').read()),
      gzip9_sum: sum(r.get('/gzip9').read()),
    };
  }

  // modern/sohm_btree.h5: superblock v3, shared messages in a fractal heap,
  // attributes, gzip-chunked compound tables.
  {
    const f = open(fromBase64(fx['sohm_btree.h5']));
    const tables = {};
    for (const name of f.keys().filter((k) => k.startsWith('table_'))) {
      const t = f.get(name);
      tables[name] = {
        ...describe(t),
        attrs: Object.fromEntries(t.attrs.keys().map((k) => [k, plain(t.attrs.get(k))])),
        values: plain(t.read()),
      };
    }
    const grid = f.get('/grid');
    out.sohm = {
      keys: f.keys(),
      tables,
      grid_keys: grid.keys(),
      g2_sum: sum(f.get('/grid/g2').read()),
      strings: grid.keys().filter((k) => k.startsWith('string_')).map((k) => f.get(`/grid/${k}`).read()[0]),
    };
  }
  return out;
}

function writeAndReadBack() {
  // Deterministic data: a 31-bit LCG and exact IEEE arithmetic.
  let x = 12345;
  const next = () => (x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff);
  const n = 20000;
  const signal = new Float32Array(n);
  for (let i = 0; i < n; i++) signal[i] = (next() % 20000) / 100 - 100;
  const counts = new BigInt64Array(1000);
  for (let i = 0; i < counts.length; i++) counts[i] = BigInt(next()) * 4096n - 3n * BigInt(i) * 1000000000n;
  const labels = ['alpha', 'βήτα', 'γάμμα', 'emoji 😀', ''];
  const points = [
    { x: 1, y: 2, id: 7 },
    { x: 3.5, y: -4.25, id: -1 },
    { x: 1 / 3, y: 1e-300, id: 2147483647 },
  ];
  const patch = new Float64Array(10 * 20);
  for (let i = 0; i < patch.length; i++) patch[i] = i / 8;

  const f = File.create();
  f.attrs.set('title', 'h5kit runtime smoke ✓');
  f.attrs.set('version', 3);
  f.attrs.set('big', 2n ** 60n + 1n);
  f.attrs.set('ratios', new Float64Array([0.5, 0.25, 1 / 3]));
  f.attrs.set('tags', ['a', 'bb', 'ççç']);
  const raw = f.createGroup('/results/raw');
  raw.attrs.set('units', 'K');
  raw.attrs.set('scale', new Int32Array([1, -2, 3]));
  f.createGroup('/empty');
  const sig = raw.createDataset('signal', { data: signal, chunks: [4096], compression: 'gzip', shuffle: true });
  sig.attrs.set('rate_hz', 250.5);
  raw.createDataset('counts', { data: counts, chunks: [300], compression: 'gzip', compressionOpts: 6 });
  f.createDataset('/labels', { data: labels });
  f.createDataset('/results/points', { data: points, dtype: compoundType({ x: '<f8', y: '<f8', id: '<i4' }) });
  const grid = f.createDataset('/results/grid', { shape: [40, 30], dtype: '<f8', chunks: [10, 10], compression: 'gzip', fillValue: -1 });
  grid.write(patch, [[0, 10], [5, 25]]);
  const log = f.createDataset('/log', { shape: [0], maxshape: [null], dtype: 'str', chunks: [4] });
  log.resize([3]);
  log.write(['started', 'running', 'done']);
  f.softLink('/latest', '/results/raw');
  const bytes = f.toBytes();

  const r = open(bytes);
  const rsig = r.get('/results/raw/signal');
  const rsigv = rsig.read();
  const rcounts = r.get('/latest/counts').read();
  const rgrid = r.get('/results/grid');
  const gridv = rgrid.read();
  let sameSignal = rsigv.length === n;
  for (let i = 0; sameSignal && i < n; i++) sameSignal = Object.is(rsigv[i], signal[i]);
  let sameCounts = rcounts.length === counts.length;
  for (let i = 0; sameCounts && i < counts.length; i++) sameCounts = rcounts[i] === counts[i];
  let gridOk = true;
  for (let i = 0; i < 40; i++) {
    for (let j = 0; j < 30; j++) {
      const want = i < 10 && j >= 5 && j < 25 ? patch[i * 20 + (j - 5)] : -1;
      if (gridv[i * 30 + j] !== want) gridOk = false;
    }
  }
  const rpoints = r.get('/results/points').read();

  // save()/load() round trip of nested JS values.
  const saved = save(null, {
    run: { temps: new Float32Array([20.5, 21, -3.25]), label: 'night', when: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)) },
    meta: new Map([['seed', 7n], ['ok', true]]),
    grid: [[1, 2, 3], [4, 5, 6]],
  });
  const loaded = load(saved);

  return {
    bytes: bytes.length,
    fnv1a: fnv1a(bytes),
    keys: r.keys(),
    raw_keys: r.get('/results').keys(),
    attrs: Object.fromEntries(r.attrs.keys().map((k) => [k, plain(r.attrs.get(k))])),
    raw_attrs: { units: r.get('/results/raw').attrs.get('units'), scale: plain(r.get('/results/raw').attrs.get('scale')) },
    signal: { ...describe(rsig), sum: sum(rsigv), first: plain(rsigv.subarray(0, 4)), rate_hz: rsig.attrs.get('rate_hz') },
    counts: { ...describe(r.get('/results/raw/counts')), sum: sum(rcounts) },
    labels: r.get('/labels').read(),
    points: plain(rpoints),
    grid: { ...describe(rgrid), sum: sum(gridv) },
    log: r.get('/log').read(),
    latest_link: r.getLink('latest').path,
    roundtrip: {
      signal: sameSignal,
      counts: sameCounts,
      grid: gridOk,
      labels: JSON.stringify(r.get('/labels').read()) === JSON.stringify(labels),
      points: JSON.stringify(rpoints) === JSON.stringify(points),
    },
    save_load: { bytes: saved.length, fnv1a: fnv1a(saved), value: plain(loaded) },
  };
}

/**
 * openAsync over an in-memory async source: 64 KiB gzip+shuffle chunks, which
 * the runtime's DecompressionStream inflates where it exists (h5kit's inflate
 * where it does not: the values must be the same either way).
 */
async function readThroughAsyncSource() {
  const n = 4 * 16384;
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = (Math.imul(i, 40503) >>> 16) - 30000 + (i >> 6);
  const f = File.create();
  f.createDataset('x', { data: a, chunks: [16384], compression: 'gzip', shuffle: true });
  const bytes = f.toBytes();
  const af = await openAsync({ size: bytes.length, read: async (o, l) => bytes.slice(o, o + l) }, { blockSize: 4096 });
  const x = await af.read('/x');
  return { n: x.length, sum: sum(x), same: x.length === n && x.every((v, i) => v === a[i]), keys: await af.keys() };
}

/** Runs the smoke and returns its result (an object that JSON.stringify accepts). */
export async function runSmoke() {
  const started = Date.now();
  const result = { read: readFixtures(), write: writeAndReadBack(), async: await readThroughAsyncSource() };
  const rt = result.write.roundtrip;
  result.ok = rt.signal && rt.counts && rt.grid && rt.labels && rt.points && result.async.same;
  // Timing is reported separately by the runner and left out of the comparison.
  return { result, elapsedMs: Date.now() - started };
}
