// bench/ runs only under `npm run bench` (not in CI: it takes minutes), so a
// script that no longer parses would only show up there. Every bench script
// must parse, and every workload with a target must have its explanation
// ready in bench/notes.mjs for when it misses.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const BENCH = join(__dirname, '../../bench');
const scripts = [...readdirSync(BENCH).map((f) => join(BENCH, f)), ...readdirSync(join(BENCH, 'lib')).map((f) => join(BENCH, 'lib', f)), ...readdirSync(join(BENCH, 'tools')).map((f) => join(BENCH, 'tools', f))].filter((f) => f.endsWith('.mjs'));

describe('bench scripts', () => {
  it.each(scripts.map((f) => [f.slice(BENCH.length + 1), f]))('%s parses', (_, file) => {
    const r = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('every target has a note', async () => {
    // Untyped .mjs: loaded by path so the type checker does not need declarations for them.
    const load = (rel: string) => import(pathToFileURL(join(BENCH, rel)).href);
    const { NOTES } = (await load('notes.mjs')) as { NOTES: Record<string, unknown> };
    const { TARGETS } = (await load('lib/config.mjs')) as { TARGETS: Record<string, number> };
    for (const id of [...Object.keys(TARGETS), 'S0', 'bundle-read', 'bundle-full']) expect(typeof NOTES[id], id).toBe('string');
  });
});
