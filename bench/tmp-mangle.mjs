import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
const names = readFileSync('/tmp/privs.txt', 'utf8').trim().split('\n');
for (const mangle of [false, true]) {
  const r = await build({ stdin: { contents: "import { open, Dataset } from './src/read.ts'; export function r(b,p,s){const o=open(b).get(p); if(!(o instanceof Dataset)) throw 1; return o.read(s)}", resolveDir: '/work/main', loader: 'ts' }, bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent', ...(mangle ? { mangleProps: new RegExp(`^(${names.join('|')})$`) } : {}) });
  const c = r.outputFiles[0].contents;
  console.log(mangle, c.length, gzipSync(c, { level: 9 }).length);
}
