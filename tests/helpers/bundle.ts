import { buildSync } from 'esbuild';
import { join } from 'node:path';

/**
 * Bundle a TypeScript entry (and the h5kit sources it imports) into one
 * ESM file a plain `node` child process can run, in `outDir`. Tests that
 * spawn processes use it instead of depending on a prior `npm run build`.
 */
export function bundleEntry(entry: string, outDir: string): string {
  const outfile = join(outDir, 'entry.mjs');
  buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node18', outfile, logLevel: 'error' });
  return outfile;
}
