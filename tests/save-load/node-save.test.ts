import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { H5KeyExistsError, H5LockTimeoutError, H5TypeError, H5ValueError, load, save } from '../../src/node/index.js';
import { FileLock } from '../../src/node/lock.js';
import { bundleEntry } from '../helpers/bundle.js';
import { oracleRequired, runPython } from '../helpers/oracle.js';
import { keyValue } from './children/values.js';

const dir = mkdtempSync(join(tmpdir(), 'h5kit-nsave-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = (name = 'f') => join(dir, `${name}-${n++}.h5`);

describe('save(path) into new and existing files', () => {
  for (const mode of [{}, { atomic: true }, { lock: true }, { lock: true, atomic: true }]) {
    it(`adds keys, refuses clashes, overrides (${JSON.stringify(mode)})`, () => {
      const p = fresh();
      save(p, { a: new Float64Array([1, 2, 3]), g: { s: 'hi' } }, mode);
      save(p, { b: 5n }, mode);
      save(p, new Map([['x', true]]), { ...mode, key: 'g/m' });
      const before = readFileSync(p);
      expect(() => save(p, { a: 1 }, mode)).toThrow(H5KeyExistsError);
      expect(() => save(p, 1, { ...mode, key: 'g/s' })).toThrow(/"\/g\/s" already exists/);
      expect(() => save(p, 1, { ...mode, key: 'a/x' })).toThrow(H5ValueError); // a dataset on the path
      expect(() => save(p, { f: () => 1 }, mode)).toThrow(H5TypeError);
      expect(readFileSync(p).equals(before)).toBe(true);
      save(p, { a: 'replaced', g: { t: [1, 'x'] } }, { ...mode, override: true });
      expect(load(p)).toEqual({ a: 'replaced', b: 5n, g: { t: [1, 'x'] } });
      expect(existsSync(`${p}.lock`)).toBe(false);
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    });
  }

  it('a non-group value without key goes to /data and loads back as itself', () => {
    const p = fresh();
    save(p, 42);
    expect(load(p)).toBe(42);
    save(p, 43, { override: true });
    expect(load(p)).toBe(43);
    save(p, { other: 1 });
    expect(load(p)).toEqual({ data: 43, other: 1 });
  });
});

describe('lock', () => {
  it('times out with H5LockTimeoutError while another holder is alive', () => {
    const p = fresh();
    const held = FileLock.acquire(p);
    try {
      const t0 = Date.now();
      expect(() => save(p, { a: 1 }, { lock: true, lockTimeout: 150 })).toThrow(H5LockTimeoutError);
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(existsSync(p)).toBe(false);
    } finally {
      held.release();
    }
    expect(existsSync(`${p}.lock`)).toBe(false);
  });

  it('breaks the lock of a dead process', () => {
    const p = fresh();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(`${p}.lock`, JSON.stringify({ pid: Number(dead.stdout), host: hostname(), time: Date.now(), nonce: 'x' }));
    save(p, { a: 1 }, { lock: true, lockTimeout: 2000 });
    expect(load(p)).toEqual({ a: 1 });
    expect(existsSync(`${p}.lock`)).toBe(false);
  });

  it('breaks a lock older than lockStale, whoever holds it', () => {
    const p = fresh();
    writeFileSync(`${p}.lock`, JSON.stringify({ pid: process.ppid, host: 'elsewhere', time: 0, nonce: 'y' }));
    const old = new Date(Date.now() - 120_000);
    utimesSync(`${p}.lock`, old, old);
    save(p, { a: 1 }, { lock: true, lockTimeout: 2000, lockStale: 60_000 });
    expect(load(p)).toEqual({ a: 1 });
  });

  it('the lock is released when the save throws', () => {
    const p = fresh();
    save(p, { a: 1 });
    expect(() => save(p, { a: 2 }, { lock: true })).toThrow(H5KeyExistsError);
    expect(existsSync(`${p}.lock`)).toBe(false);
  });
});

/** Spawn the bundled saver child; resolves with its "done" count and exit signal. */
function runSaver(entry: string, args: string[], killAfterMs?: number): Promise<{ done: number; code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let armed = false;
    child.stdout.on('data', (d) => {
      out += d;
      if (killAfterMs !== undefined && out.startsWith('ready\n') && !armed) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), Math.random() * killAfterMs);
      }
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ done: (out.match(/^done /gm) ?? []).length, code, signal, stderr: err }));
  });
}

async function pool<T>(jobs: (() => Promise<T>)[], width: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]();
      }
    }),
  );
  return out;
}

describe('several processes', () => {
  let entry: string;
  beforeAll(() => {
    entry = bundleEntry(join(__dirname, 'children', 'saver.ts'), mkdtempSync(join(dir, 'bundle-')));
  });

  it('8 processes × 50 saves with lock: true → all 400 keys present and correct', async () => {
    const p = fresh('multi');
    const opts = JSON.stringify({ lock: true, lockTimeout: 60_000 });
    const results = await Promise.all(Array.from({ length: 8 }, (_, w) => runSaver(entry, [p, `p${w}`, '0', '50', opts])));
    for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0, done: 50 });
    const tree = load(p) as Record<string, Record<string, unknown>>;
    for (let w = 0; w < 8; w++) {
      expect(Object.keys(tree[`p${w}`]).length).toBe(50);
      for (let i = 0; i < 50; i++) expect(isDeepStrictEqual(tree[`p${w}`][`k${i}`], keyValue(`p${w}`, i))).toBe(true);
    }
    if (oracleRequired()) {
      const groups = Object.fromEntries(Array.from({ length: 8 }, (_, w) => [`p${w}`, [50]]));
      const [r] = JSON.parse(runPython([join(__dirname, 'check_saves.py')], JSON.stringify([{ file: p, groups }])));
      expect(r.detail).toBeNull();
    }
  }, 120_000);

  it('killed at random points during atomic saves (200 trials) → the old or the new content, never a broken file', async () => {
    const base = fresh('base');
    save(base, keyValue('s', 0), { key: 's/k0' });
    const trials = Array.from({ length: 200 }, (_, t) => join(dir, `crash-${t}.h5`));
    const runs = await pool(
      trials.map((file) => async () => {
        copyFileSync(base, file);
        const r = await runSaver(entry, [file, 's', '1', '1000', JSON.stringify({ atomic: true })], 150);
        return { file, ...r };
      }),
      8,
    );
    // A kill can land before the first save, between saves, or inside one: then the file holds the keys
    // saved so far, or one more (the save was committed but "done" was not printed yet).
    const killed = runs.filter((r) => r.signal === 'SIGKILL').length;
    expect(killed).toBe(200);
    const grown = runs.filter((r) => statSync(r.file).size > statSync(base).size).length;
    const saves = runs.reduce((a, r) => a + r.done, 0);
    console.log(`crash trials: ${grown}/200 killed after the first write, ${saves} saves completed in all`);
    expect(grown).toBeGreaterThan(100); // the kills land inside and between saves, not only before the first
    for (const r of runs) {
      const keys = Object.keys((load(r.file) as { s: object }).s).length;
      expect([r.done + 1, r.done + 2], r.file).toContain(keys);
    }
    if (oracleRequired()) {
      const cases = runs.map((r) => ({ file: r.file, groups: { s: [r.done + 1, r.done + 2] } }));
      const bad = (JSON.parse(runPython([join(__dirname, 'check_saves.py')], JSON.stringify(cases))) as { ok: boolean }[]).filter((c) => !c.ok);
      expect(bad).toEqual([]);
    }
  }, 300_000);
});
