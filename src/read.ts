/**
 * h5kit/read: reading HDF5 files, and nothing else. Everything here is also
 * exported by 'h5kit'; importing this entry instead keeps the writer, the
 * editor and pako out of a bundle (and out of a process's start-up time).
 * Its `File` has no `create`/`edit` statics (those live in 'h5kit').
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
export { registerFilter, unregisterFilter, getFilter } from './filters/registry.js';
export type { Filter, FilterContext } from './filters/filter.js';
export { dtypeString } from './api/dtype-string.js';
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
  H5NotLoadedError,
  type OnDemandModule,
} from './errors.js';
export { load, type LoadOptions } from './api/load.js';
export { MARKER, type NdArray } from './api/mapping.js';
export { openAsync, AsyncFile } from './api/open-async.js';
export { loadReaders } from './on-demand/load.js';
export { blobSource, httpSource, type AsyncByteSource, type BlockCacheOptions } from './io/async-source.js';
