/**
 * h5kit: HDF5 read and written in pure TypeScript. This entry point is the
 * browser-safe core: no Node APIs. Node-only pieces are in `h5kit/node`.
 */
export { open, File, type OpenOptions, type Source } from './api/file.js';
export { Group, type H5Object } from './api/group.js';
export { Dataset } from './api/dataset.js';
export { NamedDatatype } from './api/named-datatype.js';
export { AttributeManager, type AttributeInfo } from './api/attributes.js';
export { SoftLink, ExternalLink, HardLink, UserDefinedLink, type AnyLink } from './api/links.js';
export { Reference, RegionReference, type Value, type ReadOptions } from './api/values.js';
export type { Selection, DimSelection } from './model/selection.js';
export type { Datatype } from './format/messages/datatype.js';
export type { RegionSelection } from './model/references.js';
export type { ByteSource } from './io/source.js';
export { MemorySource } from './io/memory-source.js';
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
export { registerFilter, unregisterFilter, getFilter } from './filters/registry.js';
export { describeFile, type DescribeOptions, type Entry as DescriptionEntry } from './dump/describe.js';
export { dtypeString } from './api/dtype-string.js';
export type { Filter, FilterContext } from './filters/filter.js';
export {
  H5Error,
  H5FormatError,
  H5ChecksumError,
  H5UnsupportedError,
  H5NotFoundError,
  H5TypeError,
  H5KeyExistsError,
  H5LockTimeoutError,
  H5ValueError,
} from './errors.js';
export { save, type SaveOptions } from './api/save.js';
export { repack, repackInto, type RepackOptions } from './api/repack.js';
export { load, type LoadOptions } from './api/load.js';
export { MARKER, type NdArray } from './api/mapping.js';
export { openAsync, AsyncFile } from './api/open-async.js';
export { blobSource, httpSource, type AsyncByteSource, type BlockCacheOptions } from './io/async-source.js';
