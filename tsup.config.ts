import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: { index: 'src/index.ts', 'node/index': 'src/node/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    splitting: false,
  },
  {
    entry: { 'node/cli': 'src/node/cli.ts' },
    format: ['esm'],
    target: 'es2022',
    banner: { js: '#!/usr/bin/env node' },
  },
]);
