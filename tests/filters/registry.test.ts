// The 'h5kit' entry provides the portable (pako) deflate encoder.
import '../../src/index.js';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { H5Error, H5FormatError, H5UnsupportedError, H5ValueError } from '../../src/errors.js';
import {
  type Filter,
  decodeChunk,
  encodeChunk,
  encoderFor,
  filterName,
  getFilter,
  lzfClientData,
  registerFilter,
  registeredFilterIds,
  unregisterFilter,
} from '../../src/filters/index.js';

const custom: Filter = {
  id: 32015,
  name: 'reverse',
  decode: (input) => input.slice().reverse(),
  encode: (input) => input.slice().reverse(),
};

afterEach(() => {
  unregisterFilter(32015);
  unregisterFilter(1);
});

describe('registry', () => {
  it('provides the built-in codecs', () => {
    expect(registeredFilterIds()).toEqual([1, 2, 3, 5, 6, 32000]);
    for (const [id, name] of [
      [1, 'deflate'],
      [2, 'shuffle'],
      [3, 'fletcher32'],
      [5, 'nbit'],
      [6, 'scaleoffset'],
      [32000, 'lzf'],
    ] as const) {
      expect(getFilter(id)?.name).toBe(name);
      expect(getFilter(id)?.id).toBe(id);
    }
    // Every built-in codec can also encode.
    for (const id of registeredFilterIds()) expect(encoderFor(id)?.encode, `filter ${id}`).toBeDefined();
    expect(getFilter(4)).toBeUndefined();
  });

  it('names filters it cannot decode', () => {
    expect(filterName(4)).toBe('szip');
    expect(filterName(32001)).toBe('blosc');
    expect(filterName(32004)).toBe('lz4');
    expect(filterName(32008)).toBe('bitshuffle');
    expect(filterName(32013)).toBe('zfp');
    expect(filterName(32015)).toBe('zstd');
    expect(filterName(32026)).toBe('blosc2');
    expect(filterName(307)).toBe('bzip2');
    expect(filterName(305)).toBe('lzo');
    expect(filterName(32019)).toBe('jpeg');
    expect(filterName(32022)).toBe('bitgroom');
    expect(filterName(32023)).toBe('granularbr');
    expect(filterName(40000)).toBeUndefined();
  });

  it('lets users add filters and override built-ins', () => {
    registerFilter(custom);
    expect(getFilter(32015)).toBe(custom);
    expect(filterName(32015)).toBe('reverse');
    const shouty: Filter = { id: 1, name: 'my-deflate', decode: (x) => x };
    registerFilter(shouty);
    expect(getFilter(1)).toBe(shouty);
    // A decode-only replacement also replaces the built-in for writing: nothing encodes id 1 now.
    expect(encoderFor(1)).toBeUndefined();
    expect(unregisterFilter(1)).toBe(true);
    expect(encoderFor(1)?.name).toBe('deflate');
    expect(getFilter(1)?.name).toBe('deflate');
    expect(unregisterFilter(1)).toBe(false);
    expect(unregisterFilter(32015)).toBe(true);
    expect(getFilter(32015)).toBeUndefined();
    expect(() => registerFilter({ ...custom, id: 70000 })).toThrow(H5ValueError);
  });
});

describe('pipeline', () => {
  const chunk = { elementSize: 4, chunkBytes: 4000, where: 'dataset "/d" chunk [0]' };
  const data = new Uint8Array(new Int32Array(Array.from({ length: 1000 }, (_, i) => i * 3)).buffer);

  it('round-trips shuffle + deflate + fletcher32', () => {
    const pipeline = [
      { id: 2, flags: 1, clientData: [4] },
      { id: 1, flags: 1, clientData: [6] },
      { id: 3, flags: 0, clientData: [] },
    ];
    const { data: stored, filterMask } = encodeChunk(pipeline, data, chunk);
    expect(filterMask).toBe(0);
    expect(stored.length).toBeLessThan(data.length);
    expect(decodeChunk(pipeline, stored, 0, chunk)).toEqual(data);
    const corrupt = stored.slice();
    corrupt[5] ^= 0x40;
    expect(() => decodeChunk(pipeline, corrupt, 0, chunk)).toThrow(H5FormatError);
  });

  it('skips optional filters that decline and honours the mask on read', () => {
    let x = 7;
    const noise = new Uint8Array(4000).map(() => ((x = (x * 1103515245 + 12345) >>> 0) >>> 24) & 0xff);
    const pipeline = [
      { id: 2, flags: 1, clientData: [4] },
      { id: 32000, flags: 1, clientData: lzfClientData(4000) },
    ];
    const { data: stored, filterMask } = encodeChunk(pipeline, noise, chunk);
    expect(filterMask).toBe(0b10);
    expect(decodeChunk(pipeline, stored, filterMask, chunk)).toEqual(noise);
    // A mandatory filter that declines makes the write fail.
    expect(() => encodeChunk([{ id: 32000, flags: 0, clientData: [] }], noise, chunk)).toThrow(H5Error);
  });

  it('reports unavailable filters and size mismatches', () => {
    expect(() => decodeChunk([{ id: 32001, clientData: [] }], data, 0, chunk)).toThrow(H5UnsupportedError);
    expect(() => decodeChunk([{ id: 32001, clientData: [] }], data, 0, chunk)).toThrow(/blosc \(id 32001\)/);
    expect(() => decodeChunk([{ id: 40000, name: 'acme', clientData: [] }], data, 0, chunk)).toThrow(/acme/);
    expect(decodeChunk([{ id: 32001, clientData: [] }], data, 1, chunk)).toBe(data);
    expect(() => decodeChunk([], data.subarray(4), 0, chunk)).toThrow(/3996 bytes instead of 4000/);
    // A filter that can only decode: mandatory, the write fails; optional, the chunk is stored without it.
    registerFilter({ id: 32100, name: 'decode-only', decode: (b) => b });
    try {
      expect(() => encodeChunk([{ id: 32100, flags: 0, clientData: [] }], data, chunk)).toThrow(H5UnsupportedError);
      expect(encodeChunk([{ id: 32100, flags: 1, clientData: [] }], data, chunk).filterMask).toBe(1);
    } finally {
      unregisterFilter(32100);
    }
  });

  it('uses registered user filters', () => {
    registerFilter(custom);
    const pipeline = [{ id: 32015, clientData: [] }];
    const { data: stored } = encodeChunk(pipeline, data, chunk);
    expect(stored[0]).toBe(data[data.length - 1]);
    expect(decodeChunk(pipeline, stored, 0, chunk)).toEqual(data);
  });
});

describe('malformed chunks', () => {
  interface Fixture {
    datasets: {
      path: string;
      elementSize: number;
      chunkBytes: number;
      filters: { id: number; flags: number; clientData: number[] }[];
      chunks: { mask: number; raw: string }[];
    }[];
  }
  const fixture = JSON.parse(
    readFileSync(new URL('../fixtures/filters/filters.json', import.meta.url), 'utf8'),
  ) as Fixture;

  it('only ever raise H5Error, never RangeError/TypeError or hangs', () => {
    let seed = 2024;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    let failures = 0;
    for (const ds of fixture.datasets) {
      for (const chunk of ds.chunks) {
        const raw = new Uint8Array(Buffer.from(chunk.raw, 'base64'));
        for (let trial = 0; trial < 40; trial++) {
          let bytes = raw.slice();
          const kind = trial % 4;
          if (kind === 0) bytes = bytes.subarray(0, next(bytes.length + 1));
          else if (kind === 1) for (let k = 0; k < 3; k++) bytes[next(bytes.length)] ^= 1 << next(8);
          else if (kind === 2) bytes[next(bytes.length)] = next(256);
          const filters = ds.filters.map((f) => ({
            ...f,
            clientData:
              kind === 3 && f.clientData.length > 0
                ? f.clientData.map((v, i) => (i === next(f.clientData.length) ? next(1 << 16) : v))
                : f.clientData,
          }));
          try {
            decodeChunk(filters, bytes, chunk.mask, {
              elementSize: ds.elementSize,
              chunkBytes: ds.chunkBytes,
              where: ds.path,
            });
          } catch (err) {
            failures++;
            if (!(err instanceof H5Error)) throw new Error(`${ds.path}: ${String(err)}`);
          }
        }
      }
    }
    expect(failures).toBeGreaterThan(100);
  });
});
