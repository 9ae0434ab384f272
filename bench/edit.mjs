#!/usr/bin/env node
// In-place editing and repack (issue: edit existing files): `node bench/edit.mjs`
// after `npm run build`. Prints a markdown section; bench/run.mjs embeds it
// in RESULTS.md.
//
// 1. A 1 GiB file written by h5py (one contiguous float64 dataset plus 100
//    small groups): add a 1 KiB dataset in place with editFile() and with
//    save(); time (median of 7) and bytes written (counted at the sink).
// 2. Replace the same key 1,000 times (save with override) in a small file;
//    the file size after, after repack, and of a fresh write of the same content.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DATA, PYTHON } from './lib/config.mjs';
import { h5kitUrl } from './lib/h5kit-dist.mjs';

const h5kit = await import(h5kitUrl('node/index.js'));
const { EditableFile, FileSink, save, load, repackFile } = h5kit;

const dir = join(DATA, 'edit');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const fmtBytes = (n) => n.toLocaleString('en-US');

// ---------------------------------------------------------------- 1 GiB file
const big = join(dir, 'big.h5');
const py = spawnSync(PYTHON, ['-c', `
import h5py, numpy as np, sys
with h5py.File(sys.argv[1], 'w') as f:
    d = f.create_dataset('data', shape=(134217728,), dtype='<f8')
    block = np.arange(8388608, dtype='<f8')
    for i in range(16):
        d[i * 8388608:(i + 1) * 8388608] = block + i
    for g in range(100):
        f.create_group(f'g{g:03d}').attrs['n'] = g
`, big], { encoding: 'utf8' });
if (py.status !== 0) throw new Error(`h5py could not write the 1 GiB file: ${py.stderr}`);
const bigSize = statSync(big).size;

/** A FileSink that counts what it writes. */
class CountingSink extends FileSink {
  written = 0;
  writes = 0;
  write(offset, bytes) {
    this.written += bytes.length;
    this.writes++;
    super.write(offset, bytes);
  }
}

const value = Float64Array.from({ length: 128 }, (_, i) => i / 3); // 1 KiB
const addRuns = [];
const saveRuns = [];
let written = 0;
let writes = 0;
for (let r = 0; r < 8; r++) {
  const sink = new CountingSink(big, 'r+');
  const t0 = performance.now();
  const f = EditableFile.open(sink);
  f.createDataset(`added/e${r}`, { data: value });
  f.close();
  const ms = performance.now() - t0;
  if (r > 0) addRuns.push(ms); // the first run warms up the JIT
  written = sink.written;
  writes = sink.writes;
  const t1 = performance.now();
  save(big, value, { key: `saved/s${r}` });
  if (r > 0) saveRuns.push(performance.now() - t1);
}
const grown = statSync(big).size - bigSize;
const check = load(big, { key: 'saved/s3' });
if (check.length !== 128 || check[5] !== value[5]) throw new Error('the saved value does not read back');
const h5pyCheck = spawnSync(PYTHON, ['-c', `
import h5py, sys, numpy as np
with h5py.File(sys.argv[1], 'r') as f:
    assert f['data'].shape == (134217728,) and f['data'][-1] == 8388607 + 15
    assert len(f['added']) == 8 and len(f['saved']) == 8 and np.allclose(f['added/e7'][()], np.arange(128) / 3)
print('ok')
`, big], { encoding: 'utf8' });
if (h5pyCheck.stdout.trim() !== 'ok') throw new Error(`h5py check of the edited 1 GiB file failed: ${h5pyCheck.stderr}`);
rmSync(big, { force: true });

// ---------------------------------------------------------------- 1,000 replaces
const base = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, Float64Array.from({ length: 64 }, (_, j) => i + j)]));
const rep = join(dir, 'replace.h5');
save(rep, base);
const startSize = statSync(rep).size;
const t2 = performance.now();
for (let i = 0; i < 1000; i++) save(rep, Float64Array.from({ length: 128 }, (_, j) => i + j), { key: 'k', override: true });
const replaceMs = performance.now() - t2;
const afterSize = statSync(rep).size;
const packed = join(dir, 'replace-repacked.h5');
const t3 = performance.now();
repackFile(rep, packed);
const repackMs = performance.now() - t3;
const fresh = join(dir, 'fresh.h5');
save(fresh, { ...base, k: Float64Array.from({ length: 128 }, (_, j) => 999 + j) });
const packedSize = statSync(packed).size;
const freshSize = statSync(fresh).size;
const same = JSON.stringify(Array.from(load(packed).k)) === JSON.stringify(Array.from(load(fresh).k));
if (!same) throw new Error('repacked content differs from the fresh write');
rmSync(dir, { recursive: true, force: true });

console.log(`| Case | result |
|---|---|
| add a 1 KiB dataset to a ${(bigSize / 2 ** 30).toFixed(2)} GiB h5py file: \`editFile\` + \`createDataset\` + \`close\` | ${median(addRuns).toFixed(1)} ms (median of ${addRuns.length}); ${fmtBytes(written)} bytes in ${writes} writes |
| the same through \`save(path, value, { key })\` (direct mode) | ${median(saveRuns).toFixed(1)} ms (median of ${saveRuns.length}) |
| file growth after those 16 additions | ${fmtBytes(grown)} bytes |
| replace one key 1,000 times (\`save(..., { override: true })\`), file of 20 keys | ${fmtBytes(startSize)} → ${fmtBytes(afterSize)} bytes (${((afterSize - startSize) / 1000).toFixed(0)} bytes per replace); ${(replaceMs / 1000).toFixed(2)} ms per replace |
| \`repackFile\` of that file | ${fmtBytes(packedSize)} bytes in ${repackMs.toFixed(1)} ms; a fresh write of the same content: ${fmtBytes(freshSize)} bytes (repack ${(100 * (packedSize / freshSize - 1)).toFixed(2)} % off) |

An edit appends the new objects and copies of their parents up to the root, then rewrites the superblock: it never reads or rewrites the 1 GiB of raw data. Superseded copies are not reused (they stay reachable from the old superblock until the commit, and h5kit keeps no persistent free-space map), so each replace grows the file by the new value plus the copied path; \`h5kit repack\` (or \`repackFile\`) writes only what is reachable. The edited 1 GiB file was checked with h5py.`);
