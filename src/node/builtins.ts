import { createRequire } from 'node:module';
import type * as WorkerThreads from 'node:worker_threads';
import type * as Zlib from 'node:zlib';

/**
 * Node built-ins that h5kit/node loads on first use instead of at import:
 * node:zlib and node:worker_threads cost ~1 ms each to import (bench/RESULTS.md,
 * S0), and a process that never reads or writes deflate data needs neither.
 */
const requireBuiltin = createRequire(`${process.cwd()}/`); // built-ins resolve from any directory

let zlibModule: typeof Zlib | undefined;
let threadsModule: typeof WorkerThreads | undefined;

export function zlib(): typeof Zlib {
  return (zlibModule ??= requireBuiltin('node:zlib') as typeof Zlib);
}

export function workerThreads(): typeof WorkerThreads {
  return (threadsModule ??= requireBuiltin('node:worker_threads') as typeof WorkerThreads);
}
