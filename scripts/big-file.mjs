#!/usr/bin/env node
// Opt-in check (npm run test:big): write an HDF5 file larger than 4 GiB chunk
// by chunk with h5kit's Node sink, holding one chunk in memory at a time, then
// have h5py (and h5kit) read values from both ends. Needs ~5 GB of free disk.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFile, openFile } from '../dist/node/index.js';

const CHUNK = 1 << 20; // float64 elements per chunk (8 MiB)
const CHUNKS = 600; // 600 × 8 MiB = 4.7 GiB
const dir = mkdtempSync(join(tmpdir(), 'h5kit-big-'));
const path = join(dir, 'big.h5');
const value = (i) => (i % 1_000_003) * 0.5;

try {
  const t0 = Date.now();
  const f = createFile(path);
  const ds = f.createDataset('data', { shape: [CHUNK * CHUNKS], dtype: '<f8', chunks: [CHUNK] });
  const buf = new Float64Array(CHUNK);
  let peak = 0;
  for (let c = 0; c < CHUNKS; c++) {
    for (let i = 0; i < CHUNK; i++) buf[i] = value(c * CHUNK + i);
    ds.write(buf, [[c * CHUNK, (c + 1) * CHUNK]]);
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  f.close();
  const size = statSync(path).size;
  console.log(`wrote ${(size / 2 ** 30).toFixed(2)} GiB in ${((Date.now() - t0) / 1000).toFixed(1)} s, peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB`);
  if (size <= 4 * 2 ** 30) throw new Error('file is not larger than 4 GiB');

  const last = CHUNK * CHUNKS;
  const picks = [0, 1, CHUNK - 1, last - CHUNK - 1, last - 2, last - 1];
  const want = picks.map(value);
  const r = openFile(path);
  const got = picks.map((i) => r.get('/data').read([[i, i + 1]])[0]);
  r.close();
  if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`h5kit read ${got}, expected ${want}`);
  const py = spawnSync('/usr/bin/python3', ['-c', `import h5py,json,sys; d=h5py.File(sys.argv[1])['data']; print(json.dumps([float(d[i]) for i in json.loads(sys.argv[2])]))`, path, JSON.stringify(picks)], { encoding: 'utf8' });
  if (py.status !== 0) throw new Error(py.stderr);
  if (JSON.stringify(JSON.parse(py.stdout)) !== JSON.stringify(want)) throw new Error(`h5py read ${py.stdout}, expected ${want}`);
  console.log('h5py and h5kit read the expected values at both ends: ok');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
