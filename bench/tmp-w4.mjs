import { openFile } from '../dist/node/index.js';
const p = 'bench/data/ref-w3-gzip-shuffle.h5';
for (let i = 0; i < 4; i++) {
  globalThis.gc?.();
  const t0 = performance.now();
  const f = openFile(p);
  const ds = f.get(Object.keys ? '/data' : '');
  const t1 = performance.now();
  const a = ds.read();
  const t2 = performance.now();
  f.close();
  console.log(`open ${(t1 - t0).toFixed(1)} read ${(t2 - t1).toFixed(1)}`);
}
