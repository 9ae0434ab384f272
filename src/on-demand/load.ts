import { H5NotLoadedError } from '../errors.js';
import { provideModules } from './registry.js';

/**
 * Load the readers 'h5kit/read' keeps out of its bundle (the modules of
 * OnDemandModules, registry.ts). One chunk, fetched once; after it, a
 * synchronous open() reads every file the full library reads. The full
 * entries have them already, so there it does nothing.
 */
export async function loadReaders(): Promise<void> {
  const { ALL_READERS } = await import('./all.js');
  provideModules(ALL_READERS);
}

/** Run `op`; when it stops at a reader that is not loaded yet, load the readers and run it again. */
export async function withReaders<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    if (!(e instanceof H5NotLoadedError)) throw e;
    await loadReaders();
    return op();
  }
}
