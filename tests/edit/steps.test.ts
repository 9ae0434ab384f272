import { describe, expect, it } from 'vitest';
import { describeFile, File, open, type Dataset, type EditableGroup, type Group } from '../../src/index.js';
import { compare } from '../helpers/compare.js';
import { h5dump, oracleRequired, PYTHON } from '../helpers/oracle.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { EDITS } from './edits.js';
import { changedPaths, describe1, describeMany, entry, fixture, type Entry } from './helpers.js';

// Each kind of edit, one commit at a time on h5py's files of both families:
// after every step h5dump accepts the file, h5py's description changes at
// exactly the paths the edit touches, and equals what h5kit's reader sees.
const dir = mkdtempSync(join(tmpdir(), 'h5kit-edit-steps-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function checkDump(name: string, bytes: Uint8Array): void {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  const d = h5dump(['-H', p]);
  expect(d.status, d.stderr).toBe(0);
}

const info = (entries: Entry[], path: string) => entry(entries, path).info as Record<string, unknown>;

for (const family of ['classic', 'latest'] as const) {
  describe.runIf(oracleRequired())(`edits of h5py's ${family} file, checked with h5py after every step`, () => {
    let state = fixture(`${family}.h5`);
    let desc = describe1(state);

    EDITS.forEach((edit, i) => {
      it(edit.name, () => {
        const f = File.edit(state);
        expect(f.libver).toBe(family === 'classic' ? 'earliest' : 'latest');
        edit.run(f);
        const next = f.toBytes();
        const after = describe1(next);
        expect(changedPaths(desc, after)).toEqual([...edit.changes].sort());
        expect(compare(after, describeFile(open(next)))).toEqual([]);
        checkDump(`${family}-${i}.h5`, next);
        // What each step is about, seen by h5py.
        switch (i) {
          case 0:
            expect(entry(after, '/').attrs!.find((a) => a.name === 'edited')!.value).toBe(1);
            break;
          case 1: {
            const names = entry(after, '/attrs20').attrs!.map((a) => a.name);
            expect(names).not.toContain('a00');
            expect(entry(after, '/attrs20').attrs!.find((a) => a.name === 'a05')!.value).toBe('now a much longer string than the integer it replaces');
            if (family === 'latest') expect(info(after, '/attrs20').attr_storage).toBe('dense');
            break;
          }
          case 2:
            expect(entry(after, '/big').children).toHaveLength(1100);
            expect(info(after, '/big').link_storage).toBe(family === 'classic' ? 'symbol_table' : 'dense');
            break;
          case 3:
            if (family === 'latest') {
              expect(info(after, '/eight').link_storage).toBe('compact');
              expect(info(after, '/nine').link_storage).toBe('dense');
            }
            expect(entry(after, '/nine').children).toContain('moved');
            break;
          case 4:
            expect(entry(after, '/shared/leaf').same_as).toBe('/alias_leaf');
            expect(entry(after, '/alias_leaf').attrs!.map((a) => a.name)).toEqual(['note', 'note2']);
            break;
          case 5:
            expect(entry(after, '/shared/leaf').attrs!.map((a) => a.name)).toEqual(['note', 'note2']);
            break;
          case 6: {
            const o = entry(after, '/ordered');
            expect(o.children![o.children!.length - 1]).toBe('new_ordered');
            expect(o.attrs!.map((a) => a.name).slice(-1)).toEqual(['added']);
            expect(info(after, '/ordered')).toMatchObject({ link_storage: 'dense', attr_storage: 'dense', link_creation_order_indexed: true });
            break;
          }
          case 7:
            expect(entry(after, '/made/here/contig_again').same_as).toBe('/data/contig');
            expect(entry(after, '/made/here/pairs').committed_type).toBe('/made/here/pair');
            break;
          case 8: {
            const ch = open(next).get('data/chunked') as Dataset;
            const block = ch.read([[9, 31], [4, 21]]) as Float32Array;
            // Row 9 and column 4 keep the old values; inside, the written ones.
            expect(block[0]).toBe(9 * 40 + 4);
            expect(block[1 * 17 + 1]).toBe(-0);
            expect(block[20 * 17 + 15]).toBe(-(19 * 15 + 14));
            expect(block[21 * 17 + 16]).toBe(30 * 40 + 20);
            expect(Array.from((open(next).get('data/contig') as Dataset).read() as Float64Array).slice(2, 6)).toEqual([0.2, 7, 8, 0.5]);
            expect(entry(after, '/data/compact').values).toEqual([-1, -2, -3, -4, -5, -6]);
            expect(info(after, '/data/chunked').chunk_index).toBe(family === 'classic' ? 'v1_btree' : 'fixed_array');
            break;
          }
          case 9:
            expect(entry(after, '/data/growing').shape).toEqual([150]);
            expect(entry(after, '/data/growing').values).toEqual([...Array.from({ length: 90 }, (_, i) => String(i * i)), ...Array.from({ length: 60 }, (_, i) => String(-i))]);
            break;
          case 10:
            expect(entry(after, '/nine').children).toHaveLength(5);
            if (family === 'latest') expect(info(after, '/nine').link_storage).toBe('compact');
            break;
        }
        state = next;
        desc = after;
      });
    });

    it('the same edits in one session, a commit after each, give the same content', () => {
      const f = File.edit(fixture(`${family}.h5`));
      for (const edit of EDITS) {
        edit.run(f);
        f.commit();
      }
      const one = describeMany([f.toBytes(), state], true);
      expect(one[0].error).toBeUndefined();
      expect(changedPaths(one[1].entries!, one[0].entries!)).toEqual([]);
    });

    it('libhdf5 goes on editing the result (h5py r+), and h5kit reads that', () => {
      const p = join(dir, `${family}-libhdf5.h5`);
      writeFileSync(p, state);
      const py = `
import h5py, numpy as np
with h5py.File(${JSON.stringify(p)}, 'r+') as f:
    f.create_dataset('by_libhdf5', data=np.arange(10.))
    f['made/here'].attrs['by'] = 'libhdf5'
    del f['big/s0001']
`;
      const r = spawnSync(PYTHON, ['-c', py], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const back = open(new Uint8Array(readFileSync(p)));
      expect(Array.from((back.get('by_libhdf5') as Dataset).read() as Float64Array)).toEqual(Array.from({ length: 10 }, (_, i) => i));
      expect((back.get('made/here') as Group).attrs.get('by')).toBe('libhdf5');
      // And h5kit edits libhdf5's result again.
      const f = File.edit(new Uint8Array(readFileSync(p)));
      (f.get('made') as EditableGroup).attrs.set('round', 3);
      const again = describe1(f.toBytes());
      expect(entry(again, '/made').attrs!.map((a) => a.name)).toEqual(['round']);
    });
  });
}
