/**
 * Chunks written by libhdf5/h5py (tests/fixtures/gen_filters.py) must decode
 * through the registry to exactly the bytes libhdf5 produces.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeChunk, getFilter } from '../../src/filters/index.js';
// The full library, where every decoder is present ('h5kit/read' loads some on demand: tests/unit/on-demand.test.ts).
import '../../src/index.js';

interface FixtureChunk {
  offset: number[];
  mask: number;
  raw: string;
  expected: string;
}
interface FixtureDataset {
  file: string;
  path: string;
  note: string;
  elementSize: number;
  chunkShape: number[];
  chunkBytes: number;
  filters: { id: number; name: string; flags: number; clientData: number[] }[];
  chunks: FixtureChunk[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/filters/filters.json', import.meta.url), 'utf8'),
) as { datasets: FixtureDataset[] };

const bytes = (b64: string): Uint8Array => new Uint8Array(Buffer.from(b64, 'base64'));

describe('filters decode chunks written by libhdf5', () => {
  it('covers every built-in filter', () => {
    const ids = new Set(fixture.datasets.flatMap((d) => d.filters.map((f) => f.id)));
    expect([...ids].sort((a, b) => a - b)).toEqual([1, 2, 3, 5, 6, 32000]);
    for (const id of ids) expect(getFilter(id)).toBeDefined();
  });

  for (const ds of fixture.datasets) {
    const label = `${ds.file}:${ds.path} (${ds.filters.map((f) => f.id).join('+')}) - ${ds.note}`;
    it(label, () => {
      expect(ds.chunks.length).toBeGreaterThan(0);
      for (const chunk of ds.chunks) {
        const where = `${ds.file} ${ds.path} chunk [${chunk.offset.join(',')}]`;
        const out = decodeChunk(ds.filters, bytes(chunk.raw), chunk.mask, {
          elementSize: ds.elementSize,
          chunkBytes: ds.chunkBytes,
          where,
        });
        expect(Buffer.from(out).toString('base64'), where).toBe(chunk.expected);
      }
    });
  }

  it('includes a chunk stored raw because LZF declined it (filter mask bit 0)', () => {
    const masked = fixture.datasets.filter((d) => d.chunks.some((c) => c.mask !== 0));
    expect(masked.map((d) => d.path)).toContain('/noise');
    for (const ds of masked) {
      for (const chunk of ds.chunks.filter((c) => c.mask === 1)) {
        expect(chunk.raw).toBe(chunk.expected);
      }
    }
  });
});
