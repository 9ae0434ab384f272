import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Dataset, File, H5Error, H5UnsafeEditError, H5UnsupportedError, open, type EditableDataset, type EditableGroup } from '../../src/index.js';
import { oracleRequired } from '../helpers/oracle.js';
import { changedPaths, describeMany, FIXTURES } from './helpers.js';

// Every h5py-written fixture of the reader's test suite (classic and modern:
// user blocks, small B-tree K, SOHM, every chunk index and filter, external
// storage, committed types, references...), edited at a sample of its
// objects: an attribute set on the object (its header copied with every
// message it had) and a group added to the root. h5py must see exactly that
// and nothing else; or the edit is refused with a typed error before
// anything is written.
const PER_FILE = 6;

for (const family of ['classic', 'modern']) {
  const folder = join(FIXTURES, family);
  const raw = readdirSync(folder).filter((f) => f.endsWith('.raw')).map((f) => join(folder, f));
  describe.runIf(oracleRequired())(`edits of every ${family} fixture`, () => {
    for (const name of readdirSync(folder).filter((f) => f.endsWith('.h5'))) {
      it(name, () => {
        const bytes = new Uint8Array(readFileSync(join(folder, name)));
        const paths: string[] = [];
        open(bytes).visit((p) => void paths.push(p));
        const step = Math.max(1, Math.ceil(paths.length / PER_FILE));
        const sample = ['/', ...paths.filter((_, i) => i % step === 0)];
        const edited: Uint8Array[] = [];
        const expected: string[][] = [];
        const refused: string[] = [];
        for (const p of sample) {
          let f;
          try {
            f = File.edit(bytes);
          } catch (e) {
            // Files the editor does not rewrite at all (paged file space aggregation).
            expect(e).toBeInstanceOf(H5UnsafeEditError);
            expect((e as H5UnsafeEditError).reason).toBe('unsupported-file');
            return;
          }
          try {
            (p === '/' ? f : f.get(p)).attrs.set('h5kit_edit', p);
            (f as EditableGroup).createGroup('h5kit_new');
            edited.push(f.toBytes());
            expected.push([...new Set(['/', p, '/h5kit_new'])].sort());
          } catch (e) {
            // Objects a reference points at, committed types in use, shared (SOHM) dense attributes.
            expect(e).toBeInstanceOf(H5UnsupportedError);
            refused.push(`${p}: ${(e as Error).message}`);
          }
        }
        const [orig, ...after] = describeMany([bytes, ...edited], true, raw);
        expect(orig.error).toBeUndefined();
        after.forEach((d, i) => {
          expect(d.error, `edit of ${expected[i][1] ?? '/'}`).toBeUndefined();
          expect(changedPaths(orig.entries!, d.entries!)).toEqual(expected[i]);
        });
        if (refused.length) console.log(`${family}/${name}: refused ${refused.length} of ${sample.length}:\n  ${refused.join('\n  ')}`);
      }, 120_000);

      it(`${name}: every dataset written in place (its first element, rewritten with its own value), one commit`, () => {
        const bytes = new Uint8Array(readFileSync(join(folder, name)));
        let f;
        try {
          f = File.edit(bytes);
        } catch {
          return; // not editable at all (checked above)
        }
        const reader = open(bytes);
        const targets: string[] = [];
        reader.visit((p, o) => {
          if (o instanceof Dataset && o.shape !== null && !o.shape.includes(0)) targets.push(p);
        });
        const written: string[] = [];
        const refused: string[] = [];
        for (const p of targets) {
          const ds = reader.get(p) as Dataset;
          const first = ds.shape!.map(() => [0, 1] as [number, number]);
          let value;
          try {
            value = ds.read(first);
          } catch {
            continue; // the reader cannot decode it (unknown filter): nothing to write back
          }
          try {
            (f.get(p) as EditableDataset).write(value, first);
            written.push(p);
          } catch (e) {
            // Virtual and external storage, filters h5kit cannot encode, datasets a reference points at;
            // values the writer does not take back as read (tagged opaque, null references): typed errors.
            expect(e).toBeInstanceOf(H5Error);
            refused.push(`${p}: ${(e as Error).name}: ${(e as Error).message}`);
          }
        }
        const [orig, after] = describeMany([bytes, f.toBytes()], true, raw);
        expect(after.error).toBeUndefined();
        // Same content; only storage details (chunk index type, stored sizes) may differ.
        const strip = (entries: { path: string; info?: unknown }[]) => entries.map((e) => ({ ...e, info: undefined }));
        expect(changedPaths(strip(orig.entries!) as never, strip(after.entries!) as never)).toEqual([]);
        console.log(`${family}/${name}: ${written.length} datasets written in place${refused.length ? `, refused ${refused.length}:\n  ${refused.join('\n  ')}` : ''}`);
      }, 120_000);
    }
  });
}
