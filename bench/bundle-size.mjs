// Minified + gzipped bundle sizes with esbuild's JS API (esbuild comes with
// tsup). Prints one JSON line: [{ name, minBytes, gzBytes, note }].
// gzip level 9 (like `gzip -9`); sizes in bytes.
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { BENCH, ROOT } from './lib/config.mjs';
import { h5kitFile } from './lib/h5kit-dist.mjs';

// The entries import ../../dist/{index,read}.js; point them at the build under test.
const distPlugin = {
  name: 'h5kit-dist',
  setup(b) {
    b.onResolve({ filter: /\/dist\/(index|read)\.js$/ }, (a) => ({ path: h5kitFile(a.path.slice(a.path.lastIndexOf('/') + 1)) }));
  },
};

const ENTRIES = [
  { name: "h5kit read-only ('h5kit/read': open + Dataset.read)", file: 'h5kit-read.mjs' },
  { name: "h5kit read-only through openAsync ('h5kit/read'; + on-demand readers chunk)", file: 'h5kit-read-async.mjs', split: true },
  { name: 'h5kit full (dist/index.js, everything)', file: 'h5kit-full.mjs' },
  { name: 'h5wasm (ESM, WASM embedded)', file: 'h5wasm.mjs' },
  { name: 'jsfive (with its pako)', file: 'jsfive.mjs' },
];

const out = [];
for (const e of ENTRIES) {
  const r = await build({
    entryPoints: [join(BENCH, 'entries', e.file)],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    plugins: [distPlugin],
    // h5wasm's Emscripten glue imports Node builtins behind runtime checks.
    external: ['fs', 'path', 'crypto', 'module', 'url', 'worker_threads', 'node:*'],
    // Split entries: dynamic import()s become chunks of their own, loaded on demand.
    ...(e.split ? { splitting: true, outdir: join(BENCH, 'data', 'bundle-split'), metafile: true } : {}),
  });
  const gz = (code) => gzipSync(code, { level: 9 }).length;
  if (!e.split) {
    const code = r.outputFiles[0].contents;
    out.push({ name: e.name, key: e.file.replace('.mjs', ''), minBytes: code.length, gzBytes: gz(code), warnings: r.warnings.length });
    continue;
  }
  // What loads up front: the entry chunk and its static imports; the rest only on demand.
  const outputs = r.metafile.outputs;
  const entryOut = Object.keys(outputs).find((k) => outputs[k].entryPoint);
  const eager = new Set();
  const visit = (k) => {
    if (eager.has(k)) return;
    eager.add(k);
    for (const i of outputs[k].imports) if (i.kind === 'import-statement' && outputs[i.path]) visit(i.path);
  };
  visit(entryOut);
  const files = r.outputFiles.filter((f) => f.path.endsWith('.js'));
  const rel = (f) => Object.keys(outputs).find((k) => f.path.endsWith(k));
  const upFront = files.filter((f) => eager.has(rel(f)));
  const onDemand = files.filter((f) => !eager.has(rel(f)));
  const sum = (fs, m) => fs.reduce((a, f) => a + m(f.contents), 0);
  out.push({
    name: e.name,
    key: e.file.replace('.mjs', ''),
    minBytes: sum(upFront, (c) => c.length),
    gzBytes: sum(upFront, gz),
    onDemandMinBytes: sum(onDemand, (c) => c.length),
    onDemandGzBytes: sum(onDemand, gz),
    warnings: r.warnings.length,
  });
}
// Where the read-only entry's minified bytes come from: dist/ is one file, so
// the same entry is built from src/ with a metafile (diagnostic only).
let breakdown = null;
const breakdownBuild = {
  stdin: {
    contents: "import { open, Dataset } from './src/read.ts'; export function readDataset(b, p, s) { const o = open(b).get(p); if (!(o instanceof Dataset)) throw new Error(p); return o.read(s); }",
    resolveDir: ROOT,
    loader: 'ts',
  },
  bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, metafile: true, logLevel: 'silent',
};
try {
  const r = await build(breakdownBuild);
  const inputs = Object.values(r.metafile.outputs)[0].inputs;
  const groups = {};
  for (const [file, v] of Object.entries(inputs)) {
    const g = file.includes('node_modules/') ? file.replace(/^.*node_modules\/((?:@[^/]+\/)?[^/]+)\/.*$/, '$1') : file.replace(/^src\/([^/]+)\/.*$/, 'src/$1/');
    groups[g] = (groups[g] ?? 0) + v.bytesInOutput;
  }
  const top = Object.entries(inputs).sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput).slice(0, 8).map(([f, v]) => [f, v.bytesInOutput]);
  breakdown = { minBytes: r.outputFiles[0].contents.length, groups: Object.entries(groups).sort((a, b) => b[1] - a[1]), top };
} catch (e) {
  breakdown = { error: String(e.message ?? e).slice(0, 300) };
}
out.push({ breakdown });
console.log(JSON.stringify(out));
