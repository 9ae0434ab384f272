// FileSource serves small reads as views of cached extents: what a read
// returns must still be the caller's to modify without changing what later
// reads see (storage copies views; only whole-buffer reads are kept as is).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { File, type Dataset } from '../../src/index.js';
import { SourceRangeError } from '../../src/io/memory-source.js';
import { FileSource } from '../../src/node/file-source.js';
import { openFile } from '../../src/node/index.js';

const dir = mkdtempSync(join(tmpdir(), 'h5kit-fs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('FileSource', () => {
  it('returns values the caller may modify, for small (cached) and large (direct) contiguous datasets', () => {
    const path = join(dir, 'sizes.h5');
    const f = File.create();
    const small = Float64Array.from({ length: 100 }, (_, i) => i + 0.5);
    const large = Float64Array.from({ length: 10_000 }, (_, i) => -i);
    f.createDataset('small', { data: small });
    f.createDataset('large', { data: large });
    writeFileSync(path, f.toBytes());
    const h = openFile(path);
    for (const [name, expected] of [['small', small], ['large', large]] as const) {
      const a = (h.get(name) as Dataset).read() as Float64Array;
      expect(Array.from(a)).toEqual(Array.from(expected));
      a.fill(42);
      expect(Array.from((h.get(name) as Dataset).read() as Float64Array)).toEqual(Array.from(expected));
    }
    h.close();
  });

  it('reads the bytes at any offset and length, across extents', () => {
    const path = join(dir, 'bytes.bin');
    const bytes = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7 + (i >> 9)) & 0xff);
    writeFileSync(path, bytes);
    const src = new FileSource(path);
    for (const [o, n] of [[0, 1], [4095, 2], [5000, 16384], [70_000, 16385], [299_990, 10], [123_456, 0], [65_530, 100]]) {
      expect(Array.from(src.read(o, n))).toEqual(Array.from(bytes.subarray(o, o + n)));
    }
    expect(() => src.read(299_999, 2)).toThrow(SourceRangeError);
    src.close();
  });
});
