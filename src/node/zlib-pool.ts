import { availableParallelism } from 'node:os';
import type { MessagePort, Worker } from 'node:worker_threads';
import { workerThreads, zlib } from './builtins.js';

/**
 * zlib on several threads behind a synchronous call: the chunks of one read
 * or write are split between the calling thread and worker threads, which
 * run node:zlib's deflateSync/inflateSync; the caller does its own share,
 * then blocks on a shared counter (Atomics.wait) until every worker has
 * answered, and takes the answers off the workers' ports without the event
 * loop (receiveMessageOnPort). h5kit's API stays synchronous and a batch
 * still uses every core.
 *
 * Workers start on the first batch big enough to pay for them and are
 * unref'd, so they never keep a process alive.
 */
export interface ZlibJob {
  readonly input: Uint8Array;
  /** deflate level, or the inflated size limit. */
  readonly param: number;
  /** inflate: the exact output size when known (a whole chunk), else -1. */
  readonly expected?: number;
}

/**
 * node:zlib's output buffer size for a job, 0 for its default. By default
 * node:zlib's sync calls collect 16 KiB pieces and concatenate them; one
 * buffer that fits the whole output skips that copy (measured: a 1 MiB
 * shuffled chunk inflates ~40% faster, a plain one ~10%). +1 so inflate
 * sees the stream end without asking for more room.
 */
function outputSize(op: 'deflate' | 'inflate', j: ZlibJob): number {
  const n = j.input.length;
  // zlib's deflateBound() for the default settings plus the zlib wrapper.
  if (op === 'deflate') return Math.max(64, n + (n >>> 12) + (n >>> 14) + (n >>> 25) + 19);
  return j.expected !== undefined && j.expected >= 0 ? Math.max(64, j.expected + 1) : 0;
}

/** Below this many input bytes in a batch, the calling thread does it all (a worker round trip costs ~0.1 ms). */
const MIN_PARALLEL_BYTES = 512 * 1024;

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const zlib = require('node:zlib');
const { port, done } = workerData;
// A batch: every input in one shared buffer; jobs are taken from a shared counter, so the
// calling thread and the workers share the work evenly whatever each job costs.
port.on('message', (m) => {
  const results = [];
  let error;
  for (;;) {
    const k = Atomics.add(m.next, 0, 1);
    if (k >= m.count) break;
    try {
      const input = new Uint8Array(m.inputs, m.offsets[k], m.offsets[k + 1] - m.offsets[k]);
      const opts = m.op === 'deflate' ? { level: m.params[k] } : { maxOutputLength: m.params[k] };
      if (m.sizes[k]) opts.chunkSize = m.sizes[k];
      const b = m.op === 'deflate' ? zlib.deflateSync(input, opts) : zlib.inflateSync(input, opts);
      results.push([k, new Uint8Array(b.buffer, b.byteOffset, b.byteLength)]);
    } catch (e) {
      error = { message: String(e && e.message), at: k };
      Atomics.store(m.next, 0, m.count); // stop everyone: the batch fails
    }
  }
  // Outputs are moved, not copied, to the caller: their buffers are transferred (an output may be
  // a view of a slightly larger buffer). Outputs under 4 KiB may share Buffer's pool: those are copied.
  const transfer = [...new Set(results.map((r) => r[1]).filter((o) => o.byteLength >= 4096).map((o) => o.buffer))];
  port.postMessage({ results, error }, transfer);
  Atomics.add(done, 0, 1);
  Atomics.notify(done, 0);
});
`;

interface Lane {
  readonly worker: Worker;
  readonly port: MessagePort;
}

let lanes: Lane[] | undefined;
let done: Int32Array | undefined;
let broken = false;

function workers(): Lane[] {
  if (lanes) return lanes;
  const n = Math.max(0, Math.min(7, availableParallelism() - 1));
  done = new Int32Array(new SharedArrayBuffer(4));
  lanes = [];
  for (let i = 0; i < n; i++) {
    const { MessageChannel, Worker } = workerThreads();
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { port: port2, done }, transferList: [port2] });
    worker.unref();
    port1.unref();
    lanes.push({ worker, port: port1 });
  }
  return lanes;
}

function runOne(op: 'deflate' | 'inflate', j: ZlibJob): Uint8Array {
  const size = outputSize(op, j);
  const chunk = size ? { chunkSize: size } : {};
  const z = zlib();
  const b = op === 'deflate' ? z.deflateSync(j.input, { level: j.param, ...chunk }) : z.inflateSync(j.input, { maxOutputLength: j.param, ...chunk });
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Thrown for the job that failed, with its index in the batch. */
export class ZlibJobError extends Error {
  constructor(
    message: string,
    readonly index: number,
  ) {
    super(message);
  }
}

/** Run the jobs, results in order; a failing job raises ZlibJobError naming it. */
export function zlibMany(op: 'deflate' | 'inflate', jobs: readonly ZlibJob[]): Uint8Array[] {
  let total = 0;
  for (const j of jobs) total += j.input.length;
  const pool = jobs.length > 1 && total >= MIN_PARALLEL_BYTES && !broken ? workers() : [];
  const out: Uint8Array[] = new Array(jobs.length);
  if (pool.length === 0) {
    jobs.forEach((j, k) => {
      try {
        out[k] = runOne(op, j);
      } catch (e) {
        throw new ZlibJobError((e as Error).message, k);
      }
    });
    return out;
  }
  // Inputs in one shared buffer, jobs handed out by a shared counter to the calling thread and the workers alike.
  const offsets = new Int32Array(jobs.length + 1);
  jobs.forEach((j, k) => (offsets[k + 1] = offsets[k] + j.input.length));
  const shared = new Uint8Array(new SharedArrayBuffer(Math.max(1, total)));
  jobs.forEach((j, k) => shared.set(j.input, offsets[k]));
  const next = new Int32Array(new SharedArrayBuffer(4));
  const params = jobs.map((j) => j.param);
  const sizes = jobs.map((j) => outputSize(op, j));
  Atomics.store(done!, 0, 0);
  for (const lane of pool) lane.port.postMessage({ op, inputs: shared.buffer, offsets, params, sizes, next, count: jobs.length });
  let failure: ZlibJobError | undefined;
  for (;;) {
    const k = Atomics.add(next, 0, 1);
    if (k >= jobs.length) break;
    try {
      out[k] = runOne(op, jobs[k]);
    } catch (e) {
      failure ??= new ZlibJobError((e as Error).message, k);
      Atomics.store(next, 0, jobs.length);
    }
  }
  for (;;) {
    const now = Atomics.load(done!, 0);
    if (now >= pool.length) break;
    if (Atomics.wait(done!, 0, now, 60_000) === 'timed-out') {
      broken = true; // a worker died: never use the pool again in this process
      throw new Error('zlib worker threads stopped answering');
    }
  }
  for (const lane of pool) {
    const msg = workerThreads().receiveMessageOnPort(lane.port)?.message as { results: [number, Uint8Array][]; error?: { message: string; at: number } } | undefined;
    if (!msg) {
      failure ??= new ZlibJobError('no answer from a zlib worker', 0);
      continue;
    }
    if (msg.error) failure ??= new ZlibJobError(msg.error.message, msg.error.at);
    for (const [k, o] of msg.results) out[k] = o;
  }
  if (failure) throw failure;
  return out;
}
