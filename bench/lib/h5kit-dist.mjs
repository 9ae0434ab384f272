// Where h5kit's build is imported from: dist/, or the snapshot of it that
// run.mjs takes right after `npm run build` (H5KIT_DIST_DIR), so that a
// rebuild by someone else during a long run cannot swap the code under test.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './config.mjs';

export const H5KIT_DIST_DIR = process.env.H5KIT_DIST_DIR ?? join(ROOT, 'dist');
export const h5kitFile = (entry) => join(H5KIT_DIST_DIR, entry);
export const h5kitUrl = (entry) => pathToFileURL(h5kitFile(entry)).href;
