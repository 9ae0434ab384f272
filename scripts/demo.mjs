#!/usr/bin/env node
// The main job end to end, on a fixture file made by h5py: open it with the
// library, read a dataset and an attribute, then list and dump it with the CLI.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openFile, dtypeString } from '../dist/node/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sample = join(root, 'tests', 'fixtures', 'classic', 'layouts.h5');
const cli = join(root, 'dist', 'node', 'cli.js');

const f = openFile(sample);
const ds = f.get('/chunked_2d_many');
console.log(`${ds.name}: shape ${JSON.stringify(ds.shape)}, chunks ${JSON.stringify(ds.chunks)}, dtype ${dtypeString(ds.dtype)}`);
console.log('rows 0-1, every 5th column:', Array.from(ds.read([[0, 2], [0, null, 5]])));
f.close();

console.log(`\n$ h5kit ls ${sample}`);
console.log(execFileSync(process.execPath, [cli, 'ls', sample], { encoding: 'utf8' }));
console.log(`$ h5kit dump --json ${sample} | head -30`);
console.log(execFileSync(process.execPath, [cli, 'dump', '--json', sample], { encoding: 'utf8' }).split('\n').slice(0, 30).join('\n'));
