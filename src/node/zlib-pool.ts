import { availableParallelism } from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { deflateSync, inflateSync } from 'node:zlib';

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
}

/** Below this many input bytes in a batch, the calling thread does it all (a worker round trip costs ~0.1 ms). */
const MIN_PARALLEL_BYTES = 512 * 1024;

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const zlib = require('node:zlib');
const { port, done } = workerData;
port.on('message', (m) => {
  let reply;
  let at = 0;
  try {
    const outputs = [];
    for (; at < m.jobs.length; at++) {
      const j = m.jobs[at];
      const b = m.op === 'deflate' ? zlib.deflateSync(j.input, { level: j.param }) : zlib.inflateSync(j.input, { maxOutputLength: j.param });
      outputs.push(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
    }
    reply = { outputs };
  } catch (e) {
    reply = { error: String(e && e.message), at };
  }
  // Outputs that own their whole buffer are moved, not copied, to the caller.
  const transfer = reply.outputs ? [...new Set(reply.outputs.filter((o) => o.byteOffset === 0 && o.byteLength === o.buffer.byteLength).map((o) => o.buffer))] : [];
  port.postMessage(reply, transfer);
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
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { port: port2, done }, transferList: [port2] });
    worker.unref();
    port1.unref();
    lanes.push({ worker, port: port1 });
  }
  return lanes;
}

function runOne(op: 'deflate' | 'inflate', j: ZlibJob): Uint8Array {
  const b = op === 'deflate' ? deflateSync(j.input, { level: j.param }) : inflateSync(j.input, { maxOutputLength: j.param });
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
  // Contiguous shares of about equal input bytes: lane 0 is the calling thread.
  const laneCount = pool.length + 1;
  const shares: number[][] = Array.from({ length: laneCount }, () => []);
  let acc = 0;
  jobs.forEach((j, k) => {
    const lane = Math.min(laneCount - 1, Math.floor((acc / total) * laneCount));
    shares[lane].push(k);
    acc += j.input.length;
  });
  Atomics.store(done!, 0, 0);
  let sent = 0;
  for (let w = 1; w < laneCount; w++) {
    if (!shares[w].length) continue;
    pool[w - 1].port.postMessage({ op, jobs: shares[w].map((k) => ({ input: jobs[k].input, param: jobs[k].param })) });
    sent++;
  }
  let failure: ZlibJobError | undefined;
  for (const k of shares[0]) {
    try {
      out[k] = runOne(op, jobs[k]);
    } catch (e) {
      failure ??= new ZlibJobError((e as Error).message, k);
    }
  }
  for (;;) {
    const now = Atomics.load(done!, 0);
    if (now >= sent) break;
    if (Atomics.wait(done!, 0, now, 60_000) === 'timed-out') {
      broken = true; // a worker died: never use the pool again in this process
      throw new Error('zlib worker threads stopped answering');
    }
  }
  for (let w = 1; w < laneCount; w++) {
    if (!shares[w].length) continue;
    const msg = receiveMessageOnPort(pool[w - 1].port)?.message as { outputs?: Uint8Array[]; error?: string; at?: number } | undefined;
    if (!msg || msg.error !== undefined || !msg.outputs) {
      failure ??= new ZlibJobError(msg?.error ?? 'no answer from a zlib worker', shares[w][msg?.at ?? 0]);
      continue;
    }
    shares[w].forEach((k, i) => (out[k] = msg.outputs![i]));
  }
  if (failure) throw failure;
  return out;
}
