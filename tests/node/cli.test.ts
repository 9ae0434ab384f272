import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/fixtures.js';

// The CLI runs from the TypeScript sources through vitest's node loader would
// need a build; use the built CLI when present, else build it once.
const root = join(__dirname, '..', '..');
const cli = join(root, 'dist', 'node', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'h5kit-cli-'));

beforeAll(() => {
  const r = spawnSync('npx', ['tsup'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build failed: ${r.stderr}`);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
}

describe('h5kit CLI', () => {
  it('ls lists objects with shapes and types', () => {
    const r = run('ls', join(FIXTURES, 'classic', 'groups.h5'));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\/a\/b\/c\/leaf\s+Dataset \{3\}/m);
    expect(r.stdout).toMatch(/^\/links\/soft_abs\s+Soft Link/m);
  });

  it('dump --json prints the h5-expected/1 description', () => {
    const path = join(FIXTURES, 'classic', 'dataspaces.h5');
    const r = run('dump', '--json', path);
    expect(r.status).toBe(0);
    const expected = JSON.parse(readFileSync(path + '.json', 'utf8'));
    expect(JSON.parse(r.stdout).map((e: { path: string }) => e.path)).toEqual(expected.map((e: { path: string }) => e.path));
  });

  it('rejects damaged files with a typed error, exit 1 and no stack trace', () => {
    const orig = readFileSync(join(FIXTURES, 'classic', 'groups.h5'));
    const cases: Record<string, Uint8Array> = {
      'not-hdf5.h5': new TextEncoder().encode('hello world'),
      'truncated.h5': orig.subarray(0, 700),
      'bad-root.h5': (() => {
        const b = Uint8Array.from(orig);
        b.fill(0xee, 96, 400);
        return b;
      })(),
    };
    for (const [name, bytes] of Object.entries(cases)) {
      const p = join(dir, name);
      writeFileSync(p, bytes);
      const r = run('dump', '--json', p);
      expect(r.status, name).toBe(1);
      expect(r.stderr, name).toMatch(/^h5kit: H5\w+Error: /);
      expect(r.stderr, name).not.toMatch(/\n\s+at /);
    }
  });

  it('get prints a value as JSON', () => {
    const r = run('get', join(FIXTURES, 'classic', 'layouts.h5'), '/contiguous');
    expect(r.status, r.stderr).toBe(0);
    const v = JSON.parse(r.stdout);
    const expected = JSON.parse(readFileSync(join(FIXTURES, 'classic', 'layouts.h5.json'), 'utf8')).find((e: { path: string }) => e.path === '/contiguous');
    expect(v.shape).toEqual(expected.shape);
    expect(v.data).toEqual(expected.values.flat());
    const groups = run('get', join(FIXTURES, 'classic', 'groups.h5'), '/a');
    expect(groups.status, groups.stderr).toBe(0);
    expect(groups.stdout).toContain('[cycle: an ancestor group]');
  });

  it('prints usage for bad arguments', () => {
    expect(run('frobnicate').status).toBe(2);
  });
});
