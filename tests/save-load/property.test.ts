import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { H5KeyExistsError, load, save } from '../../src/index.js';

/**
 * Property tests over generated value trees: for every kind of value save()
 * accepts (README "Mapping"), load(save(v)) deep-equals v, JS types included.
 */

/** Names HDF5 accepts as link names (non-empty, no "/", not "."). */
const key = fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }).filter((k) => !k.includes('/') && !k.includes('\0') && k !== '.');
const text = fc.string({ unit: 'binary', maxLength: 40 });
const small = { maxLength: 64 };

const typedArray = fc.oneof(
  fc.float64Array(small),
  fc.float32Array(small),
  fc.int8Array(small),
  fc.uint8Array(small),
  fc.uint8ClampedArray(small),
  fc.int16Array(small),
  fc.uint16Array(small),
  fc.int32Array(small),
  fc.uint32Array(small),
  fc.bigInt64Array(small),
  fc.bigUint64Array(small),
  // Large enough to be chunked and compressed.
  fc.integer({ min: 200, max: 5000 }).map((n) => Float64Array.from({ length: n }, (_, i) => Math.sin(i) * n)),
);

/** `{ data, shape }` with a typed array of exactly the shape's size. */
const ndArray = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }).chain((shape) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return fc.oneof(fc.float32Array({ minLength: n, maxLength: n }), fc.int16Array({ minLength: n, maxLength: n })).map((data) => ({ data, shape }));
});

/** Rectangular nested arrays of numbers (→ n-d float64). */
const nested = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })).chain(([r, c]) =>
  fc.array(fc.array(fc.double(), { minLength: c, maxLength: c }), { minLength: r, maxLength: r }),
);

/** What becomes a JSON blob: mixed arrays, arrays of objects, class instances with toJSON (compared through their JSON). */
const blob = fc.oneof(
  fc.array(fc.oneof(fc.integer(), text, fc.boolean(), fc.constant(null)), { minLength: 2, maxLength: 6 }).filter((a) => new Set(a.map((x) => typeof x)).size > 1),
  fc.array(fc.dictionary(key, fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown) /* -0 becomes 0 in JSON, as the README says */, { maxKeys: 3, noNullPrototype: true }), { minLength: 1, maxLength: 3 }),
  fc.constant([] as unknown[]),
);

const leaf = fc.oneof(
  fc.double(),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.boolean(),
  text,
  fc.array(text, { minLength: 1, maxLength: 5 }),
  fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }),
  fc.date({ noInvalidDate: true }),
  fc.constant(null),
  typedArray,
  ndArray,
  nested,
  blob,
);

const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small' },
    fc.dictionary(key, fc.oneof({ depthSize: 'small' }, leaf, tie('tree')), { maxKeys: 5, noNullPrototype: true }),
    fc.uniqueArray(fc.tuple(key, fc.oneof({ depthSize: 'small' }, leaf, tie('tree'))), { selector: ([k]) => k, maxLength: 4 }).map((e) => new Map(e)),
  ),
}));

function same(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(a, b);
}

describe('load(save(v)) deep-equals v (fast-check)', () => {
  it('any value at the root', () => {
    fc.assert(
      fc.property(fc.oneof(leaf, tree), (v) => same(load(save(null, v)), v)),
      { numRuns: Number(process.env.FC_RUNS ?? 300) },
    );
  });

  it('any value at a key, in both format families', () => {
    fc.assert(
      fc.property(fc.array(key, { minLength: 1, maxLength: 3 }), fc.oneof(leaf, tree), fc.constantFrom('earliest' as const, 'latest' as const), (path, v, libver) => {
        const k = path.join('/');
        return same(load(save(null, v, { key: k, libver }), { key: k }), v);
      }),
      { numRuns: 150 },
    );
  });

  it('saving into an existing file adds keys and keeps the others', () => {
    fc.assert(
      fc.property(fc.dictionary(key, leaf, { minKeys: 1, maxKeys: 4, noNullPrototype: true }), fc.dictionary(key, leaf, { minKeys: 1, maxKeys: 4, noNullPrototype: true }), (a, b) => {
        const first = save(null, a);
        const clash = Object.keys(b).filter((k) => Object.hasOwn(a, k));
        if (clash.length > 0) {
          const before = first.slice();
          expect(() => save(first, b)).toThrow(H5KeyExistsError);
          expect(first).toEqual(before);
          return same(load(save(first, b, { override: true })), { ...a, ...b });
        }
        return same(load(save(first, b)), { ...a, ...b });
      }),
      { numRuns: 100 },
    );
  });
});
