import type { OnDemandModules } from './on-demand/registry.js';

/**
 * Error classes users can catch. Every error h5kit raises on purpose is an
 * `H5Error`; format problems carry the structure name and file offset.
 */
export class H5Error extends Error {
  override name = 'H5Error';
}

/** The bytes do not form a valid HDF5 structure. */
export class H5FormatError extends H5Error {
  override name = 'H5FormatError';
  constructor(
    readonly structure: string,
    readonly offset: number,
    readonly detail: string,
  ) {
    super(`${structure} at offset ${offset}: ${detail}`);
  }
}

/** A checksum stored in the file does not match the bytes it covers. */
export class H5ChecksumError extends H5FormatError {
  override name = 'H5ChecksumError';
}

/** Valid HDF5 that uses a feature h5kit does not implement (e.g. a third-party filter). */
export class H5UnsupportedError extends H5Error {
  override name = 'H5UnsupportedError';
}

/** A path, attribute or object that does not exist. */
export class H5NotFoundError extends H5Error {
  override name = 'H5NotFoundError';
}

/** A value that cannot be represented in (or converted from) the requested HDF5 type. */
export class H5TypeError extends H5Error {
  override name = 'H5TypeError';
}

/** A key that already exists where a new one was requested without `override`. */
export class H5KeyExistsError extends H5Error {
  override name = 'H5KeyExistsError';
}

/** Invalid arguments: a bad selection, shape, name or option. */
export class H5ValueError extends H5Error {
  override name = 'H5ValueError';
}

/** A lock beside a file (save with `lock: true`) could not be taken within the timeout. */
export class H5LockTimeoutError extends H5Error {
  override name = 'H5LockTimeoutError';
}

/** Names of the readers 'h5kit/read' loads on demand (src/on-demand/registry.ts). */
export type OnDemandModule = keyof OnDemandModules;

/**
 * The file uses a structure whose reader 'h5kit/read' loads on demand, and
 * it was not loaded. openAsync() loads it by itself; before a synchronous
 * open(), `await loadReaders()` (or import 'h5kit', which has them all).
 */
export class H5NotLoadedError extends H5UnsupportedError {
  override name = 'H5NotLoadedError';
  constructor(
    readonly module: OnDemandModule,
    what: string,
  ) {
    super(`${what}: its reader is loaded on demand in 'h5kit/read' and is not loaded yet; call \`await loadReaders()\` once before open(), read through openAsync(), or use the 'h5kit' entry, which has them all`);
  }
}
