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
  /** inflate: the output size when known or likely (a whole chunk), else -1; a wrong guess costs a copy, never an error. */
  readonly expected?: number;
  /**
   * Where the output should end up: an output of exactly this length is
   * copied there as soon as it is ready (while other jobs still run) and
   * the job's result is `into` itself; any other output is returned as is.
   */
  readonly into?: Uint8Array;
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
const { port, events } = workerData;
// Tell the calling thread a message is waiting (it blocks on this counter between messages).
const posted = () => { Atomics.add(events, 0, 1); Atomics.notify(events, 0); };
// A batch: every input in one shared buffer; jobs are taken from a shared counter, so the
// calling thread and the workers share the work evenly whatever each job costs. Each result is
// posted as soon as it is ready, so the caller can place it while the rest are still running.
port.on('message', (m) => {
  let error;
  for (;;) {
    const k = Atomics.add(m.next, 0, 1);
    if (k >= m.count) break;
    // Inputs the calling thread is still producing: wait until input k is (ready counts them).
    if (m.ready) for (let r = Atomics.load(m.ready, 0); r <= k; r = Atomics.load(m.ready, 0)) Atomics.wait(m.ready, 0, r);
    try {
      const input = new Uint8Array(m.inputs, m.spans[2 * k], m.spans[2 * k + 1] - m.spans[2 * k]);
      const opts = m.op === 'deflate' ? { level: m.params[k] } : { maxOutputLength: m.params[k] };
      if (m.sizes[k]) opts.chunkSize = m.sizes[k];
      const b = m.op === 'deflate' ? zlib.deflateSync(input, opts) : zlib.inflateSync(input, opts);
      // Moved, not copied: the buffer is transferred (the output may be a view of a slightly
      // larger one). Outputs under 4 KiB may share Buffer's pool: those are copied.
      const o = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
      port.postMessage({ k, o }, o.byteLength >= 4096 ? [o.buffer] : []);
      posted();
    } catch (e) {
      error = { message: String(e && e.message), at: k };
      Atomics.store(m.next, 0, m.count); // stop everyone: the batch fails
    }
  }
  port.postMessage({ end: true, error });
  posted();
});
`;

interface Lane {
  readonly worker: Worker;
  readonly port: MessagePort;
}

let lanes: Lane[] | undefined;
/** Messages posted by the workers, for the calling thread to block on. */
let events: Int32Array | undefined;
let broken = false;

function workers(): Lane[] {
  if (lanes) return lanes;
  const n = Math.max(0, Math.min(7, availableParallelism() - 1));
  events = new Int32Array(new SharedArrayBuffer(4));
  lanes = [];
  for (let i = 0; i < n; i++) {
    const { MessageChannel, Worker } = workerThreads();
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { port: port2, events }, transferList: [port2] });
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
  return place(j, new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
}

function place(j: ZlibJob, o: Uint8Array): Uint8Array {
  if (!j.into || j.into.length !== o.length) return o;
  j.into.set(o);
  return j.into;
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

/**
 * The shared buffer a batch's inputs live in, kept between batches: touching
 * fresh shared memory costs more than the copy itself (measured: ~23 ms of
 * page faults for 35 MB, against ~4 ms to copy into warm memory). Readers
 * can read stored chunks straight into it (sharedInputBuffer, offered by
 * the deflate filter as Filter.inputBuffer); zlibMany then skips the copy.
 * Released a few seconds after the last use, so an idle process does not
 * hold it. Its contents last until the next batch.
 */
let sharedInputs: Uint8Array | undefined;
let releaseTimer: ReturnType<typeof setTimeout> | undefined;
const SHARED_INPUTS_IDLE_MS = 3000;

export function sharedInputBuffer(bytes: number): Uint8Array {
  if (!sharedInputs || sharedInputs.length < bytes) {
    const rounded = Math.ceil(Math.max(1, bytes) / (1 << 20)) * (1 << 20);
    sharedInputs = new Uint8Array(new SharedArrayBuffer(rounded));
  }
  if (releaseTimer) clearTimeout(releaseTimer);
  releaseTimer = setTimeout(() => {
    sharedInputs = undefined;
    releaseTimer = undefined;
  }, SHARED_INPUTS_IDLE_MS);
  releaseTimer.unref();
  return sharedInputs;
}

/** Whether every input is already a view of one SharedArrayBuffer (then the workers read them where they are). */
function inOneSharedBuffer(jobs: readonly ZlibJob[]): SharedArrayBuffer | undefined {
  const b = jobs[0].input.buffer;
  if (!(b instanceof SharedArrayBuffer)) return undefined;
  return jobs.every((j) => j.input.buffer === b) ? b : undefined;
}

type WorkerMessage = { k: number; o: Uint8Array; end?: undefined } | { end: true; error?: { message: string; at: number } };

/**
 * Run the jobs, results in order; a failing job raises ZlibJobError naming
 * it. `then`, when given, is called on the calling thread with each output
 * as soon as it is in hand (after placing it in the job's `into`), and its
 * return value becomes the result; an error it throws stops the batch and
 * is rethrown once every worker has finished. `produce`, when given, fills
 * job k's input (then every input must be a view of one SharedArrayBuffer):
 * the calling thread produces them in order while the workers already run
 * the jobs produced, and joins them once all are.
 */
export function zlibMany(
  op: 'deflate' | 'inflate',
  jobs: readonly ZlibJob[],
  then?: (index: number, output: Uint8Array) => Uint8Array,
  produce?: (index: number) => void,
): Uint8Array[] {
  let total = 0;
  for (const j of jobs) total += j.input.length;
  const pool = jobs.length > 1 && total >= MIN_PARALLEL_BYTES && !broken ? workers() : [];
  const out: Uint8Array[] = new Array(jobs.length);
  if (pool.length === 0) {
    jobs.forEach((j, k) => {
      produce?.(k);
      let o: Uint8Array;
      try {
        o = runOne(op, j);
      } catch (e) {
        throw new ZlibJobError((e as Error).message, k);
      }
      out[k] = then ? then(k, o) : o;
    });
    return out;
  }
  // Inputs in one shared buffer (where the reader put them, else copied there), jobs handed out by a
  // shared counter to the calling thread and the workers alike. spans: start and end of input k.
  const spans = new Int32Array(2 * jobs.length);
  let inputs = inOneSharedBuffer(jobs);
  if (inputs) {
    jobs.forEach((j, k) => ((spans[2 * k] = j.input.byteOffset), (spans[2 * k + 1] = j.input.byteOffset + j.input.length)));
  } else {
    if (produce) throw new Error('zlibMany: inputs to be produced must be views of one SharedArrayBuffer');
    // The kept buffer is safe to reuse (every worker is done with a batch before zlibMany returns, or the
    // pool is never used again) unless some inputs are views of it: copying could overwrite them.
    const aliased = jobs.some((j) => sharedInputs !== undefined && j.input.buffer === sharedInputs.buffer);
    const shared = aliased ? new Uint8Array(new SharedArrayBuffer(Math.max(1, total))) : sharedInputBuffer(total);
    let at = 0;
    jobs.forEach((j, k) => {
      shared.set(j.input, at);
      spans[2 * k] = at;
      spans[2 * k + 1] = at += j.input.length;
    });
    inputs = shared.buffer as SharedArrayBuffer;
  }
  const next = new Int32Array(new SharedArrayBuffer(4));
  const params = jobs.map((j) => j.param);
  const sizes = jobs.map((j) => outputSize(op, j));
  const ready = produce ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
  for (const lane of pool) lane.port.postMessage({ op, inputs, spans, params, sizes, next, ready, count: jobs.length });
  let failed = false;
  let failure: unknown;
  let ended = 0;
  const stop = (e: unknown) => {
    if (!failed) [failed, failure] = [true, e];
    Atomics.store(next, 0, jobs.length); // nobody takes another job
  };
  const finish = (k: number, o: Uint8Array) => {
    if (failed) return;
    try {
      out[k] = then ? then(k, o) : o;
    } catch (e) {
      stop(e);
    }
  };
  // Take whatever the workers have posted, placing each result as it comes.
  const drain = () => {
    for (const lane of pool) {
      for (;;) {
        const m = workerThreads().receiveMessageOnPort(lane.port)?.message as WorkerMessage | undefined;
        if (!m) break;
        if (m.end) {
          ended++;
          if (m.error) stop(new ZlibJobError(m.error.message, m.error.at));
        } else finish(m.k, place(jobs[m.k], m.o));
      }
    }
  };
  if (ready) {
    for (let k = 0; k < jobs.length && !failed; k++) {
      try {
        produce!(k);
      } catch (e) {
        stop(e);
      }
      Atomics.store(ready, 0, k + 1);
      Atomics.notify(ready, 0);
    }
    // After a failure, wake the workers still waiting (the jobs they take then are dropped).
    Atomics.store(ready, 0, jobs.length);
    Atomics.notify(ready, 0);
  }
  for (;;) {
    const k = Atomics.add(next, 0, 1);
    if (k >= jobs.length) break;
    let o: Uint8Array | undefined;
    try {
      o = runOne(op, jobs[k]);
    } catch (e) {
      stop(new ZlibJobError((e as Error).message, k));
    }
    if (o) finish(k, o);
    drain();
  }
  for (;;) {
    const seen = Atomics.load(events!, 0);
    drain();
    if (ended >= pool.length) break;
    if (Atomics.wait(events!, 0, seen, 60_000) === 'timed-out') {
      broken = true; // a worker died: never use the pool again in this process
      throw new Error('zlib worker threads stopped answering');
    }
  }
  if (failed) throw failure;
  return out;
}
