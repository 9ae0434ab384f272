import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeFile, openFile } from '../../src/node/index.js';
import { compare } from '../helpers/compare.js';
import { oracleRequired, runPython } from '../helpers/oracle.js';

// Files written by h5py right now, with seeded random shapes, types, chunking
// and filters, must read back exactly as h5py describes them.
const dir = mkdtempSync(join(tmpdir(), 'h5kit-interop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(oracleRequired())('h5kit reads random h5py files as h5py does', () => {
  for (const libver of ['earliest']) {
    for (let seed = 1; seed <= 12; seed++) {
      it(`${libver} seed ${seed}`, () => {
        const out = join(dir, `r${seed}-${libver}.h5`);
        const expected = JSON.parse(runPython([join(__dirname, 'random_file.py'), String(seed), out, libver]));
        const f = openFile(out);
        try {
          expect(compare(expected, describeFile(f, { summaryThreshold: 100000 }))).toEqual([]);
        } finally {
          f.close();
        }
      });
    }
  }
});
