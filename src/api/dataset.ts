import { H5FormatError, H5UnsupportedError } from '../errors.js';
import { elementCount, readDataspace, type Dataspace } from '../format/messages/dataspace.js';
import type { Datatype } from '../format/messages/datatype.js';
import { readDataLayout, type DataLayout } from '../format/messages/data-layout.js';
import { NO_FILL_VALUE_MESSAGE, readFillValue, readFillValueOld, type FillValue } from '../format/messages/fill-value.js';
import { readFilterPipeline, type FilterDescription } from '../format/messages/filter-pipeline.js';
import { readExternalFileList } from '../format/messages/info.js';
import { MessageType } from '../format/object-header.js';
import { findMessage, resolveMessage } from '../model/header-messages.js';
import { resolveSelection, type Selection } from '../model/selection.js';
import { readHyperslab, type StorageInfo } from '../model/storage.js';
import { findChunks, type ChunkLocation } from '../model/chunk-index.js';
import { readDatatype } from '../format/messages/datatype.js';
import { H5Node } from './node.js';
import { decodeValue, type ReadOptions, type Value } from './values.js';
import { filterName } from '../filters/registry.js';
import type { VirtualLayout, VirtualSource } from '../model/virtual.js';
import { need as needModule } from '../on-demand/registry.js';

/** A dataset: typed n-dimensional data with h5py's metadata vocabulary. */
export class Dataset extends H5Node {
  readonly kind = 'dataset' as const;
  private _meta?: {
    dtype: Datatype;
    committedAddress?: number;
    space: Dataspace;
    layout: DataLayout;
    filters: FilterDescription[];
    fill?: FillValue;
    virtual?: VirtualLayout;
  };

  private get meta() {
    if (this._meta) return this._meta;
    const h = this.header;
    const ctx = this.ctx;
    const sohm = this.file.sharedMessages;
    const need = (type: number, what: string) => {
      const m = findMessage(h, type);
      if (!m) throw new H5FormatError('object header', this.address, `dataset "${this.name}" has no ${what} message`);
      return resolveMessage(ctx, m, sohm);
    };
    const t = need(MessageType.Datatype, 'datatype');
    const dtype = readDatatype(t.reader);
    let space = readDataspace(need(MessageType.Dataspace, 'dataspace').reader);
    const layout = readDataLayout(need(MessageType.DataLayout, 'data layout').reader);
    const fp = findMessage(h, MessageType.FilterPipeline);
    const filters = fp ? readFilterPipeline(resolveMessage(ctx, fp, sohm).reader) : [];
    const fvNew = findMessage(h, MessageType.FillValue);
    const fvOld = findMessage(h, MessageType.FillValueOld);
    const fill = fvNew
      ? readFillValue(resolveMessage(ctx, fvNew, sohm).reader)
      : fvOld
        ? readFillValueOld(resolveMessage(ctx, fvOld, sohm).reader)
        : NO_FILL_VALUE_MESSAGE;
    let virtual: VirtualLayout | undefined;
    if (layout.class === 'virtual') {
      const { VirtualLayout, readVirtualMappings } = needModule('virtual', `virtual dataset "${this.name}"`);
      virtual = new VirtualLayout(readVirtualMappings(ctx, layout.heapAddress, layout.heapIndex), (file, path) => this.virtualSource(file, path), `dataset "${this.name}"`);
      if (space.kind === 'simple') space = { ...space, dims: virtual.extent(space.dims) };
    }
    return (this._meta = { dtype, committedAddress: t.committedAddress, space, layout, filters, fill, virtual });
  }

  /** A virtual dataset's source, found through the file's resolver; undefined reads as fill. */
  private virtualSource(file: string, path: string): VirtualSource | undefined {
    if (file !== '.' && !this.file.options.resolveFile) {
      throw new H5UnsupportedError(
        `virtual dataset "${this.name}" maps data from file "${file}": open the file with a resolveFile option (h5kit/node's openFile resolves names relative to the file)`,
      );
    }
    const f = this.file.otherFile(file);
    if (!f || !f.has(path)) return undefined;
    const ds = f.get(path);
    if (!(ds instanceof Dataset) || ds.dataspace.kind !== 'simple') return undefined;
    return {
      dims: ds.dataspace.dims,
      elementSize: ds.dtype.size,
      readBox: (slab) => readHyperslab(ds.storageInfo(), slab).bytes,
    };
  }

  /** The HDF5 datatype, described field by field. */
  get dtype(): Datatype {
    return this.meta.dtype;
  }

  /** Address of the committed (named) datatype this dataset uses, if any. */
  get committedTypeAddress(): number | undefined {
    return this.meta.committedAddress;
  }

  get dataspace(): Dataspace {
    return this.meta.space;
  }

  /** `null` for a null dataspace, `[]` for a scalar. */
  get shape(): number[] | null {
    const s = this.meta.space;
    return s.kind === 'null' ? null : s.dims.slice();
  }

  /** Maximum shape; `null` entries are unlimited. */
  get maxshape(): (number | null)[] | null {
    const s = this.meta.space;
    return s.kind === 'null' ? null : s.maxDims.slice();
  }

  get ndim(): number {
    return this.meta.space.dims.length;
  }

  /** Number of elements. */
  get size(): number {
    return elementCount(this.meta.space);
  }

  get layout(): DataLayout['class'] {
    return this.meta.layout.class;
  }

  /** @internal */
  get layoutMessage(): DataLayout {
    return this.meta.layout;
  }

  get chunks(): number[] | null {
    const l = this.meta.layout;
    return l.class === 'chunked' ? l.chunkDims.slice() : null;
  }

  /** The filter pipeline in application order. */
  get filters(): { id: number; name: string; optional: boolean; clientData: number[] }[] {
    return this.meta.filters.map((f) => ({ id: f.id, name: f.name || filterName(f.id) || '', optional: (f.flags & 1) !== 0, clientData: f.clientData.slice() }));
  }

  /** @internal */
  get fill(): FillValue | undefined {
    return this.meta.fill;
  }

  /**
   * The fill value: `undefined` when the fill value is undefined, otherwise
   * the value (zero of the type when the default is used).
   */
  get fillValue(): Value {
    const f = this.meta.fill;
    if (f && !f.defined) return undefined;
    const t = this.meta.dtype;
    const bytes = f?.value && f.value.length >= t.size ? f.value : new Uint8Array(t.size);
    return decodeValue(this.file, t, { kind: 'scalar', dims: [], maxDims: [] }, bytes, false, `fill value of "${this.name}"`);
  }

  /** @internal Storage description for the raw-data reader. */
  storageInfo(onChunk?: (offset: readonly number[]) => void): StorageInfo {
    const m = this.meta;
    const efl = findMessage(this.header, MessageType.ExternalFileList);
    return {
      ctx: this.ctx,
      where: `dataset "${this.name}"`,
      elementSize: m.dtype.size,
      dims: m.space.dims,
      maxDims: m.space.maxDims,
      layout: m.layout,
      filters: m.filters,
      fill: m.fill,
      external: efl ? readExternalFileList(resolveMessage(this.ctx, efl).reader) : undefined,
      openExternal: this.file.options.openExternal,
      onChunk: onChunk ?? this.file.options.onChunk,
      virtual: m.virtual,
    };
  }

  /**
   * Read the whole dataset, or a hyperslab: one entry per dimension, each a
   * single index, `[start, stop, step?]`, `{start, stop, step}` or `null`.
   * Numeric data come back as a flat typed array in C order; a scalar
   * dataset gives a bare value; a null dataspace gives `null`.
   */
  read(selection?: Selection, options?: ReadOptions): Value {
    const m = this.meta;
    if (m.space.kind === 'null') return null;
    const slab = resolveSelection(m.space.dims, selection);
    const { bytes, owned } = readHyperslab(this.storageInfo(), slab);
    const space: Dataspace = m.space.kind === 'scalar' ? m.space : { kind: 'simple', dims: slab.count, maxDims: slab.count };
    return decodeValue(this.file, m.dtype, space, bytes, owned, `dataset "${this.name}"`, options);
  }

  /**
   * The allocated chunks of a chunked dataset, in the index's order: each
   * chunk's origin (element coordinates), file address, stored size and
   * filter mask (bit i set: filter i of the pipeline was skipped), like
   * h5py's `id.get_chunk_info`. Empty for other layouts.
   */
  chunkInfo(): ChunkLocation[] {
    const m = this.meta;
    const l = m.layout;
    if (l.class !== 'chunked' || m.space.kind !== 'simple') return [];
    const dims = m.space.dims;
    if (dims.some((n) => n === 0)) return [];
    const hi = dims.map((n, d) => Math.floor((n - 1) / l.chunkDims[d]) * l.chunkDims[d]);
    return findChunks(this.ctx, l, dims, m.space.maxDims, dims.map(() => 0), hi);
  }

  /**
   * The stored (still filtered) bytes of the chunk whose origin is `offset`,
   * and its filter mask, like h5py's `id.read_direct_chunk`; undefined when
   * that chunk was never written.
   */
  readDirectChunk(offset: readonly number[]): { filterMask: number; data: Uint8Array } | undefined {
    const c = this.chunkInfo().find((x) => x.offset.every((o, d) => o === offset[d]));
    if (!c) return undefined;
    return { filterMask: c.filterMask, data: this.ctx.bytes(c.address, c.size, `chunk of dataset "${this.name}"`) };
  }

  /** Shape of the result of `read(selection)`. */
  selectionShape(selection?: Selection): number[] {
    return resolveSelection(this.meta.space.dims, selection).shape;
  }
}
