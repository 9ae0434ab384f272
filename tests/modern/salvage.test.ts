import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { H5ChecksumError, open, type Group } from '../../src/index.js';
import { FIXTURES } from '../helpers/fixtures.js';

// A flipped bit in a checksummed object header: an H5ChecksumError naming the
// structure and offset by default; readable with relaxChecksums for salvage.
describe('checksum policy', () => {
  const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'modern', 'groups.h5')));
  const f = open(bytes);
  const target = (f.get('/a') as Group).address;

  it('reports a corrupted object header with its structure and offset', () => {
    const bad = bytes.slice();
    // The 7th byte of an OHDR is inside the checksummed prefix (chunk size or times).
    bad[f.superblock.baseAddress + target + 6] ^= 0x01;
    const g = open(bad);
    let err: unknown;
    try {
      g.get('/a');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(H5ChecksumError);
    expect((err as H5ChecksumError).offset).toBe(target);
    expect((err as Error).message).toMatch(/object header v2 at offset \d+: checksum mismatch/);
  });

  it('relaxChecksums skips the check', () => {
    const bad = bytes.slice();
    // Corrupt only the stored checksum itself, so the structure still parses.
    const h = f.get('/a') as Group;
    const ohdr = f.superblock.baseAddress + target;
    const flags = bad[ohdr + 5];
    const timesLen = flags & 0x20 ? 16 : 0;
    const phase = flags & 0x10 ? 4 : 0;
    const widthBytes = 1 << (flags & 3);
    const sizeAt = ohdr + 6 + timesLen + phase;
    let chunk0 = 0;
    for (let i = widthBytes - 1; i >= 0; i--) chunk0 = chunk0 * 256 + bad[sizeAt + i];
    const checksumAt = sizeAt + widthBytes + chunk0;
    bad[checksumAt] ^= 0xff;
    expect(() => open(bad).get('/a')).toThrow(H5ChecksumError);
    expect((open(bad, { relaxChecksums: true }).get('/a') as Group).keys()).toEqual(h.keys());
  });
});

describe('Node Buffers as input', () => {
  it('are read without modifying the caller\'s bytes', () => {
    const buf = readFileSync(join(FIXTURES, 'modern', 'groups.h5'));
    const before = Buffer.from(buf);
    const f = open(buf);
    f.visit(() => {});
    expect(buf.equals(before)).toBe(true);
    expect(f.keys()).toEqual(open(new Uint8Array(before)).keys());
  });
});
