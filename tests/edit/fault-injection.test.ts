import { afterAll, describe, expect, it } from 'vitest';
import { File } from '../../src/index.js';
import { FaultySink, SimulatedCrash } from '../../src/io/faulty-sink.js';
import { MemorySink } from '../../src/io/sink.js';
import { oracleRequired } from '../helpers/oracle.js';
import { EDITS, type Edit } from './edits.js';
import { describeMany, fixture } from './helpers.js';

// Crash safety (spec-notes/editing.md, "Fault injection"): every edit of the
// sequence is run once per write call it makes, stopped after the first N
// writes (N = 0 .. all but the last); h5py must then open the file and see
// exactly the state before the edit. Run to the end, it must see the state
// after. Nothing else is acceptable: zero corrupted outcomes.

/** Run `edit` on `state`, failing after `failAfter` writes; returns the bytes left and the number of writes done. */
function runEdit(state: Uint8Array, edit: Edit, failAfter = Number.POSITIVE_INFINITY): { bytes: Uint8Array; writes: number; crashed: boolean } {
  const mem = MemorySink.from(state);
  const sink = new FaultySink(mem, failAfter);
  let crashed = false;
  try {
    const f = File.edit(sink);
    edit.run(f);
    f.commit();
  } catch (e) {
    if (!(e instanceof SimulatedCrash)) throw e;
    crashed = true;
  }
  return { bytes: mem.bytes(), writes: sink.writes, crashed };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const totals: Record<string, { stops: number; before: number; after: number; corrupted: number }> = {};
afterAll(() => {
  for (const [family, t] of Object.entries(totals)) console.log(`fault injection, ${family}: ${t.stops} stops: ${t.before} read as before, ${t.after} as after, ${t.corrupted} corrupted`);
});

for (const family of ['classic', 'latest'] as const) {
  describe.runIf(oracleRequired())(`fault injection on h5py's ${family} file`, () => {
    let state = fixture(`${family}.h5`);
    for (const edit of EDITS) {
      it(edit.name, () => {
        const before = state;
        const done = runEdit(before, edit);
        expect(done.crashed).toBe(false);
        expect(done.writes).toBeGreaterThan(0);
        const crashes: Uint8Array[] = [];
        for (let n = 0; n < done.writes; n++) {
          const c = runEdit(before, edit, n);
          expect(c.crashed, `stop after ${n} writes`).toBe(true);
          // Nothing below the old end of file changed: the committed state's bytes are intact.
          expect(sameBytes(c.bytes.subarray(0, before.length), before), `stop after ${n} writes: bytes of the committed file changed`).toBe(true);
          crashes.push(c.bytes);
        }
        const [b, a, ...stops] = describeMany([before, done.bytes, ...crashes]);
        expect(b.error).toBeUndefined();
        expect(a.error, 'h5py reads the edited file').toBeUndefined();
        expect(a.hash).not.toBe(b.hash);
        const t = (totals[family] ??= { stops: 0, before: 0, after: 0, corrupted: 0 });
        stops.forEach((s, n) => {
          t.stops++;
          if (s.hash === b.hash) t.before++;
          else if (s.hash === a.hash) t.after++;
          else t.corrupted++;
          expect(s.error, `stop after ${n} of ${done.writes} writes`).toBeUndefined();
          // The superblock is the last write: every earlier stop leaves the old state.
          expect(s.hash, `stop after ${n} of ${done.writes} writes`).toBe(b.hash);
        });
        console.log(`${family} / ${edit.name}: ${done.writes} writes, ${stops.length} stops, all read as the state before; run through: the state after`);
        state = done.bytes;
      }, 300_000);
    }
  });
}
