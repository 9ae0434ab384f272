/**
 * h5kit/node: the Node-only pieces (files on disk by path or handle).
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { File, open, type OpenOptions } from '../api/file.js';
import { FileSource } from './file-source.js';
import { nodeDeflateFilter } from './zlib-deflate.js';
import { registerFilter } from '../filters/registry.js';

// Node's zlib replaces pako for deflate wherever h5kit/node is loaded.
registerFilter(nodeDeflateFilter);
import { FileSink } from './file-sink.js';
import { WritableFile, type CreateOptions } from '../api/writable.js';
import { planValue, writePlan, type SaveOptions } from '../api/save.js';
import { load as coreLoad, type LoadOptions } from '../api/load.js';
import { H5KeyExistsError } from '../errors.js';
import { EditableFile, type EditOptions } from '../edit/editable.js';

export { FileSource, FileSink };

/**
 * Save `value` to a new HDF5 file at `path` (see the core `save()` for the
 * mapping). The file is written beside the target and renamed into place,
 * so a failed save never leaves a partial file at `path`. Saving into an
 * existing file needs in-place editing, which is not implemented yet: an
 * existing `path` is an H5KeyExistsError.
 */
export function save(path: string, value: unknown, options: SaveOptions = {}): void {
  if (existsSync(path)) {
    throw new H5KeyExistsError(`${path} exists: saving into an existing file needs in-place editing (not implemented yet); choose a new path`);
  }
  const plan = planValue(value, options.key);
  const tmp = `${path}.h5kit-${process.pid}-${Date.now()}.tmp`;
  try {
    const f = WritableFile.create(new FileSink(tmp, 'w'), { libver: options.libver });
    writePlan(f, plan, options);
    f.close();
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Load a file by path (see the core `load()`). */
export function load(path: string, options: LoadOptions = {}): unknown {
  const f = openFile(path, options);
  try {
    return coreLoad(f, options);
  } finally {
    f.close();
  }
}

/** Start a new HDF5 file at `path` (truncated if it exists); it is complete once closed. */
export function createFile(path: string, options?: CreateOptions): WritableFile {
  return WritableFile.create(new FileSink(path, 'w'), options);
}

/**
 * Edit the HDF5 file at `path` in place, crash-safe (spec-notes/editing.md):
 * changed objects are appended and the superblock rewritten at `commit()`
 * and `close()`, each write made durable (fsync) before the superblock's;
 * until then the file on disk is unchanged for every reader.
 */
export function editFile(path: string, options?: EditOptions): EditableFile {
  return EditableFile.open(new FileSink(path, 'r+'), options);
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
// The path-taking save/load above take precedence over the core ones re-exported here.
