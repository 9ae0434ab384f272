// Physical reference points on this machine, in one fresh Node process:
// fs write/read of 128 MiB (page cache, no fsync), memcpy of 128 MiB, and
// deflate (level 4) / inflate of W3's float32 in its 1 MiB chunks, plain
// and byte-shuffled, with node:zlib (native zlib) and pako (what h5kit uses).
// Deflate runs on the first 16 MiB (it is slow), inflate on all 64 MiB.
// Prints one JSON line: [{ name, bytes, ms, times }].
import { closeSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import zlib from 'node:zlib';
import * as pako from 'pako';
import { OUT, W3_CHUNK } from './lib/config.mjs';
import { loadF32, loadF64 } from './lib/data.mjs';

const REPS = Number(process.env.BENCH_REF_REPS ?? 5);
const results = [];

function measure(name, bytes, fn) {
  fn(); // warm-up
  const times = [];
  for (let i = 0; i < REPS; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  const ms = [...times].sort((a, b) => a - b)[times.length >> 1];
  results.push({ name, bytes, ms, times });
}

const f64 = loadF64();
const big = new Uint8Array(f64.buffer, f64.byteOffset, f64.byteLength); // 128 MiB
const tmp = join(OUT, `reference-${process.pid}.bin`);
measure('fs.writeFileSync 128 MiB (page cache, no fsync)', big.length, () => writeFileSync(tmp, big));
measure('fs.readFileSync 128 MiB (page cache)', big.length, () => readFileSync(tmp));
// W2's floor: one pread of 128 MiB into a fresh buffer (what h5kit does), and into one reused
// (no page faults): the difference is the cost of first touching fresh memory.
const fd = openSync(tmp, 'r');
measure('fs.readSync 128 MiB into a fresh buffer', big.length, () => readSync(fd, new Uint8Array(big.length), 0, big.length, 0));
const reused = new Uint8Array(big.length);
measure('fs.readSync 128 MiB into a reused buffer', big.length, () => readSync(fd, reused, 0, big.length, 0));
closeSync(fd);
rmSync(tmp, { force: true });
const dst = Buffer.allocUnsafeSlow(big.length);
const src = Buffer.from(big.buffer, big.byteOffset, big.length);
measure('Buffer.copy 128 MiB', big.length, () => src.copy(dst));
const dst64 = new Float64Array(f64.length);
measure('Float64Array.set 128 MiB', big.length, () => dst64.set(f64));

const f32 = loadF32();
const plain = new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength); // 64 MiB
const shuffled = new Uint8Array(plain.length);
const CB = W3_CHUNK * 4; // bytes per W3 chunk
function shuffle(from, to) {
  for (let c = 0; c < from.length; c += CB) {
    const n = Math.min(CB, from.length - c) / 4;
    for (let i = 0; i < n; i++) for (let b = 0; b < 4; b++) to[c + b * n + i] = from[c + i * 4 + b];
  }
}
measure('JS byte shuffle (4-byte) 64 MiB, plain loop', plain.length, () => shuffle(plain, shuffled));

const chunks = (bytes) => {
  const out = [];
  for (let c = 0; c < bytes.length; c += CB) out.push(bytes.subarray(c, c + CB));
  return out;
};
const DEFLATE_BYTES = 16 * CB;
for (const [label, bytes] of [['', plain], [' shuffled', shuffled]]) {
  const parts = chunks(bytes);
  const some = parts.slice(0, DEFLATE_BYTES / CB);
  measure(`node:zlib deflate L4 16 MiB${label}`, DEFLATE_BYTES, () => some.map((p) => zlib.deflateSync(p, { level: 4 })));
  measure(`pako deflate L4 16 MiB${label}`, DEFLATE_BYTES, () => some.map((p) => pako.deflate(p, { level: 4 })));
  const zOut = parts.map((p) => zlib.deflateSync(p, { level: 4 }));
  const pOut = parts.map((p) => pako.deflate(p, { level: 4 }));
  measure(`node:zlib inflate 64 MiB${label}`, bytes.length, () => zOut.forEach((p) => zlib.inflateSync(p)));
  measure(`pako.inflate 64 MiB${label}`, bytes.length, () => pOut.forEach((p) => pako.inflate(p)));
  const zBytes = zOut.reduce((s, p) => s + p.length, 0);
  const pBytes = pOut.reduce((s, p) => s + p.length, 0);
  results.push({ name: `deflate L4 output for 64 MiB${label}: node:zlib ${zBytes} B, pako ${pBytes} B`, bytes: 0, ms: null });
}
console.log(JSON.stringify(results));
