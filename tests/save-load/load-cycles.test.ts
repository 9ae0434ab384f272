import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { load } from '../../src/node/index.js';
import { FIXTURES } from '../helpers/fixtures.js';

// groups.h5 (gen_classic.py) has a hard link from /a/b/c/up back to /a (its .json says same_as "/a").
describe('load() of files with shared objects and hard-link cycles', () => {
  it('gives the same JS object for every link to one HDF5 object', () => {
    const tree = load(join(FIXTURES, 'classic', 'groups.h5')) as Record<string, Record<string, Record<string, Record<string, unknown>>>>;
    expect(tree.a.b.c.up).toBe(tree.a);
  });
});
