/**
 * h5kit/node: the Node-only pieces (files on disk by path or handle).
 */
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { File, open, type OpenOptions } from '../api/file.js';
import { FileSource } from './file-source.js';
import { nodeDeflateFilter } from './zlib-deflate.js';
import { registerFilter } from '../filters/registry.js';
import { ALL_READERS } from '../on-demand/all.js';
import { provideModules } from '../on-demand/registry.js';

// Node's zlib replaces pako for deflate wherever h5kit/node is loaded.
registerFilter(nodeDeflateFilter);
// Every reader up front: only 'h5kit/read' loads rare ones on demand (src/on-demand/).
provideModules(ALL_READERS);
import { FileSink } from './file-sink.js';
import { WritableFile, type CreateOptions } from '../api/writable.js';
import { planValue, writePlan, type Plan, type SaveOptions } from '../api/save.js';
import { withLock, type LockOptions } from './lock.js';
import { load as coreLoad, type LoadOptions } from '../api/load.js';
import { EditableFile, type EditOptions } from '../edit/editable.js';
import { repackInto, type RepackOptions } from '../api/repack.js';
import { H5ValueError } from '../errors.js';

export { FileSource, FileSink };
export { FileLock, withLock as withFileLock, type LockOptions } from './lock.js';

/** Options of the path-taking save(): the core options plus the modes for concurrent and crash-safe use. */
export interface SaveFileOptions extends SaveOptions, LockOptions {
  /**
   * Take an exclusive lock beside the file (`<path>.lock`) for the whole
   * save, so that several processes can save into one file; the save is
   * fsynced before the lock is released. Stale locks (dead process, or
   * older than `lockStale`) are broken; H5LockTimeoutError after `lockTimeout`.
   */
  readonly lock?: boolean;
  /**
   * After a crash at any point (process or machine), the file holds the old
   * or the new content: a new file is written beside the target, fsynced
   * and renamed into place; an existing file is edited with every write
   * fsynced before the superblock switches to it.
   */
  readonly atomic?: boolean;
}

/**
 * Save `value` into the HDF5 file at `path`, creating it if needed (see the
 * core `save()` for the mapping, `key` and `override`). The value is checked
 * completely before the file is touched.
 *
 * Modes: direct (default) writes a new file in place and edits an existing
 * one copy-on-write without fsync: fast, and a killed process leaves the old
 * or new content of an existing file, but a machine crash may not, and
 * concurrent savers into one file can lose each other's keys or corrupt the
 * file. `lock: true` serialises savers; `atomic: true` adds fsyncs (and
 * temp-and-rename for new files) for crash safety. See README "Concurrency
 * and crashes".
 */
export function save(path: string, value: unknown, options: SaveFileOptions = {}): void {
  const plan = planValue(value, options.key);
  const durable = !!(options.atomic || options.lock);
  const run = () => (existsSync(path) ? saveInto(path, plan, options, durable) : saveNew(path, plan, options, durable));
  if (options.lock) withLock(path, options, run);
  else run();
}

function saveInto(path: string, plan: Plan, options: SaveFileOptions, durable: boolean): void {
  const f = EditableFile.open(new FileSink(path, 'r+', { durable }));
  try {
    writePlan(f, plan, options);
  } catch (e) {
    // Nothing was committed: the file still holds its old content.
    f.abandon();
    throw e;
  }
  f.close();
}

function saveNew(path: string, plan: Plan, options: SaveFileOptions, durable: boolean): void {
  const target = options.atomic ? `${path}.h5kit-${process.pid}-${Date.now()}.tmp` : path;
  try {
    const f = WritableFile.create(new FileSink(target, 'w', { durable }), { libver: options.libver });
    writePlan(f, plan, options);
    f.close();
    if (target !== path) {
      renameSync(target, path);
      syncDirectory(dirname(resolve(path)));
    }
  } catch (e) {
    rmSync(target, { force: true });
    throw e;
  }
}

/** fsync a directory so a rename in it survives a machine crash (a no-op where directories cannot be opened, e.g. Windows). */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    /* not supported here */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Rewrite the file at `inPath` compactly into `outPath` (see the core
 * `repack()`): chunks are copied as stored, without recompressing. The
 * output is written beside its target and renamed into place, so a failed
 * repack never leaves a partial file at `outPath`.
 */
export function repackFile(inPath: string, outPath: string, options: RepackOptions = {}): void {
  if (resolve(inPath) === resolve(outPath)) throw new H5ValueError('repack writes a new file: give an output path other than the input');
  const src = openFile(inPath);
  const tmp = `${outPath}.h5kit-${process.pid}-${Date.now()}.tmp`;
  try {
    repackInto(src, new FileSink(tmp, 'w'), options);
    renameSync(tmp, outPath);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  } finally {
    src.close();
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

/**
 * Start a new HDF5 file at `path` (truncated if it exists); it is complete
 * once closed. Like libhdf5, the data is left to the page cache: pass
 * `durable: true` to fsync at close (a new file that must survive a machine
 * crash is better written with save(..., { atomic: true }), which also
 * renames it into place).
 */
export function createFile(path: string, options: CreateOptions & { readonly durable?: boolean } = {}): WritableFile {
  return WritableFile.create(new FileSink(path, 'w', { durable: options.durable ?? false }), options);
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

export * from '../library.js';
// The path-taking save/load above take precedence over the core ones re-exported here.
