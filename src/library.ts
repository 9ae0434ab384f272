/**
 * Everything h5kit exports in any runtime, without a deflate encoder: the
 * 'h5kit' entry (index.ts) adds pako's, 'h5kit/node' (node/index.ts) adds
 * node:zlib's, so a Node process never loads pako.
 */
import { File as ReadableFile } from './api/file.js';
import type { ByteSink } from './io/sink.js';
import { WritableFile, type CreateOptions } from './api/writable.js';
import { EditableFile, type EditOptions } from './edit/editable.js';

export * from './read.js';

/**
 * An HDF5 file open for reading (see 'h5kit/read'), plus the two ways to get
 * one for writing. The statics are attached here, not in the class, so that
 * the read-only entry does not bring the writer and the editor along.
 */
export const File: typeof ReadableFile & {
  /**
   * Start a new file. In memory by default (`toBytes()` gives it); pass a
   * sink to stream it elsewhere (h5kit/node: `createFile(path)`).
   */
  create(sink?: ByteSink, options?: CreateOptions): WritableFile;
  /**
   * Edit an existing file in place, crash-safe (spec-notes/editing.md):
   * bytes are edited in a copy (`toBytes()` returns the result), a sink
   * where it is (h5kit/node: `editFile(path)`). Changes become visible at
   * `commit()`/`close()`, in one superblock write.
   */
  edit(source: Uint8Array | ArrayBuffer | ByteSink, options?: EditOptions): EditableFile;
} = /* @__PURE__ */ Object.assign(ReadableFile, {
  create: (sink?: ByteSink, options?: CreateOptions) => WritableFile.create(sink, options),
  edit: (source: Uint8Array | ArrayBuffer | ByteSink, options?: EditOptions) => EditableFile.open(source, options),
});
export type File = ReadableFile;

export { MemorySink, type ByteSink } from './io/sink.js';
export {
  WritableFile,
  WritableGroup,
  WritableDataset,
  WritableNamedType,
  WritableAttributes,
  type CreateOptions,
  type CreateDatasetOptions,
  type RegionTarget,
} from './api/writable.js';
export {
  parseDtype,
  integerType,
  floatType,
  boolType,
  complexType,
  fixedStringType,
  vlenStringType,
  vlenType,
  arrayType,
  enumType,
  compoundType,
  opaqueType,
  referenceType,
  type DtypeSpec,
  type BitRange,
  type FloatLayout,
} from './model/dtype-spec.js';
export {
  EditableFile,
  EditableGroup,
  EditableDataset,
  EditableNamedType,
  EditableAttributes,
  type EditableObject,
  type EditOptions,
  type EditDatasetOptions,
} from './edit/editable.js';
export { H5UnsafeEditError } from './edit/errors.js';
export { describeFile, type DescribeOptions, type Entry as DescriptionEntry } from './dump/describe.js';
export { save, type SaveOptions } from './api/save.js';
export { repack, repackInto, type RepackOptions } from './api/repack.js';
