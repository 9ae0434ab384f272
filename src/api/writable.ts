import { H5KeyExistsError, H5NotFoundError, H5TypeError, H5ValueError } from '../errors.js';
import type { FieldSizes } from '../format/byte-reader.js';
import { encodeAttributeMessage } from '../format/messages/attribute.js';
import type { Dataspace } from '../format/messages/dataspace.js';
import type { Datatype } from '../format/messages/datatype.js';
import type { FilterDescription } from '../format/messages/filter-pipeline.js';
import { superblockV0Size, superblockV2Size } from '../format/superblock.js';
import { MemorySink, type ByteSink } from '../io/sink.js';
import { encodeElements, type EncodeServices } from '../model/encode.js';
import { parseDtype, type DtypeSpec } from '../model/dtype-spec.js';
import { product, resolveSelection, type Selection } from '../model/selection.js';
import { Allocator } from '../writer/allocator.js';
import { newGroup, type DraftAttribute, type DraftDataset, type DraftGroup, type DraftNamedType, type DraftObject, type DraftTarget } from '../writer/draft.js';
import { GlobalHeapWriter } from '../writer/global-heap-writer.js';
import { RawDataWriter } from '../writer/raw-data.js';
import type { EncodedAttribute } from '../writer/serialize-classic.js';
import { serializeClassic, serializeLatest } from '../writer/serialize.js';
import { flatten } from '../writer/values.js';
import { filterPipeline, wantsFilters, type FilterOptions } from './filter-options.js';
import { Reference } from './values.js';
import { nameProblem } from '../writer/names.js';

/**
 * Writing files: `File.create()` gives a `WritableFile`, whose groups,
 * datasets and attributes mirror the reading API in h5py's vocabulary. Raw
 * data goes to the sink as it is written; metadata is written at `close()`,
 * the superblock last, so an unfinished file never claims to be complete.
 */
export interface CreateOptions {
  /** 'earliest' (default): the classic format every HDF5 1.8+ reader knows. */
  readonly libver?: 'earliest' | 'latest';
  /** Track link (and attribute) creation order in the root group. */
  readonly trackOrder?: boolean;
}

export interface CreateDatasetOptions extends FilterOptions {
  readonly data?: unknown;
  readonly shape?: number[] | null;
  readonly dtype?: DtypeSpec;
  readonly maxshape?: (number | null)[];
  readonly chunks?: number[] | boolean;
  readonly fillValue?: unknown;
  readonly layout?: 'compact' | 'contiguous' | 'chunked';
  /** Share the type of a committed datatype. */
  readonly committedType?: WritableNamedType;
}

const SIZES: FieldSizes = { offsetSize: 8, lengthSize: 8 };
const MAX_COMPACT = 64 * 1024 - 64;

/**
 * The file-level state every writable object shares. @internal (the editor,
 * src/edit, builds one over an existing file: its field sizes, allocation
 * from its end of file).
 */
export class Writer {
  readonly alloc: Allocator;
  readonly heap: GlobalHeapWriter;
  readonly sizes: FieldSizes;
  /** Object addresses stored in references written so far (the editor refuses to move those objects). */
  readonly referenced = new Set<number>();
  closed = false;
  constructor(
    readonly sink: ByteSink,
    readonly options: CreateOptions,
    existing?: { readonly sizes: FieldSizes; readonly end: number },
  ) {
    const libver = options.libver ?? 'earliest';
    if (libver !== 'earliest' && libver !== 'latest') throw new H5ValueError(`unknown libver ${JSON.stringify(libver)} ('earliest' or 'latest')`);
    this.sizes = existing?.sizes ?? SIZES;
    // Room for the superblock, written last: version 0 (classic) or version 3 (latest).
    this.alloc = new Allocator(sink, existing?.end ?? this.superblockSize);
    this.heap = new GlobalHeapWriter(this.alloc, this.sizes);
  }

  get latest(): boolean {
    return this.options.libver === 'latest';
  }

  get superblockSize(): number {
    return this.latest ? superblockV2Size(SIZES.offsetSize) : superblockV0Size(SIZES.offsetSize, SIZES.lengthSize);
  }

  services(): EncodeServices {
    return {
      storeHeapObject: (bytes: Uint8Array) => this.heap.store(bytes),
      objectAddress: (ref: unknown) => {
        if (ref instanceof Reference) {
          this.referenced.add(ref.address);
          return ref.address;
        }
        throw new H5TypeError('references to objects of a file being written are not supported yet');
      },
      offsetSize: this.sizes.offsetSize,
    };
  }

  check(): void {
    if (this.closed) throw new H5ValueError('the file is closed');
  }
}

function validName(name: string): void {
  const why = nameProblem(name);
  if (why) throw new H5ValueError(`invalid name ${JSON.stringify(name)}: ${why}`);
}

function splitPath(path: string): string[] {
  const parts = path.split('/').filter((p) => p !== '');
  if (!parts.length) throw new H5ValueError(`invalid path ${JSON.stringify(path)}`);
  for (const p of parts) validName(p);
  return parts;
}

/** Attributes of an object being written. */
export class WritableAttributes {
  constructor(
    private readonly w: Writer,
    private readonly owner: DraftObject,
    private readonly where: string,
  ) {}

  keys(): string[] {
    return [...this.owner.attrs.keys()];
  }

  has(name: string): boolean {
    return this.owner.attrs.has(name);
  }

  /** Set (or replace) an attribute; the type is inferred like h5py unless given. */
  set(name: string, value: unknown, dtype?: DtypeSpec): void {
    this.w.check();
    const why = nameProblem(name, true);
    if (why) throw new H5ValueError(`invalid attribute name ${JSON.stringify(name)}: ${why}`);
    const f = flatten(value, `attribute "${name}" of "${this.where}"`, dtype !== undefined ? parseDtype(dtype) : undefined);
    const type = f.inferred;
    const space: Dataspace = value === null ? { kind: 'null', dims: [], maxDims: [] } : f.shape.length === 0 ? { kind: 'scalar', dims: [], maxDims: [] } : { kind: 'simple', dims: f.shape, maxDims: f.shape };
    const prev = this.owner.attrs.get(name);
    this.owner.attrs.set(name, { name, type, space, value: value === null ? null : f.flat, creationOrder: prev?.creationOrder ?? this.owner.attrOrder++ });
  }

  delete(name: string): void {
    if (!this.owner.attrs.delete(name)) throw new H5NotFoundError(`no attribute "${name}" on "${this.where}"`);
  }
}

abstract class WritableNode {
  readonly attrs: WritableAttributes;
  constructor(
    protected readonly w: Writer,
    readonly draft: DraftObject,
    readonly name: string,
  ) {
    this.attrs = new WritableAttributes(w, draft, name);
  }
}

export class WritableNamedType extends WritableNode {
  readonly kind = 'datatype' as const;
  get dtype(): Datatype {
    return (this.draft as DraftNamedType).type;
  }
}

export class WritableDataset extends WritableNode {
  readonly kind = 'dataset' as const;
  private readonly raw: RawDataWriter;

  constructor(w: Writer, draft: DraftDataset, name: string) {
    super(w, draft, name);
    this.raw = new RawDataWriter(draft, w.alloc, `dataset "${name}"`);
  }

  private get ds(): DraftDataset {
    return this.draft as DraftDataset;
  }

  get dtype(): Datatype {
    return this.ds.type;
  }

  get shape(): number[] | null {
    return this.ds.space.kind === 'null' ? null : this.ds.space.dims.slice();
  }

  get maxshape(): (number | null)[] | null {
    return this.ds.space.kind === 'null' ? null : this.ds.space.maxDims.slice();
  }

  get chunks(): number[] | null {
    return this.ds.chunks?.slice() ?? null;
  }

  /** Write the whole dataset or a hyperslab of it (`selection` as in `Dataset.read`). */
  write(data: unknown, selection?: Selection): void {
    this.w.check();
    if (this.ds.space.kind === 'null') throw new H5ValueError(`dataset "${this.name}" has a null dataspace`);
    const slab = resolveSelection(this.ds.space.dims, selection);
    const f = flatten(data, `dataset "${this.name}"`, this.ds.type);
    const n = product(slab.count);
    if (f.flat.length !== n) {
      throw new H5ValueError(`dataset "${this.name}": ${f.flat.length} values for a selection of ${n} elements (shape ${JSON.stringify(slab.shape)})`);
    }
    this.raw.write(slab, encodeElements(this.ds.type, f.flat, n, this.w.services()));
  }

  /** Change the extent within `maxshape` (chunked datasets). */
  resize(shape: number[]): void {
    this.w.check();
    const s = this.ds.space;
    if (this.ds.layout !== 'chunked') throw new H5ValueError(`dataset "${this.name}" is not chunked and cannot be resized`);
    if (shape.length !== s.dims.length) throw new H5ValueError(`resize to rank ${shape.length}, dataset has rank ${s.dims.length}`);
    shape.forEach((n, d) => {
      const m = s.maxDims[d];
      if (!Number.isInteger(n) || n < 0 || (m !== null && n > m)) throw new H5ValueError(`dimension ${d}: ${n} exceeds maxshape ${m}`);
    });
    this.ds.space = { ...s, dims: shape.slice() };
    this.raw.pruneChunks(shape);
  }
}

export class WritableGroup extends WritableNode {
  readonly kind = 'group' as const;

  private get g(): DraftGroup {
    return this.draft as DraftGroup;
  }

  keys(): string[] {
    return [...this.g.links.keys()];
  }

  has(name: string): boolean {
    return this.g.links.has(name);
  }

  private parentOf(path: string, create: boolean): { group: WritableGroup; name: string } {
    const parts = splitPath(path);
    let cur: WritableGroup = path.startsWith('/') ? this.root() : this;
    for (const p of parts.slice(0, -1)) {
      const l = cur.g.links.get(p);
      if (!l) {
        if (!create) throw new H5NotFoundError(`"${p}" does not exist in "${cur.name}"`);
        cur = cur.createGroup(p);
      } else if (l.kind === 'hard' && l.target.kind === 'group') cur = new WritableGroup(this.w, l.target, join(cur.name, p));
      else throw new H5ValueError(`"${join(cur.name, p)}" is not a group`);
    }
    return { group: cur, name: parts[parts.length - 1] };
  }

  protected root(): WritableGroup {
    return this;
  }

  private addLink(name: string, link: Parameters<DraftGroup['links']['set']>[1]): void {
    if (this.g.links.has(name)) throw new H5KeyExistsError(`"${join(this.name, name)}" already exists`);
    this.g.links.set(name, link);
  }

  /** Create a group (intermediate groups too). */
  createGroup(path: string, options: { trackOrder?: boolean } = {}): WritableGroup {
    this.w.check();
    const { group, name } = this.parentOf(path, true);
    const draft = newGroup(options.trackOrder ?? false);
    group.addLink(name, { kind: 'hard', target: draft, creationOrder: group.g.linkOrder++ });
    return new WritableGroup(this.w, draft, join(group.name, name));
  }

  /** The object at `path` (hard links only). */
  get(path: string): WritableGroup | WritableDataset | WritableNamedType {
    const { group, name } = this.parentOf(path, false);
    const l = group.g.links.get(name);
    if (!l) throw new H5NotFoundError(`"${join(group.name, name)}" does not exist`);
    if (l.kind !== 'hard') throw new H5ValueError(`"${join(group.name, name)}" is a ${l.kind} link`);
    const t = l.target;
    const p = join(group.name, name);
    if (t.kind === 'existing' || t.kind === 'copy') throw new H5ValueError(`"${p}" is an object of the file being edited`);
    return t.kind === 'group' ? new WritableGroup(this.w, t, p) : t.kind === 'dataset' ? new WritableDataset(this.w, t, p) : new WritableNamedType(this.w, t, p);
  }

  softLink(path: string, target: string): void {
    this.w.check();
    const { group, name } = this.parentOf(path, true);
    if (!target) throw new H5ValueError('empty soft link target');
    group.addLink(name, { kind: 'soft', path: target, creationOrder: group.g.linkOrder++ });
  }

  externalLink(path: string, file: string, target: string): void {
    this.w.check();
    const { group, name } = this.parentOf(path, true);
    group.addLink(name, { kind: 'external', file, path: target, creationOrder: group.g.linkOrder++ });
  }

  /** Another name for an existing object (a hard link). */
  hardLink(path: string, target: WritableGroup | WritableDataset | WritableNamedType): void {
    this.w.check();
    const { group, name } = this.parentOf(path, true);
    group.addLink(name, { kind: 'hard', target: target.draft, creationOrder: group.g.linkOrder++ });
  }

  /** Store a datatype as a named object that datasets can share. */
  commitType(path: string, dtype: DtypeSpec): WritableNamedType {
    this.w.check();
    const { group, name } = this.parentOf(path, true);
    const draft: DraftNamedType = { kind: 'datatype', type: parseDtype(dtype), attrs: new Map(), attrOrder: 0, trackAttrOrder: false, linkCount: 0 };
    group.addLink(name, { kind: 'hard', target: draft, creationOrder: group.g.linkOrder++ });
    return new WritableNamedType(this.w, draft, join(group.name, name));
  }

  createDataset(path: string, o: CreateDatasetOptions): WritableDataset {
    this.w.check();
    const { group, name } = this.parentOf(path, true);
    const where = `dataset "${join(group.name, name)}"`;
    if (group.g.links.has(name)) throw new H5KeyExistsError(`"${join(group.name, name)}" already exists`);
    const plan = planDataset(this.w, where, o);
    group.addLink(name, { kind: 'hard', target: plan.draft, creationOrder: group.g.linkOrder++ });
    return startDataset(this.w, plan, join(group.name, name));
  }
}

/** The options of `createDataset`; `committedType` is any handle of a datatype committed in the same file. */
export type DatasetOptions = Omit<CreateDatasetOptions, 'committedType'> & { readonly committedType?: { readonly dtype: Datatype; readonly draft: DraftObject } };

/**
 * A new dataset's draft and its initial data in the file type, checked
 * before anything is linked or written. @internal (shared by the writer and
 * the editor: one way to create a dataset).
 */
export function planDataset(w: Writer, where: string, o: DatasetOptions): { draft: DraftDataset; bytes?: Uint8Array } {
  const given = o.committedType ? o.committedType.dtype : o.dtype !== undefined ? parseDtype(o.dtype) : undefined;
  const flat = o.data !== undefined ? flatten(o.data, where, given) : undefined;
  const type = given ?? flat?.inferred;
  if (!type) throw new H5ValueError(`${where}: give data or dtype`);
  let shape = o.shape === undefined ? flat?.shape : o.shape;
  if (shape === undefined) throw new H5ValueError(`${where}: give data or shape`);
  if (flat && type.class === 'array' && o.shape === undefined) shape = flat.shape.slice(0, flat.shape.length - type.dims.length);
  const space: Dataspace =
    shape === null
      ? { kind: 'null', dims: [], maxDims: [] }
      : shape.length === 0
        ? { kind: 'scalar', dims: [], maxDims: [] }
        : { kind: 'simple', dims: shape.slice(), maxDims: (o.maxshape ?? shape).slice() };
  if (space.kind === 'simple') {
    if (space.maxDims.length !== space.dims.length) throw new H5ValueError(`${where}: maxshape rank differs from shape`);
    space.dims.forEach((n, d) => {
      if (!Number.isInteger(n) || n < 0) throw new H5ValueError(`${where}: bad dimension ${n}`);
      const m = space.maxDims[d];
      if (m !== null && m < n) throw new H5ValueError(`${where}: maxshape ${m} below shape ${n}`);
    });
  }
  // Encoded before the pipeline: the scale-offset filter records the fill value.
  let fill: Uint8Array | undefined;
  if (o.fillValue !== undefined) fill = encodeElements(type, [o.fillValue], 1, w.services());
  const filtered = wantsFilters(o);
  const resizable = space.kind === 'simple' && space.maxDims.some((m, d) => m !== space.dims[d]);
  const layout = o.layout ?? (o.chunks || filtered || resizable ? 'chunked' : 'contiguous');
  let chunks: number[] | undefined;
  let filters: FilterDescription[] = [];
  if (layout === 'chunked') {
    if (space.kind !== 'simple') throw new H5ValueError(`${where}: a chunked dataset needs a simple dataspace`);
    chunks = Array.isArray(o.chunks) ? o.chunks.slice() : guessChunks(space.dims, space.maxDims, type.size);
    if (chunks.length !== space.dims.length || chunks.some((c) => !Number.isInteger(c) || c < 1)) throw new H5ValueError(`${where}: bad chunk shape ${JSON.stringify(chunks)}`);
    filters = filterPipeline(o, type, product(chunks), fill, where);
  } else if (filtered) {
    throw new H5ValueError(`${where}: filters need a chunked layout`);
  } else if (resizable) {
    throw new H5ValueError(`${where}: a resizable dataset needs a chunked layout`);
  }
  if (layout === 'compact' && product(space.dims) * type.size > MAX_COMPACT) throw new H5ValueError(`${where}: too large for compact layout (max ${MAX_COMPACT} bytes)`);
  const draft: DraftDataset = {
    kind: 'dataset', type, committed: committedDraft(o, where), space, layout, chunks, filters,
    fill, fillDefined: true, chunkIndex: new Map(), attrs: new Map(), attrOrder: 0, trackAttrOrder: false, linkCount: 0,
  };
  // Validate the data before anything is linked or written.
  const bytes = flat ? encodeElements(type, flat.flat, space.kind === 'null' ? 0 : product(space.dims), w.services()) : undefined;
  return { draft, bytes };
}

function committedDraft(o: DatasetOptions, where: string): DraftNamedType | undefined {
  const t = o.committedType?.draft;
  if (t && t.kind !== 'datatype') throw new H5ValueError(`${where}: committedType must be a datatype committed in this session`);
  return t;
}

/** The handle of a planned dataset, its initial data written. @internal */
export function startDataset(w: Writer, plan: { draft: DraftDataset; bytes?: Uint8Array }, path: string): WritableDataset {
  const ds = new WritableDataset(w, plan.draft, path);
  if (plan.bytes && plan.draft.space.kind !== 'null') (ds as unknown as { raw: RawDataWriter }).raw.write(resolveSelection(plan.draft.space.dims, undefined), plan.bytes);
  return ds;
}

/** A file being written. */
export class WritableFile extends WritableGroup {
  private constructor(w: Writer, root: DraftGroup) {
    super(w, root, '/');
  }

  static create(sink: ByteSink = new MemorySink(), options: CreateOptions = {}): WritableFile {
    const w = new Writer(sink, options);
    return new WritableFile(w, newGroup(options.trackOrder ?? false));
  }

  protected override root(): WritableGroup {
    return this;
  }

  /** Write all metadata and the superblock; the file is complete after this. */
  close(): void {
    if (this.w.closed) return;
    const encoded = encodeDraftAttributes(this.w, this.draft as DraftGroup);
    const serialize = this.w.latest ? serializeLatest : serializeClassic;
    serialize(this.draft as DraftGroup, this.w.alloc, this.w.sizes, (o) => encoded.get(o) ?? [], this.w.superblockSize);
    this.w.sink.sync?.();
    this.w.sink.close?.();
    this.w.closed = true;
  }

  /** Close and return the file's bytes (in-memory files). */
  toBytes(): Uint8Array {
    this.close();
    if (!(this.w.sink instanceof MemorySink)) throw new H5ValueError('toBytes() needs an in-memory file');
    return this.w.sink.bytes();
  }
}

/**
 * Every draft object's attributes in creation order, each message encoded
 * once; a copied attribute keeps its message bytes (spec-notes/editing.md).
 * Attribute values may add global heap objects: they are encoded before the
 * last collection is written. @internal (the writer's close and the
 * editor's commit).
 */
export function encodeDraftAttributes(w: Writer, root: DraftGroup): Map<DraftObject, EncodedAttribute[]> {
  const encodeAttrs = (o: DraftObject): EncodedAttribute[] =>
    [...o.attrs.values()]
      .sort((a, b) => a.creationOrder - b.creationOrder)
      .map((a) => ('message' in a ? { name: a.name, creationOrder: a.creationOrder, message: a.message, flags: a.flags } : { name: a.name, creationOrder: a.creationOrder, message: encodeAttribute(w, a) }));
  w.heap.flush();
  const encoded = new Map<DraftObject, EncodedAttribute[]>();
  const stack: DraftTarget[] = [root];
  const seen = new Set<DraftObject>();
  while (stack.length) {
    const o = stack.pop()!;
    if (o.kind === 'existing' || seen.has(o)) continue;
    seen.add(o);
    encoded.set(o, encodeAttrs(o));
    if (o.kind === 'group') for (const l of o.links.values()) if (l.kind === 'hard') stack.push(l.target);
    if (o.kind === 'dataset' && o.committed) stack.push(o.committed);
  }
  w.heap.flush();
  return encoded;
}

function encodeAttribute(w: Writer, a: DraftAttribute): Uint8Array {
  const n = a.space.kind === 'null' ? 0 : product(a.space.dims);
  const data = a.space.kind === 'null' ? new Uint8Array(0) : encodeElements(a.type, a.value as ArrayLike<unknown>, n, w.services());
  const charset = isAscii(a.name) ? 'ascii' : 'utf8';
  // libver 'latest': attribute message version 3, datatype/dataspace at the latest versions;
  // dense attribute storage holds messages above 64 KiB, which a header cannot.
  if (w.latest) return encodeAttributeMessage({ name: a.name, type: a.type, space: a.space, data, charset }, w.sizes, 3, { family: 'latest' });
  const msg = encodeAttributeMessage({ name: a.name, type: a.type, space: a.space, data, charset }, w.sizes, charset === 'ascii' ? 1 : 3);
  if (msg.length > 0xffff) throw new H5ValueError(`attribute "${a.name}" is larger than 64 KiB: the classic format cannot store it (use libver 'latest')`);
  return msg;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

function join(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/** h5py's chunk guess: start from the shape, halve dimensions in turn until the chunk is under ~1 MiB and near the byte target. */
function guessChunks(dims: readonly number[], maxDims: readonly (number | null)[], esz: number): number[] {
  const CHUNK_BASE = 16 * 1024, CHUNK_MIN = 8 * 1024, CHUNK_MAX = 1024 * 1024;
  const shape = dims.map((d, i) => (maxDims[i] === null && d === 0 ? 1024 : Math.max(d, 1)));
  const total = product(shape) * esz;
  const target = Math.min(CHUNK_MAX, Math.max(CHUNK_MIN, CHUNK_BASE * 2 ** Math.log10(total / (1024 * 1024))));
  const chunks = shape.slice();
  let idx = 0;
  for (let guard = 0; guard < 10_000; guard++) {
    const bytes = product(chunks) * esz;
    if ((bytes < target || Math.abs(bytes - target) / target < 0.5) && bytes < CHUNK_MAX) break;
    if (product(chunks) === 1) break;
    chunks[idx % chunks.length] = Math.ceil(chunks[idx % chunks.length] / 2);
    idx++;
  }
  return chunks;
}
