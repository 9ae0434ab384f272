import { openFile } from '../dist/node/index.js';
const p = 'bench/data/ref-w5-many.h5';
const ts = [];
for (let i = 0; i < 16; i++) { const t0 = performance.now(); const f = openFile(p); const k = f.keys(); f.close(); ts.push(performance.now() - t0); }
ts.shift(); ts.sort((a, b) => a - b);
console.log(ts[7].toFixed(3));
