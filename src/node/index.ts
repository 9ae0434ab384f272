/**
 * h5kit/node: the Node-only pieces (files on disk by path or handle).
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { File, open, type OpenOptions } from '../api/file.js';
import { FileSource } from './file-source.js';
import { FileSink } from './file-sink.js';
import { WritableFile, type CreateOptions } from '../api/writable.js';

export { FileSource, FileSink };

/** Start a new HDF5 file at `path` (truncated if it exists); it is complete once closed. */
export function createFile(path: string, options?: CreateOptions): WritableFile {
  return WritableFile.create(new FileSink(path, 'w'), options);
}

/**
 * Open an HDF5 file by path. External raw-data files and external-link
 * targets are resolved relative to the file's directory.
 */
export function openFile(path: string, options: OpenOptions = {}): File {
  const dir = dirname(resolve(path));
  return open(new FileSource(path), {
    openExternal: (name) => new FileSource(resolve(dir, name)),
    resolveFile: (name) => {
      const p = isAbsolute(name) ? name : resolve(dir, name);
      return existsSync(p) ? openFile(p, options) : undefined;
    },
    ...options,
  });
}

export * from '../index.js';
