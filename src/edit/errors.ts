import { H5UnsupportedError } from '../errors.js';

/**
 * An edit h5kit refuses because copy-on-write would break something that
 * points at an object by its address (spec-notes/editing.md, "Corner
 * cases"). It is raised before anything of the edit is committed: the file
 * keeps its state from before the edit.
 *
 * - `referenced`: an object reference (or region reference) stored in a
 *   dataset or attribute points at the object, and the edit would move it.
 * - `shared`: the object's header counts more hard links than a walk of the
 *   tree finds (a committed datatype used by datasets or attributes, or
 *   links from objects not reachable from the root), so some of those
 *   pointers could not be updated.
 * - `unsupported-file`: the file uses a feature the editor does not rewrite
 *   (metadata cache image, open for writing by another process, ...).
 */
export class H5UnsafeEditError extends H5UnsupportedError {
  override name = 'H5UnsafeEditError';
  constructor(
    readonly reason: 'referenced' | 'shared' | 'unsupported-file',
    message: string,
  ) {
    super(message);
  }
}
