import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { assertOracle, PYTHON } from '../helpers/oracle.js';

/** The editing tests' h5py oracle: descriptions (tests/fixtures/describe.py) of many files in one process. */
export const FIXTURES = join(__dirname, '..', 'fixtures');
const DESCRIBE_MANY = join(__dirname, 'describe_many.py');

export type Entry = { path: string; kind: string; info?: Record<string, unknown>; attrs?: { name: string; value?: unknown }[]; children?: string[]; [k: string]: unknown };
export interface Described {
  hash?: string;
  error?: string;
  entries?: Entry[];
}

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, 'edit', name)));
}

/**
 * h5py's view of each file: a hash of its canonical description, the
 * description itself with `full`, or the error. `beside` are files copied
 * next to them (external raw data named by the files).
 */
export function describeMany(files: Uint8Array[], full = false, beside: string[] = []): Described[] {
  if (!files.length) return [];
  const dir = mkdtempSync(join(tmpdir(), 'h5kit-edit-'));
  try {
    for (const b of beside) copyFileSync(b, join(dir, b.slice(b.lastIndexOf('/') + 1)));
    const paths = files.map((b, i) => {
      const p = join(dir, `f${i}.h5`);
      writeFileSync(p, b);
      return p;
    });
    assertOracle();
    // From the files' folder: libhdf5 resolves external raw-data names against the working directory.
    const r = spawnSync(PYTHON, [DESCRIBE_MANY, ...(full ? ['--full'] : []), ...paths], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error(`describe_many.py failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as Described[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function describe1(bytes: Uint8Array): Entry[] {
  const [d] = describeMany([bytes], true);
  if (d.error) throw new Error(`h5py cannot read the file: ${d.error}`);
  return d.entries!;
}

/** Paths whose description differs (added, removed or changed). */
export function changedPaths(before: Entry[], after: Entry[]): string[] {
  const a = new Map(before.map((e) => [e.path, JSON.stringify(e)]));
  const b = new Map(after.map((e) => [e.path, JSON.stringify(e)]));
  return [...new Set([...a.keys(), ...b.keys()])].filter((p) => a.get(p) !== b.get(p)).sort();
}

export function entry(entries: Entry[], path: string): Entry {
  const e = entries.find((x) => x.path === path);
  if (!e) throw new Error(`no entry ${path}`);
  return e;
}
