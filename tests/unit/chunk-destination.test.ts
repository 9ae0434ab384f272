// Chunks decoded straight into the read's output (storage.ts destinationOf,
// FilterContext.into): every shape, chunk shape and selection must give the
// values a plain index computation gives, with filters that take the
// destination (shuffle, h5kit's inflate) and without.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { File, open } from '../../src/index.js';

const RUNS = Number(process.env.FC_RUNS ?? 100);

function strides(dims: number[]): number[] {
  const s = new Array(dims.length).fill(1);
  for (let d = dims.length - 2; d >= 0; d--) s[d] = s[d + 1] * dims[d + 1];
  return s;
}

/** The selected values, in row-major order of the selection, by index arithmetic. */
function expected(data: Float64Array, dims: number[], sel: [number, number, number][]): number[] {
  const st = strides(dims);
  const out: number[] = [];
  const walk = (d: number, base: number): void => {
    if (d === dims.length) {
      out.push(data[base]);
      return;
    }
    for (let i = sel[d][0]; i < sel[d][1]; i += sel[d][2]) walk(d + 1, base + i * st[d]);
  };
  walk(0, 0);
  return out;
}

const shapeAndChunks = fc
  .array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 3 })
  .chain((dims) => fc.tuple(fc.constant(dims), fc.tuple(...dims.map((n) => fc.integer({ min: 1, max: n }))), fc.tuple(...dims.map((n) => fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 1, max: n }), fc.integer({ min: 1, max: 3 }))))));

describe('chunks decoded into the output', () => {
  for (const [name, opts] of [
    ['shuffle + gzip', { compression: 'gzip', shuffle: true }],
    ['gzip', { compression: 'gzip' }],
    ['shuffle', { shuffle: true }],
    ['no filter', {}],
  ] as const) {
    it(`${name}: whole reads and selections match index arithmetic`, () => {
      fc.assert(
        fc.property(shapeAndChunks, ([dims, chunks, rawSel]) => {
          const n = dims.reduce((a, b) => a * b, 1);
          const data = Float64Array.from({ length: n }, (_, i) => i * 1.5 - 7);
          const f = File.create();
          f.createDataset('d', { data, shape: dims, chunks: [...chunks], ...opts });
          const ds = open(f.toBytes()).get('d') as import('../../src/index.js').Dataset;
          expect(Array.from(ds.read() as Float64Array)).toEqual(Array.from(data));
          // [start, stop, step] per dimension, never empty.
          const sel = rawSel.map(([start, stop, step]) => [start, Math.max(start + 1, stop), step] as [number, number, number]);
          const got = ds.read(sel) as Float64Array;
          expect(Array.from(got)).toEqual(expected(data, dims, sel));
        }),
        { numRuns: RUNS },
      );
    });
  }
});
