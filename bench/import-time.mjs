// Import time of one library in this fresh process, in ms, printed as JSON:
//   node bench/import-time.mjs <h5kit|h5kit-read|h5kit-node|h5wasm|jsfive>
// h5wasm counts until `ready` resolves (its WASM is compiled and instantiated
// then; nothing works before).
import { performance } from 'node:perf_hooks';
import { h5kitUrl } from './lib/h5kit-dist.mjs';

const which = process.argv[2];
const t0 = performance.now();
if (which === 'h5kit') await import(h5kitUrl('index.js'));
else if (which === 'h5kit-read') await import(h5kitUrl('read.js'));
else if (which === 'h5kit-node') await import(h5kitUrl('node/index.js'));
else if (which === 'h5wasm') await (await import('h5wasm/node')).default.ready;
else if (which === 'jsfive') await import('jsfive');
else throw new Error(`unknown library ${which}`);
const ms = performance.now() - t0;
console.log(JSON.stringify({ which, ms, sinceProcessStartMs: performance.now() }));
