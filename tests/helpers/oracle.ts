import { spawnSync } from 'node:child_process';

/**
 * The reference implementation: h5py on Debian's libhdf5 (`/usr/bin/python3`)
 * and `h5dump`. Interop tests need it; under CI=true its absence is a failure,
 * elsewhere those tests are skipped.
 */
export const PYTHON = '/usr/bin/python3';

let cached: string | null | undefined;

/** Why the oracle is unavailable, or null when it is there. */
export function oracleMissing(): string | null {
  if (cached !== undefined) return cached;
  const py = spawnSync(PYTHON, ['-c', 'import h5py, numpy'], { encoding: 'utf8' });
  const dump = spawnSync('h5dump', ['--version'], { encoding: 'utf8' });
  cached =
    py.status !== 0 ? `${PYTHON} with h5py is not available (${py.error?.message ?? py.stderr.trim()})` : dump.status !== 0 ? 'h5dump is not available' : null;
  return cached;
}

/** True when interop tests must run: the oracle exists, or CI demands it (then they fail loudly). */
export function oracleRequired(): boolean {
  return oracleMissing() === null || process.env.CI === 'true';
}

export function assertOracle(): void {
  const why = oracleMissing();
  if (why) throw new Error(`the HDF5 oracle is required under CI=true: ${why} (apt-get install hdf5-tools python3-h5py)`);
}

export function runPython(args: string[], input?: string): string {
  assertOracle();
  const r = spawnSync(PYTHON, args, { encoding: 'utf8', input, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${PYTHON} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

export function h5dump(args: string[]): { status: number | null; stdout: string; stderr: string } {
  assertOracle();
  const r = spawnSync('h5dump', args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
