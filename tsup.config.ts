import { defineConfig } from 'tsup';

const entry = { index: 'src/index.ts', read: 'src/read.ts', 'node/index': 'src/node/index.ts' };
// Whitespace and syntax are minified, identifiers kept (stack traces and
// class names stay readable; source maps map back to src/): less to parse
// makes `import` faster (bench/RESULTS.md, S0). `npm run build` empties dist/.
const minify = { minifyWhitespace: true, minifySyntax: true };

export default defineConfig([
  // ESM: shared chunks, so 'h5kit', 'h5kit/read' and 'h5kit/node' use the same
  // classes in one process and 'h5kit/read' loads only the reading code.
  {
    entry,
    format: ['esm'],
    dts: true,
    sourcemap: true,
    target: 'es2022',
    ...minify,
    splitting: true,
  },
  // CommonJS: one self-contained file per entry.
  {
    entry,
    format: ['cjs'],
    dts: true,
    sourcemap: true,
    target: 'es2022',
    ...minify,
    splitting: false,
  },
  {
    entry: { 'node/cli': 'src/node/cli.ts' },
    format: ['esm'],
    // One file: the on-demand readers' dynamic import() is inlined, not split out.
    splitting: false,
    target: 'es2022',
    banner: { js: '#!/usr/bin/env node' },
  },
]);
