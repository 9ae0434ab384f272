import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Dataset, open } from '../../src/index.js';
import { FIXTURES } from '../helpers/fixtures.js';

const expected = JSON.parse(readFileSync(join(FIXTURES, 'selection', 'big_chunked.json'), 'utf8'));

// An 8192x8192 float32 dataset chunked 256x256 with gzip (gen_selection.py):
// a slice must decode only the chunks it touches.
for (const name of ['big_chunked.h5', 'big_chunked_latest.h5']) {
  describe(name, () => {
    const bytes = readFileSync(join(FIXTURES, 'selection', name));
    const decoded: string[] = [];
    const f = open(bytes, { onChunk: (o) => decoded.push(o.join(',')) });
    const ds = f.get('/data') as Dataset;

    it('reads [4000:4100, 1000:1100] decoding only the 4 chunks it touches', () => {
      decoded.length = 0;
      const got = ds.read([[4000, 4100], [1000, 1100]]) as Float32Array;
      expect(Array.from(got)).toEqual(expected.slice_a);
      expect(decoded.sort()).toEqual(['3840,768', '3840,1024', '4096,768', '4096,1024'].sort());
    });

    it('reads a strided slice crossing unwritten chunks (fill value)', () => {
      decoded.length = 0;
      const got = ds.read([[3890, 3910, 3], [1290, 1310, 7]]) as Float32Array;
      expect(Array.from(got)).toEqual(expected.slice_b);
      expect(decoded.length).toBeLessThanOrEqual(4);
    });
  });
}
