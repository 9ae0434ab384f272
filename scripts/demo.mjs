#!/usr/bin/env node
// The main job end to end: write a small tree with the library, read it back,
// then list and dump it with the CLI.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFile, openFile, dtypeString } from '../dist/node/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'node', 'cli.js');
const path = join(mkdtempSync(join(tmpdir(), 'h5kit-demo-')), 'demo.h5');

const w = createFile(path);
w.attrs.set('title', 'h5kit demo');
const run = w.createGroup('/experiments/run1');
run.createDataset('temperature', {
  data: Float32Array.from({ length: 24 * 60 }, (_, i) => 20 + 5 * Math.sin(i / 100)),
  shape: [24, 60],
  chunks: [6, 60],
  compression: 'gzip',
  shuffle: true,
});
run.createDataset('labels', { data: ['morning', 'noon', 'night'] });
run.attrs.set('operator', 'ada');
w.close();

const f = openFile(path);
const ds = f.get('/experiments/run1/temperature');
console.log(`${ds.name}: shape ${JSON.stringify(ds.shape)}, chunks ${JSON.stringify(ds.chunks)}, ${dtypeString(ds.dtype)}, filters ${ds.filters.map((x) => x.name).join('+')}`);
console.log('first hour, every 15 minutes:', Array.from(ds.read([0, [0, null, 15]]), (v) => v.toFixed(3)).join(' '));
f.close();

console.log(`\n$ h5kit ls ${path}`);
console.log(execFileSync(process.execPath, [cli, 'ls', path], { encoding: 'utf8' }));
console.log(`$ h5kit dump --json ${path} | head -25`);
console.log(execFileSync(process.execPath, [cli, 'dump', '--json', path], { encoding: 'utf8' }).split('\n').slice(0, 25).join('\n'));
