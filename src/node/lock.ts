import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { H5LockTimeoutError } from '../errors.js';

/**
 * An exclusive advisory lock beside a file (`<path>.lock`), for several
 * processes saving into one HDF5 file. The lock file is created with
 * O_CREAT|O_EXCL, which is atomic on local file systems and NFSv3+, and holds
 * who took it: `{ pid, host, time, nonce }`.
 *
 * A lock is stale, and is broken, when its process is gone (same host, the
 * pid no longer exists) or when it is older than `stale` milliseconds (a
 * process on another host, or one that hangs). Breaking renames the lock
 * away first, so that of several processes breaking it at once exactly one
 * succeeds; whoever renamed a lock that turns out to be fresh (taken between
 * the check and the rename) puts it back.
 */
export interface LockOptions {
  /** Give up with H5LockTimeoutError after this many milliseconds (default 30 000). */
  readonly lockTimeout?: number;
  /** A lock older than this many milliseconds is stale (default 60 000). */
  readonly lockStale?: number;
}

interface Owner {
  pid: number;
  host: string;
  time: number;
  nonce: string;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleep(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function readOwner(lockPath: string): { owner?: Owner; text: string; mtime: number } | undefined {
  try {
    const mtime = statSync(lockPath).mtimeMs;
    const text = readFileSync(lockPath, 'utf8');
    let owner: Owner | undefined;
    try {
      owner = JSON.parse(text) as Owner;
    } catch {
      owner = undefined; // being written right now, or garbage: only age can make it stale
    }
    return { owner, text, mtime };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isStale(info: { owner?: Owner; mtime: number }, staleMs: number): boolean {
  if (Date.now() - info.mtime > staleMs) return true;
  const o = info.owner;
  return !!o && o.host === hostname() && o.pid !== process.pid && !alive(o.pid);
}

/** Remove a stale lock unless someone replaced it meanwhile. */
function breakLock(lockPath: string, judged: string): void {
  const aside = `${lockPath}.broken-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    renameSync(lockPath, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else broke it
    throw e;
  }
  let text = '';
  try {
    text = readFileSync(aside, 'utf8');
  } catch {
    /* gone: nothing to restore */
  }
  if (text !== judged) {
    // A fresh lock was taken between our check and the rename: give it back (link fails if a newer one exists).
    try {
      linkSync(aside, lockPath);
    } catch {
      /* a newer lock exists */
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    /* already gone */
  }
}

export class FileLock {
  private constructor(
    readonly lockPath: string,
    private readonly text: string,
  ) {}

  /** Take the lock beside `path`, waiting with bounded exponential backoff. */
  static acquire(path: string, options: LockOptions = {}): FileLock {
    const lockPath = `${path}.lock`;
    const timeout = options.lockTimeout ?? 30_000;
    const staleMs = options.lockStale ?? 60_000;
    const start = Date.now();
    let delay = 2;
    for (;;) {
      const owner: Owner = { pid: process.pid, host: hostname(), time: Date.now(), nonce: Math.random().toString(36).slice(2) };
      const text = JSON.stringify(owner);
      let fd: number | undefined;
      try {
        fd = openSync(lockPath, 'wx');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      if (fd !== undefined) {
        try {
          writeSync(fd, text);
        } finally {
          closeSync(fd);
        }
        return new FileLock(lockPath, text);
      }
      const info = readOwner(lockPath);
      if (info && isStale(info, staleMs)) {
        breakLock(lockPath, info.text);
        continue;
      }
      const waited = Date.now() - start;
      if (waited >= timeout) {
        const who = info?.owner ? `process ${info.owner.pid} on ${info.owner.host}` : 'another process';
        throw new H5LockTimeoutError(`could not lock ${path} within ${timeout} ms: ${lockPath} is held by ${who}`);
      }
      // Full jitter keeps waiting processes from retrying in lockstep.
      sleep(Math.min(timeout - waited, 1 + Math.random() * delay));
      delay = Math.min(delay * 2, 250);
    }
  }

  /** Release the lock if it is still ours (a lock broken as stale and retaken by another process is left alone). */
  release(): void {
    try {
      if (readFileSync(this.lockPath, 'utf8') === this.text) unlinkSync(this.lockPath);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
}

/** Run `fn` holding the lock beside `path`; the lock is released even when `fn` throws. */
export function withLock<T>(path: string, options: LockOptions, fn: () => T): T {
  const lock = FileLock.acquire(path, options);
  try {
    return fn();
  } finally {
    lock.release();
  }
}
