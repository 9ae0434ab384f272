import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  Dataset,
  ExternalLink,
  Group,
  H5Error,
  H5FormatError,
  H5NotFoundError,
  H5ValueError,
  SoftLink,
  open,
} from '../../src/index.js';
import { openFile } from '../../src/node/index.js';
import { FIXTURES } from '../helpers/fixtures.js';

type Entry = { path: string; kind: string; shape?: number[] | null; values?: unknown; dtype?: { class: string } };

function expectedOf(file: string): Map<string, Entry> {
  const list = JSON.parse(readFileSync(join(FIXTURES, 'classic', file + '.json'), 'utf8')) as Entry[];
  return new Map(list.map((e) => [e.path, e]));
}

/** Flatten h5py's nested value lists (C order). */
function flat(v: unknown): unknown[] {
  return Array.isArray(v) ? v.flatMap(flat) : [v];
}

/** Reference slicing done on h5py's values, independently of h5kit's reader. */
function sliceRef(values: unknown, shape: number[], sel: [number, number, number][]): unknown[] {
  const all = flat(values);
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const out: unknown[] = [];
  const rec = (d: number, base: number) => {
    if (d === shape.length) {
      out.push(all[base]);
      return;
    }
    const [start, stop, step] = sel[d];
    for (let i = start; i < stop; i += step) rec(d + 1, base + i * strides[d]);
  };
  rec(0, 0);
  return out;
}

/** A deterministic PRNG so selections are reproducible. */
function rng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s % n;
  };
}

describe('hyperslab reads agree with h5py values', () => {
  const cases: [string, string][] = [
    ['layouts.h5', '/chunked_2d_many'],
    ['layouts.h5', '/chunked_edge'],
    ['layouts.h5', '/contiguous'],
    ['layouts.h5', '/chunked_many'],
    ['layouts.h5', '/compact'],
    ['layouts.h5', '/chunked_sparse'],
    ['dataspaces.h5', '/rank5'],
    ['dataspaces.h5', '/rank6_chunked'],
    ['filters.h5', '/shuffle_gzip'],
    ['filters.h5', '/shuffle_gzip_fletcher32'],
    ['btree_small_k.h5', '/chunked_2d'],
  ];
  for (const [file, path] of cases) {
    it(`${file} ${path}`, () => {
      const exp = expectedOf(file).get(path)!;
      expect(exp.values).toBeDefined();
      const f = openFile(join(FIXTURES, 'classic', file));
      const ds = f.get(path) as Dataset;
      const shape = ds.shape!;
      const rand = rng(shape.reduce((a, b) => a * 31 + b, 7));
      for (let k = 0; k < 25; k++) {
        const sel = shape.map((n) => {
          const a = rand(n);
          const b = a + 1 + rand(n - a);
          return [a, b, 1 + rand(3)] as [number, number, number];
        });
        const got = Array.from(ds.read(sel) as ArrayLike<number>, (x) => Number(x));
        expect(got).toEqual(sliceRef(exp.values, shape, sel).map(Number));
      }
      f.close();
    });
  }

  it('negative indices, single indices and null entries follow Python slicing', () => {
    const exp = expectedOf('layouts.h5').get('/contiguous')!;
    const f = openFile(join(FIXTURES, 'classic', 'layouts.h5'));
    const ds = f.get('/contiguous') as Dataset;
    const [rows, cols] = ds.shape!;
    const ref = flat(exp.values).map(Number);
    expect(Array.from(ds.read([-1]) as ArrayLike<number>, Number)).toEqual(ref.slice((rows - 1) * cols));
    expect(ds.selectionShape([1, null])).toEqual([cols]);
    expect(Array.from(ds.read([null, [-2, null]]) as ArrayLike<number>, Number)).toEqual(
      sliceRef(exp.values, [rows, cols], [[0, rows, 1], [cols - 2, cols, 1]]).map(Number),
    );
    expect(() => ds.read([rows])).toThrow(H5ValueError);
    expect(() => ds.read([[0, 1, 0]])).toThrow(H5ValueError);
    f.close();
  });
});

describe('groups and links', () => {
  const f = openFile(join(FIXTURES, 'classic', 'groups.h5'));
  const exp = expectedOf('groups.h5');

  it('lists children in h5py order', () => {
    expect((f.get('/a/b') as Group).keys()).toEqual((exp.get('/a/b') as unknown as { children: string[] }).children);
  });

  it('resolves absolute and relative paths and follows soft links', () => {
    const a = f.get('/a') as Group;
    expect((a.get('b/c') as Group).name).toBe('/a/b/c');
    expect((f.get('/links/soft_abs') as Dataset).kind).toBe('dataset');
    expect((f.get('/links/soft_rel') as Dataset).kind).toBe('dataset');
    expect((f.get('/links') as Group).getLink('soft_abs')).toBeInstanceOf(SoftLink);
  });

  it('returns external links as link objects and reports dangling soft links', () => {
    const ext = f.get('/links/ext_missing');
    expect(ext).toBeInstanceOf(ExternalLink);
    expect(() => f.get('/links/dangling')).toThrow(H5NotFoundError);
    expect(() => f.get('/nope')).toThrow(H5NotFoundError);
    expect(f.has('/a/b/c')).toBe(true);
    expect(f.has('/a/zzz')).toBe(false);
  });

  it('follows external links when asked to', () => {
    const g = openFile(join(FIXTURES, 'classic', 'groups.h5'), { followExternalLinks: true });
    const target = (f.get('/links') as Group).getLink('ext_fixture') as ExternalLink;
    expect(target).toBeInstanceOf(ExternalLink);
    const followed = g.get('/links/ext_fixture');
    expect(followed).not.toBeInstanceOf(ExternalLink);
    expect(() => g.get('/links/ext_missing')).toThrow(H5NotFoundError);
    g.close();
  });

  it('visits each object once even with hard-link cycles', () => {
    const seen: string[] = [];
    f.visit((p) => {
      seen.push(p);
    });
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toContain('/a/b/c/leaf');
  });
});

describe('robustness against corrupt input', () => {
  const files = ['groups.h5', 'datatypes.h5', 'layouts.h5', 'filters.h5', 'attributes.h5'];

  /** Read everything reachable; the only acceptable failures are h5kit errors. */
  function readAll(bytes: Uint8Array): void {
    const f = open(bytes);
    f.visit((_p, obj) => {
      obj.attrs.keys().forEach((k) => obj.attrs.get(k));
      if (obj instanceof Dataset) obj.read();
    });
  }

  for (const name of files) {
    it(`${name}: truncations and byte flips raise H5Error or succeed, never anything else`, () => {
      const orig = new Uint8Array(readFileSync(join(FIXTURES, 'classic', name)));
      const rand = rng(orig.length);
      const t0 = Date.now();
      for (let k = 0; k < 150; k++) {
        const b = orig.slice(0, k % 5 === 0 ? rand(orig.length) : orig.length);
        for (let j = 0; j < 1 + rand(8); j++) if (b.length) b[rand(b.length)] = rand(256);
        try {
          readAll(b);
        } catch (e) {
          if (!(e instanceof H5Error)) throw e;
        }
      }
      expect(Date.now() - t0).toBeLessThan(20_000);
    });
  }

  it('a file without a signature is an H5FormatError', () => {
    expect(() => open(new Uint8Array(4096))).toThrow(H5FormatError);
  });
});
