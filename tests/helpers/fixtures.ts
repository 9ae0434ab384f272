import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/** The `NAME.h5` files of a fixture folder that have an h5py-made `NAME.h5.json` description. */
export function describedFixtures(folder: string): { name: string; path: string; expected: unknown[] }[] {
  const dir = join(FIXTURES, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.(h5|hdf5|nc)$/.test(f) && existsSync(join(dir, f + '.json')))
    .sort()
    .map((f) => ({ name: f, path: join(dir, f), expected: JSON.parse(readFileSync(join(dir, f + '.json'), 'utf8')) }));
}
