import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  File,
  H5KeyExistsError,
  H5NotFoundError,
  H5UnsafeEditError,
  H5UnsupportedError,
  H5ValueError,
  MemorySink,
  open,
  Reference,
  referenceType,
  type Dataset,
  type EditableDataset,
  type EditableGroup,
  type Group,
} from '../../src/index.js';
import { editFile, FileSink } from '../../src/node/index.js';
import { FaultySink, SimulatedCrash } from '../../src/io/faulty-sink.js';
import { MessageType } from '../../src/format/object-header.js';
import { oracleRequired } from '../helpers/oracle.js';
import { changedPaths, describe1, describeMany, entry, fixture, FIXTURES, type Entry } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'h5kit-edit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const info = (entries: Entry[], path: string) => entry(entries, path).info as Record<string, unknown>;

/** Object header address of every object, by first path (h5kit's reader). */
function addresses(bytes: Uint8Array): Map<string, number> {
  const f = open(bytes);
  const out = new Map<string, number>([['/', f.address]]);
  f.visit((p, o) => void out.set(p, o.address));
  return out;
}

describe.runIf(oracleRequired())('compact and dense storage switch at libhdf5 thresholds when rebuilt', () => {
  it('links: dense above max compact 8, compact again below min dense 6 (latest)', () => {
    let bytes = fixture('latest.h5');
    const steps: [(f: EditableGroup) => void, string, number][] = [
      [(f) => f.createGroup('eight/g8'), 'dense', 9],
      [(f) => ['g0', 'g1', 'g2'].forEach((n) => f.delete(`eight/${n}`)), 'dense', 6],
      [(f) => f.delete('eight/g3'), 'compact', 5],
      [(f) => ['a', 'b', 'c'].forEach((n) => f.softLink(`eight/${n}`, '/x')), 'compact', 8],
    ];
    const states: Uint8Array[] = [];
    for (const [run] of steps) {
      const f = File.edit(bytes);
      run(f);
      states.push((bytes = f.toBytes()));
    }
    describeMany(states, true).forEach((d, i) => {
      expect(info(d.entries!, '/eight').link_storage, `step ${i}`).toBe(steps[i][1]);
      expect(entry(d.entries!, '/eight').children).toHaveLength(steps[i][2]);
    });
  });

  it('attributes: dense above 8 in version 2 headers, compact below 6; version 1 headers stay compact', () => {
    for (const family of ['latest', 'classic'] as const) {
      let bytes = fixture(`${family}.h5`);
      const states: Uint8Array[] = [];
      const counts = [9, 6, 5];
      for (const n of counts) {
        const f = File.edit(bytes);
        const have = f.attrs.keys();
        for (let i = have.length; i < n; i++) f.attrs.set(`extra${i}`, new Float64Array(i + 1));
        for (const k of have.slice(n)) f.attrs.delete(k);
        expect(f.attrs.keys()).toHaveLength(n);
        states.push((bytes = f.toBytes()));
      }
      describeMany(states, true).forEach((d, i) => {
        expect(entry(d.entries!, '/').attrs).toHaveLength(counts[i]);
        const expected = family === 'classic' ? 'compact' : ['dense', 'dense', 'compact'][i];
        expect(info(d.entries!, '/').attr_storage, `${family} step ${i}`).toBe(expected);
      });
    }
  });
});

describe('copy on write keeps what it does not change', () => {
  for (const family of ['classic', 'latest'] as const) {
    it(`${family}: objects off the changed path keep their address and bytes; copied headers keep every other message byte for byte`, () => {
      const before = fixture(`${family}.h5`);
      const f = File.edit(before);
      (f.get('attrs20') as EditableGroup).attrs.set('a03', 'changed');
      const after = f.toBytes();
      // Appended only: every byte of the old file but the superblock is where it was.
      const sbEnd = family === 'classic' ? 24 + 6 * 8 + 24 : 12 + 4 * 8 + 4;
      expect(Buffer.from(after.subarray(sbEnd, before.length)).equals(Buffer.from(before.subarray(sbEnd)))).toBe(true);
      const a = addresses(before);
      const b = addresses(after);
      const moved = [...a.keys()].filter((p) => a.get(p) !== b.get(p)).sort();
      expect(moved).toEqual(['/', '/attrs20']);
      // The copied header: same messages in the same order, attributes excepted.
      const strip = (g: Group) =>
        g.header.messages
          .filter((m) => m.type !== MessageType.Attribute && m.type !== MessageType.AttributeInfo && m.type !== MessageType.NIL && m.type !== MessageType.Continuation).map((m) => [m.type, m.flags, Buffer.from(m.data).toString('hex')]);
      const g0 = open(before).get('attrs20') as Group;
      const g1 = open(after).get('attrs20') as Group;
      expect(strip(g1)).toEqual(strip(g0));
      expect(g1.header.version).toBe(g0.header.version);
      if (g0.header.version === 2) expect(g1.header.times).toEqual(g0.header.times);
      // The root's links changed (a new address for attrs20): its other messages did not.
      const r0 = open(before).header.messages.filter((m) => m.type === MessageType.Attribute).map((m) => Buffer.from(m.data).toString('hex'));
      const r1 = open(after).header.messages.filter((m) => m.type === MessageType.Attribute).map((m) => Buffer.from(m.data).toString('hex'));
      expect(r1).toEqual(r0);
    });

    it(`${family}: an attribute change on the root does not rebuild its link storage`, () => {
      const before = fixture(`${family}.h5`);
      const f = File.edit(before);
      f.attrs.set('only_this', 1);
      const after = f.toBytes();
      const links = (b: Uint8Array) =>
        open(b)
          .header.messages.filter((m) => m.type === MessageType.SymbolTable || m.type === MessageType.LinkInfo || m.type === MessageType.Link)
          .map((m) => Buffer.from(m.data).toString('hex'));
      expect(links(after)).toEqual(links(before));
      // Nothing but the root's new header (and the superblock, in place) was written.
      const header = open(after).header;
      const size = header.version === 1 ? 16 + header.messages.reduce((n, m) => n + 8 + m.data.length, 0) : after.length - open(after).address;
      expect(after.length - before.length).toBe(size);
      expect(open(after).address).toBe(before.length);
    });
  }

  it('repeated replace of the same key grows the file by the same amount every time (spec-notes/editing.md, "Free space")', () => {
    for (const family of ['classic', 'latest'] as const) {
      for (const [path, value] of [['/', (i: number) => i], ['/data', (i: number) => `value ${i}`], ['/big/d07', (i: number) => new Float64Array([i, i])]] as const) {
        let bytes = fixture(`${family}.h5`);
        const growth: number[] = [];
        for (let i = 0; i < 12; i++) {
          const f = File.edit(bytes);
          (path === '/' ? f : f.get(path)).attrs.set('counter', value(i));
          const next = f.toBytes();
          growth.push(next.length - bytes.length);
          bytes = next;
        }
        // The first replace adds the attribute; from then on every commit appends the same copied path.
        expect(new Set(growth.slice(1)).size, `${family} ${path}: ${growth}`).toBe(1);
        // Bound: the copied path (headers of the objects on it and the link storage of the groups above the changed
        // object), plus a global heap collection for a variable-length value.
        const pathBytes = pathSize(bytes, path);
        expect(growth[1], `${family} ${path}`).toBeLessThanOrEqual(pathBytes + (typeof value(0) === 'string' ? 4096 : 0));
      }
    }
  });
});

/** Header bytes of the objects on `path` plus the link storage of the groups above its last component (an upper bound of what a commit copies). */
function pathSize(bytes: Uint8Array, path: string): number {
  const f = open(bytes);
  let total = 0;
  const parts = path.split('/').filter((p) => p);
  let cur: Group = f;
  const headerBytes = (g: { header: { messages: { data: Uint8Array }[] } }) => g.header.messages.reduce((n, m) => n + m.data.length + 8, 0) + 64;
  total += headerBytes(cur);
  for (const p of parts) {
    // A group above the changed object rebuilds its link storage: per link its name and at most 64 bytes
    // (symbol table entry or link message, index record), plus the fixed parts (heap header, B-tree node, half-empty symbol table node).
    total += cur.keys().reduce((n, k) => n + k.length + 64, 2048);
    cur = cur.get(p) as Group;
    total += headerBytes(cur);
  }
  return total;
}

describe.runIf(oracleRequired())('refusals are typed and leave the file untouched', () => {
  for (const family of ['classic', 'latest'] as const) {
    it(`${family}: objects an object reference points at, committed types in use, existing datasets`, () => {
      const refs = fixture(`refs_${family}.h5`);
      const sink = MemorySink.from(refs);
      const f = File.edit(sink);
      const err = (fn: () => void) => {
        try {
          fn();
        } catch (e) {
          return e as Error;
        }
        throw new Error('no error');
      };
      const e1 = err(() => f.get('targets/a').attrs.set('x', 1));
      expect(e1).toBeInstanceOf(H5UnsafeEditError);
      expect((e1 as H5UnsafeEditError).reason).toBe('referenced');
      expect(err(() => (f.get('targets/b') as EditableGroup).createGroup('c'))).toBeInstanceOf(H5UnsafeEditError);
      // A reference written in this edit counts too.
      const ds = open(refs).get('free') as Group;
      f.createDataset('more_refs', { data: [new Reference(ds.address)], dtype: referenceType() });
      expect(err(() => f.get('free').attrs.set('y', 2))).toBeInstanceOf(H5UnsafeEditError);
      // Only the new dataset's raw data went past the end of file; the committed bytes are intact.
      expect(Buffer.from(sink.bytes().subarray(0, refs.length)).equals(Buffer.from(refs))).toBe(true);
      // Deleting a link to a referenced object does not move it: allowed, and the reference still resolves.
      f.delete('more_refs');
      f.attrs.set('root_is_not_referenced', 1);
      const d = describe1(f.toBytes());
      expect(entry(d, '/refs').values).toEqual(['/targets/a', '/targets/b']);

      const main = fixture(`${family}.h5`);
      const m = MemorySink.from(main);
      const g = File.edit(m);
      const e2 = err(() => g.get('types/point').attrs.set('x', 1));
      expect(e2).toBeInstanceOf(H5UnsafeEditError);
      expect((e2 as H5UnsafeEditError).reason).toBe('shared');
      // Another hard link would change its reference count, hence move it: refused at commit, before any write.
      g.hardLink('point_again', 'types/point');
      expect(err(() => g.commit())).toBeInstanceOf(H5UnsafeEditError);
      // A dataset an object reference points at cannot be written (its header would move).
      const r2 = File.edit(fixture(`refs_${family}.h5`));
      expect(err(() => (r2.get('targets/a') as EditableDataset).write(new Int32Array(5)))).toBeInstanceOf(H5UnsafeEditError);
      // Contiguous datasets have a fixed extent.
      expect(err(() => (g.get('data/contig') as EditableDataset).resize([20]))).toBeInstanceOf(H5ValueError);
      expect(Buffer.from(m.bytes()).equals(Buffer.from(main))).toBe(true);
    });
  }

  it('scanReferences: false trusts the caller (no refusal for a referenced object)', () => {
    const f = File.edit(fixture('refs_latest.h5'), { scanReferences: false });
    f.get('targets/a').attrs.set('x', 1);
    expect(() => f.commit()).not.toThrow();
  });

  it('files the editor does not rewrite', () => {
    const paged = new Uint8Array(readFileSync(join(FIXTURES, 'modern', 'paged_file_space.h5')));
    expect(() => File.edit(paged)).toThrow(H5UnsafeEditError);
  });

  it('bad input: clashes, missing paths, moving a group into itself, links a classic group cannot hold', () => {
    const sink = MemorySink.from(fixture('classic.h5'));
    const before = sink.bytes();
    const f = File.edit(sink);
    expect(() => f.createGroup('data')).toThrow(H5KeyExistsError);
    expect(() => f.createDataset('data/contig', { data: [1] })).toThrow(H5KeyExistsError);
    expect(() => f.delete('nowhere')).toThrow(H5NotFoundError);
    expect(() => f.move('nowhere', 'x')).toThrow(H5NotFoundError);
    expect(() => f.move('data', 'data/inside')).toThrow(H5ValueError);
    expect(() => f.move('data', 'eight')).toThrow(H5KeyExistsError);
    expect(() => f.externalLink('ext', 'other.h5', '/x')).toThrow(H5UnsupportedError);
    expect(() => f.createDataset('bad', { data: [1, 2, 3], shape: [2, 2] })).toThrow(H5ValueError);
    expect(() => f.get('nowhere')).toThrow(H5NotFoundError);
    expect(() => f.attrs.delete('nope')).toThrow(H5NotFoundError);
    f.commit();
    f.close();
    // Nothing changed, nothing written.
    expect(Buffer.from(sink.bytes()).equals(Buffer.from(before))).toBe(true);
  });

  it('a classic file takes a new group holding an external link (written new-style, as libhdf5 converts it)', () => {
    const sink = MemorySink.from(fixture('classic.h5'));
    const f = File.edit(sink);
    const g = f.createGroup('links_new');
    g.externalLink('far', 'other.h5', '/x');
    g.createGroup('near');
    f.close();
    const after = describe1(sink.bytes());
    expect(entry(after, '/links_new/far')).toMatchObject({ kind: 'externallink', filename: 'other.h5', target: '/x' });
    expect(entry(after, '/links_new').info).toMatchObject({ object_header_version: 1, link_storage: 'compact' });
  });

  it('a commit with no change writes nothing', () => {
    const sink = new FaultySink(MemorySink.from(fixture('latest.h5')));
    const f = File.edit(sink);
    f.keys();
    (f.get('big') as EditableGroup).keys();
    f.close();
    expect(sink.writes).toBe(0);
  });
});

describe.runIf(oracleRequired())('reference counts stay exact', () => {
  for (const family of ['classic', 'latest'] as const) {
    it(`${family}: deleting a group drops one link from what it held; a new hard link adds one`, () => {
      const count = (bytes: Uint8Array, path: string) => {
        const h = (open(bytes).get(path) as Dataset).header;
        if (h.version === 1) return h.referenceCount;
        const m = h.messages.find((x) => x.type === MessageType.ReferenceCount);
        return m ? new DataView(m.data.buffer, m.data.byteOffset).getUint32(1, true) : 1;
      };
      const start = fixture(`${family}.h5`);
      expect(count(start, 'alias_leaf')).toBe(2);
      const f = File.edit(start);
      f.delete('shared');
      const dropped = f.toBytes();
      expect(count(dropped, 'alias_leaf')).toBe(1);
      const g = File.edit(dropped);
      g.hardLink('leaf_again', 'alias_leaf');
      g.hardLink('data/leaf_too', 'alias_leaf');
      const added = g.toBytes();
      expect(count(added, 'leaf_again')).toBe(3);
      const [a, b] = describeMany([dropped, added], true);
      expect(entry(a.entries!, '/alias_leaf').attrs!.map((x) => x.name)).toEqual(['note']);
      expect(a.entries!.some((e) => e.path.startsWith('/shared'))).toBe(false);
      expect(entry(b.entries!, '/leaf_again').same_as).toBe('/alias_leaf');
      expect(entry(b.entries!, '/data/leaf_too').same_as).toBe('/alias_leaf');
    });
  }
});

describe.runIf(oracleRequired())('handles across commits', () => {
  it('handles follow their objects to new addresses; handles of unlinked objects fail', () => {
    const f = File.edit(fixture('latest.h5'));
    const g = f.get('attrs20') as EditableGroup;
    const gone = f.get('eight/g1');
    const fresh = f.createDataset('fresh', { shape: [4], dtype: '<i4' });
    fresh.write(new Int32Array([1, 2, 3, 4]));
    f.delete('eight/g1');
    f.commit();
    g.attrs.set('after_commit', true);
    expect(() => gone.attrs.set('x', 1)).toThrow(H5NotFoundError);
    // A dataset created before the commit is a dataset of the committed file now: written by copy on write.
    expect(fresh.shape).toEqual([4]);
    fresh.write(new Int32Array([9]), [[3, 4]]);
    f.commit();
    const d = describe1(f.toBytes());
    expect(entry(d, '/attrs20').attrs!.map((a) => a.name)).toContain('after_commit');
    expect(entry(d, '/fresh').values).toEqual([1, 2, 3, 9]);
    expect(entry(d, '/eight').children).not.toContain('g1');
  });

  it('keys, has and attribute names reflect the edit before it is committed', () => {
    const f = File.edit(fixture('classic.h5'));
    f.move('eight', 'renamed');
    expect(f.has('eight')).toBe(false);
    expect(f.has('renamed/g3')).toBe(true);
    expect((f.get('renamed') as EditableGroup).keys()).toHaveLength(8);
    f.attrs.set('aaa', 1);
    expect(f.attrs.keys()).toEqual(['aaa', 'scale', 'title', 'version']);
    expect(f.get('soft').kind).toBe('dataset');
    expect((f.get('soft') as EditableDataset).shape).toEqual([11]);
  });
});

describe.runIf(oracleRequired())('files on disk (h5kit/node)', () => {
  it('editFile edits in place; a crash at any write leaves the old file for h5py', () => {
    const path = join(dir, 'disk.h5');
    copyFileSync(join(FIXTURES, 'edit', 'latest.h5'), path);
    const original = new Uint8Array(readFileSync(path));
    const edit = (g: EditableGroup) => {
      g.attrs.set('disk', 'yes');
      g.createDataset('big/ondisk', { data: Float64Array.from({ length: 5000 }, (_, i) => i), chunks: [1000], compression: 'gzip' });
    };
    // Count the writes, then crash at a sample of them on a real file (fsync between data and superblock).
    const counter = new FaultySink(MemorySink.from(original));
    const c = File.edit(counter);
    edit(c);
    c.commit();
    const stops: Uint8Array[] = [];
    for (const n of [0, 1, Math.floor(counter.writes / 2), counter.writes - 1]) {
      copyFileSync(join(FIXTURES, 'edit', 'latest.h5'), path);
      const disk = new FileSink(path, 'r+');
      const f = File.edit(new FaultySink(disk, n));
      expect(() => {
        edit(f);
        f.close();
      }).toThrow(SimulatedCrash);
      disk.close();
      stops.push(new Uint8Array(readFileSync(path)));
    }
    copyFileSync(join(FIXTURES, 'edit', 'latest.h5'), path);
    const f = editFile(path);
    edit(f);
    f.close();
    const done = new Uint8Array(readFileSync(path));
    const [o, a, ...s] = describeMany([original, done, ...stops]);
    expect(a.error).toBeUndefined();
    expect(a.hash).not.toBe(o.hash);
    for (const x of s) expect(x.hash).toBe(o.hash);
    expect(changedPaths(describe1(original), describe1(done))).toEqual(['/', '/big', '/big/ondisk']);
    expect(Array.from((open(done).get('big/ondisk') as Dataset).read([[4990, 5000]]) as Float64Array)).toEqual(Array.from({ length: 10 }, (_, i) => 4990 + i));
  });

  it('a file with a user block keeps it', () => {
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'classic', 'userblock_512.h5')));
    const f = File.edit(bytes);
    f.createGroup('added');
    const out = f.toBytes();
    expect(Buffer.from(out.subarray(0, 512)).equals(Buffer.from(bytes.subarray(0, 512)))).toBe(true);
    const [b, a] = describeMany([bytes, out], true);
    expect(changedPaths(b.entries!, a.entries!)).toEqual(['/', '/added']);
  });
});
