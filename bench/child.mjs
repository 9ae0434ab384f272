// One tool, one workload, one fresh process (so maxRSS is this workload's
// peak): warm up, time `inner` runs, check the result, print one JSON line.
//   node --expose-gc bench/child.mjs <tool> <workload> '<json args>'
// args: { path, inner, profile?, warm: { ...args of the untimed warm-up run, remove: delete warm.path after } | null }
import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const [tool, id, json] = process.argv.slice(2);
const args = JSON.parse(json ?? '{}');
const gc = globalThis.gc ?? (() => {});

const mod = await import(`./tools/${tool}.mjs`);
const wl = mod.workloads[id];
if (!wl) {
  console.log(JSON.stringify({ tool, id, unsupported: true }));
  process.exit(0);
}
const prepare = wl.prepare ?? (() => null);
// Under --cpu-prof (args.profile) the untimed check is skipped so it does not fill the profile.
const check = args.profile ? () => null : wl.check ?? ((r) => r);

let warmupMs = null;
if (args.warm) {
  let input = await prepare(args.warm);
  const t0 = performance.now();
  let r = await wl.run(input, args.warm);
  warmupMs = performance.now() - t0;
  check(r);
  if (args.warm.remove) rmSync(args.warm.path, { force: true });
  input = r = null;
  gc();
}

const input = await prepare(args);
gc();
const times = [];
let result;
for (let i = 0; i < (args.inner ?? 1); i++) {
  result = null;
  const t0 = performance.now();
  result = await wl.run(input, args);
  times.push(performance.now() - t0);
}
const ms = [...times].sort((a, b) => a - b)[times.length >> 1];
const out = { tool, id, ms, times, warmupMs, check: check(result), maxRSSKiB: process.resourceUsage().maxRSS };
console.log(JSON.stringify(out));
