// decodeChunks with a filter that decodes a batch (decodeMany) and hands each
// chunk on to the remaining stages (`each`) as soon as it is ready: the
// results must equal decoding every chunk on its own, whatever order the
// batch filter finishes in, with or without `each`, and with masked stages.
import { afterEach, describe, expect, it } from 'vitest';
import { type Filter, H5FilterDeclinedError, encodeChunks, registerFilter, shuffle, unregisterFilter } from '../../src/filters/index.js';
import { decodeChunk, decodeChunks, type PipelineEntry } from '../../src/filters/pipeline.js';

const BATCH = 32101;
const PLUS = 32102;
const reverse = (b: Uint8Array) => b.slice().reverse();
const calls: string[] = [];

/** Per-chunk stage: +1 on every byte; fails on a chunk whose first byte is 0xee. */
const plus: Filter = {
  id: PLUS,
  name: 'plus',
  decode(b, ctx) {
    calls.push(`plus ${ctx.where}`);
    if (b[0] === 0xee) throw new Error(`bad chunk ${ctx.where}`);
    return b.map((x) => (x + 1) & 255);
  },
};

function batchFilter(useEach: boolean): Filter {
  return {
    id: BATCH,
    name: 'reverse-batch',
    decode: reverse,
    decodeMany(inputs, ctxs, each) {
      calls.push(`batch of ${inputs.length}`);
      const out: Uint8Array[] = inputs.map(reverse);
      if (!useEach || !each) return out;
      // Finish in reverse order, as worker threads may.
      for (let j = out.length - 1; j >= 0; j--) out[j] = each(j, out[j]);
      return out;
    },
  };
}

// Written order: plus (index 0), then the batch filter (index 1); reading undoes the batch filter first.
const pipeline: PipelineEntry[] = [
  { id: PLUS, clientData: [] },
  { id: BATCH, clientData: [] },
];
const chunk = { elementSize: 1, chunkBytes: 4, where: 'test' };
const stored = [Uint8Array.of(1, 2, 3, 4), Uint8Array.of(5, 6, 7, 8), Uint8Array.of(9, 10, 11, 12), Uint8Array.of(13, 14, 15, 16)];
// Chunk 1 skipped the batch filter, chunk 2 skipped plus, chunk 3 skipped both.
const masks = [0, 0b10, 0b01, 0b11];
const wheres = ['c0', 'c1', 'c2', 'c3'];

afterEach(() => {
  unregisterFilter(BATCH);
  unregisterFilter(PLUS);
  calls.length = 0;
});

describe('decodeChunks with a batch filter', () => {
  for (const useEach of [true, false]) {
    it(`equals chunk-by-chunk decoding (${useEach ? 'each chunk handed on as ready' : 'filter ignores each'})`, () => {
      registerFilter(plus);
      registerFilter(batchFilter(useEach));
      const one = stored.map((s, k) => decodeChunk(pipeline, s, masks[k], { ...chunk, where: wheres[k] }));
      expect(one.map((b) => [...b])).toEqual([
        [5, 4, 3, 2],
        [6, 7, 8, 9],
        [12, 11, 10, 9],
        [13, 14, 15, 16],
      ]);
      calls.length = 0;
      const many = decodeChunks(pipeline, stored, masks, chunk, wheres);
      expect(many.map((b) => [...b])).toEqual(one.map((b) => [...b]));
      // The batch filter saw chunks 0 and 2 together; plus ran once for each of chunks 0 and 1.
      expect(calls.filter((c) => c.startsWith('batch'))).toEqual(['batch of 2']);
      expect(calls.filter((c) => c.startsWith('plus')).sort()).toEqual(['plus c0', 'plus c1']);
      // Handed on as ready: plus ran on chunk 0 inside the batch call, before plus on chunk 1.
      if (useEach) expect(calls).toEqual(['batch of 2', 'plus c0', 'plus c1']);
    });
  }

  it('an error of a later stage run from `each` reaches the caller', () => {
    registerFilter(plus);
    registerFilter(batchFilter(true));
    // Chunk 0 reversed starts with 0xee, so plus fails on it.
    const bad = [Uint8Array.of(1, 2, 3, 0xee), stored[1], Uint8Array.of(0, 0, 0, 0)];
    expect(() => decodeChunks(pipeline, bad, [0, 0, 0], chunk, ['c0', 'c1', 'c2'])).toThrow(/bad chunk c0/);
  });
});

describe("encodeChunks into the next stage's batch buffer", () => {
  const NEXT = 32103;
  const staging = new Uint8Array(1024);
  const inputs = [0, 1, 2].map((k) => Uint8Array.from({ length: 16 }, (_, i) => k * 16 + i));
  const pipe: PipelineEntry[] = [
    { id: 2, clientData: [4] },
    { id: NEXT, flags: 1, clientData: [] },
  ];
  const info = { elementSize: 4, chunkBytes: 16, where: 'test' };
  afterEach(() => unregisterFilter(NEXT));

  it('shuffle writes its outputs where the next stage asked, and that stage gets them there', () => {
    let sawStaged = false;
    registerFilter({
      id: NEXT,
      name: 'next',
      decode: (b) => b,
      encode: (b) => b.slice(),
      encodeMany(batch) {
        sawStaged = batch.every((b) => b.buffer === staging.buffer);
        return batch.map((b) => b.slice());
      },
      inputBuffer: () => staging,
    });
    const out = encodeChunks(pipe, inputs, info);
    expect(sawStaged).toBe(true);
    out.forEach((o, k) => expect([...o.data]).toEqual([...shuffle(inputs[k], 4)]));
  });

  it('outputs left in that buffer by a skipped optional stage are copied out of it', () => {
    registerFilter({
      id: NEXT,
      name: 'next',
      decode: (b) => b,
      encode: () => {
        throw new H5FilterDeclinedError('no');
      },
      encodeMany: () => {
        throw new H5FilterDeclinedError('no');
      },
      inputBuffer: () => staging,
    });
    const out = encodeChunks(pipe, inputs, info);
    out.forEach((o, k) => {
      expect(o.filterMask).toBe(0b10);
      expect(o.data.buffer).not.toBe(staging.buffer);
      expect([...o.data]).toEqual([...shuffle(inputs[k], 4)]);
    });
  });
});
