import { H5KeyExistsError, H5NotFoundError, H5TypeError, H5ValueError } from '../errors.js';
import type { FieldSizes } from '../format/byte-reader.js';
import { encodeAttributeMessage } from '../format/messages/attribute.js';
import type { Dataspace } from '../format/messages/dataspace.js';
import type { Datatype } from '../format/messages/datatype.js';
import type { FilterDescription } from '../format/messages/filter-pipeline.js';
import { superblockV0Size, superblockV2Size } from '../format/superblock.js';
import { MemorySink, OffsetSink, type ByteSink } from '../io/sink.js';
import { encodeElements, type EncodeServices } from '../model/encode.js';
import { containsClass, parseDtype, type DtypeSpec } from '../model/dtype-spec.js';
import { product, resolveSelection, type Hyperslab, type Selection } from '../model/selection.js';
import { Allocator } from '../writer/allocator.js';
import { newGroup, type DraftAttribute, type DraftDataset, type DraftGroup, type DraftLink, type DraftNamedType, type DraftObject, type DraftTarget } from '../writer/draft.js';
import { GlobalHeapWriter } from '../writer/global-heap-writer.js';
import { RawDataWriter } from '../writer/raw-data.js';
import type { EncodedAttribute } from '../writer/serialize-classic.js';
import { serializeNewFile } from '../writer/serialize.js';
import { flatten } from '../writer/values.js';
import { filterPipeline, wantsFilters, type FilterOptions } from './filter-options.js';
import { Reference, RegionReference } from './values.js';
import type { RegionSelection } from '../model/references.js';
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
  /**
   * Bytes reserved before the superblock for the user (a power of two ≥ 512,
   * as libhdf5 requires; default 0). The writer leaves them zero; write them
   * through the sink (or `userblockContent`).
   */
  readonly userblock?: number;
  /** The user block's bytes (at most `userblock` of them; the rest stays zero). */
  readonly userblockContent?: Uint8Array;
}

export interface CreateDatasetOptions extends FilterOptions {
  readonly data?: unknown;
  readonly shape?: number[] | null;
  readonly dtype?: DtypeSpec;
  readonly maxshape?: (number | null)[];
  readonly chunks?: number[] | boolean;
  /**
   * The value unwritten elements read as (default: zero of the type).
   * `null`: no fill value is defined (libhdf5's H5D_FILL_VALUE_UNDEFINED).
   */
  readonly fillValue?: unknown;
  /** Track attribute creation order (h5py's `track_order`): attributes keep the order they were set in. */
  readonly trackOrder?: boolean;
  readonly layout?: 'compact' | 'contiguous' | 'chunked';
  /**
   * The filter pipeline given as stored (instead of compression, shuffle,
   * fletcher32): ids and client data in application order, `optional` as
   * in `Dataset.filters`. Any filter id may be given; `write()` then needs
   * an encoder for each (registerFilter), `writeDirectChunk()` does not.
   */
  readonly filters?: readonly { readonly id: number; readonly name?: string; readonly optional?: boolean; readonly clientData?: readonly number[] }[];
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
    const ub = existing ? 0 : checkUserblock(options);
    // Addresses are relative to the base address, right after the user block (spec II.A).
    const base = ub ? new OffsetSink(sink, ub) : sink;
    if (ub) sink.write(0, userblockBytes(ub, options.userblockContent));
    // Room for the superblock, written last: version 0 (classic) or version 3 (latest).
    this.alloc = new Allocator(base, existing?.end ?? this.superblockSize);
    this.heap = new GlobalHeapWriter(this.alloc, this.sizes);
  }

  get latest(): boolean {
    return this.options.libver === 'latest';
  }

  get superblockSize(): number {
    return this.latest ? superblockV2Size(SIZES.offsetSize) : superblockV0Size(SIZES.offsetSize, SIZES.lengthSize);
  }

  /**
   * Services for values encoded as they are written (fill values): a
   * reference may only name an object by its address (`Reference`), as an
   * object of this file has none yet.
   */
  services(): EncodeServices {
    return {
      storeHeapObject: (bytes: Uint8Array) => this.heap.store(bytes),
      objectAddress: (ref: unknown) => {
        const a = this.knownAddress(ref);
        if (a === undefined) throw new H5TypeError(`a reference to ${describeTarget(ref)} can be stored in a dataset or attribute only (its address is known at close)`);
        return a;
      },
      offsetSize: this.sizes.offsetSize,
    };
  }

  /**
   * Services that check reference-typed values without storing anything:
   * every target must be something `bind` can resolve (a `Reference`, a
   * handle of this file, an absolute path); heap IDs and addresses are
   * placeholders of the right size. Used when such values are written (so bad
   * input fails first) and to size attribute messages before the addresses
   * exist.
   */
  checkingServices(): EncodeServices {
    return {
      storeHeapObject: () => ({ collection: 0, index: 0 }),
      objectAddress: (ref: unknown) => {
        this.targetOf(ref);
        return 0;
      },
      offsetSize: this.sizes.offsetSize,
    };
  }

  /** The address of a reference value naming an object by address (`Reference`, `RegionReference`); recorded for the editor's safety check. */
  private knownAddress(ref: unknown): number | undefined {
    const r = isRegionValue(ref) ? ref.target : ref;
    if (r instanceof Reference || r instanceof RegionReference) {
      this.referenced.add(r.address);
      return r.address;
    }
    return undefined;
  }

  /** What a reference value points at: an address, a draft object of this file, or a path resolved at close. */
  private targetOf(ref: unknown): number | DraftObject | string {
    const known = this.knownAddress(ref);
    if (known !== undefined) return known;
    const r = isRegionValue(ref) ? ref.target : ref;
    if (r instanceof WritableNode) {
      if (!r.belongsTo(this)) throw new H5ValueError(`a reference to "${r.name}", an object of another file`);
      return r.draft;
    }
    if (typeof r === 'string') {
      if (!r.startsWith('/')) throw new H5ValueError(`reference target ${JSON.stringify(r)}: give an absolute path`);
      if (r !== '/') splitPath(r);
      return r;
    }
    throw new H5TypeError(`cannot reference ${describeTarget(ref)}: give a handle of an object of this file, its absolute path, or a Reference`);
  }

  /**
   * The services that store references for good, once `serializeDraft` has
   * placed every object header (its `bind` step): handles and paths resolve
   * to the address of their object, paths through the hard links of `root`.
   */
  private bindingServices(root: DraftGroup): EncodeServices {
    return {
      storeHeapObject: (bytes: Uint8Array) => this.heap.store(bytes),
      objectAddress: (ref: unknown) => {
        const t = this.targetOf(ref);
        if (typeof t === 'number') return t;
        const target = typeof t === 'string' ? resolvePath(root, t) : t;
        if (target.kind === 'existing') return target.address;
        if (target.address === undefined) throw new H5ValueError(`a reference to ${describeTarget(ref)}: the object is not linked in the file`);
        return target.address;
      },
      offsetSize: this.sizes.offsetSize,
    };
  }

  /** Attribute messages sized with placeholder references, patched by `bind` (see `encodeDraftAttributes`). */
  private readonly lateAttributes: { attr: DraftAttribute; message: Uint8Array }[] = [];

  /** @internal Record an attribute message whose references `bind` fills in. */
  deferAttribute(attr: DraftAttribute, message: Uint8Array): void {
    this.lateAttributes.push({ attr, message });
  }

  /**
   * Store the references of the tree under `root` (spec-notes/references.md,
   * "Writing"): called by `serializeDraft` once every header has its
   * address and before any is written. Every deferred value is encoded
   * first, so an unresolvable target fails before anything is written; then
   * the deferred dataset writes are replayed in order (chunks filtered now)
   * and the attribute messages sized at close get their real bytes.
   */
  bind(root: DraftGroup, objects: readonly DraftObject[]): boolean {
    const svc = this.bindingServices(root);
    const writes: { ds: DraftDataset; ops: ({ slab: Hyperslab; bytes: Uint8Array } | { prune: readonly number[] })[] }[] = [];
    const fills: { ds: DraftDataset; bytes: Uint8Array }[] = [];
    for (const o of objects) {
      if (o.kind !== 'dataset') continue;
      if (o.pendingFill !== undefined) fills.push({ ds: o, bytes: encodeElements(o.type, [o.pendingFill], 1, svc) });
      if (!o.pending?.length) continue;
      const ops = o.pending.map((p) => ('prune' in p ? p : { slab: p.slab, bytes: encodeElements(o.type, p.values, product(p.slab.count), svc) }));
      writes.push({ ds: o, ops });
    }
    const attrs = this.lateAttributes.splice(0).map((l) => ({ message: l.message, bytes: attributeBytes(this, l.attr, svc) }));
    // Fill values first: the replayed writes fill the chunks they do not cover with them.
    for (const { ds, bytes } of fills) {
      ds.fill!.set(bytes);
      ds.pendingFill = undefined;
    }
    for (const { ds, ops } of writes) {
      const raw = new RawDataWriter(ds, this.alloc, 'a dataset of references');
      for (const op of ops) {
        if ('prune' in op) raw.pruneChunks(op.prune);
        else raw.write(op.slab, op.bytes);
      }
      ds.pending = undefined;
    }
    for (const a of attrs) {
      // Fixed-size encodings: a reference is an address or a heap ID whatever it points at.
      if (a.bytes.length !== a.message.length) throw new Error('internal: attribute message size changed when its references were bound');
      a.message.set(a.bytes);
    }
    this.heap.flush();
    return fills.length > 0 || attrs.length > 0 || writes.length > 0;
  }

  check(): void {
    if (this.closed) throw new H5ValueError('the file is closed');
  }
}

/** The user block size asked for, checked as libhdf5 checks it (H5Pset_userblock: 0 or a power of two ≥ 512). */
function checkUserblock(o: CreateOptions): number {
  const ub = o.userblock ?? 0;
  if (ub !== 0 && (!Number.isInteger(ub) || ub < 512 || (ub & (ub - 1)) !== 0 || ub > 2 ** 52)) {
    throw new H5ValueError(`user block of ${ub} bytes: it must be 0 or a power of two of at least 512`);
  }
  if (o.userblockContent && o.userblockContent.length > ub) {
    throw new H5ValueError(`user block content of ${o.userblockContent.length} bytes does not fit a user block of ${ub}`);
  }
  return ub;
}

/** The user block as written before anything else: the given content, zero-padded. */
function userblockBytes(size: number, content?: Uint8Array): Uint8Array {
  const out = new Uint8Array(size);
  if (content) out.set(content);
  return out;
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

/** A region reference to an object of the file being written: its target (as an object reference's) and selection. */
export interface RegionTarget {
  readonly target: Reference | WritableGroup | WritableDataset | WritableNamedType | string;
  readonly selection: RegionSelection;
}

function isRegionValue(v: unknown): v is { target: unknown; selection: unknown } {
  return typeof v === 'object' && v !== null && 'target' in v && 'selection' in v;
}

function describeTarget(v: unknown): string {
  const r = isRegionValue(v) ? v.target : v;
  if (r instanceof WritableNode) return `"${r.name}"`;
  if (typeof r === 'string') return JSON.stringify(r);
  if (r instanceof Reference || r instanceof RegionReference) return `the object at address ${r.address}`;
  return r === null ? 'null' : typeof r === 'object' ? ((r as object).constructor?.name ?? 'an object') : typeof r;
}

/** The object an absolute path names, through hard links from `root` (a reference's target, resolved at close). */
function resolvePath(root: DraftGroup, path: string): DraftTarget {
  let cur: DraftTarget = root;
  for (const part of path === '/' ? [] : splitPath(path)) {
    const l: DraftLink | undefined = cur.kind === 'group' ? cur.links.get(part) : undefined;
    if (!l || l.kind !== 'hard') throw new H5NotFoundError(`reference target ${path}: "${part}" is not a hard link to an object of the file`);
    cur = l.target;
  }
  return cur;
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
    this.create(name, value, { dtype });
  }

  /**
   * Set (or replace) an attribute with an explicit `shape` (h5py's
   * `attrs.create`): `data` may then be flat in C order, as `attrs.get`
   * returns n-d values. `shape: null` stores an empty (null dataspace) attribute.
   */
  create(name: string, data: unknown, options: { readonly shape?: number[] | null; readonly dtype?: DtypeSpec } = {}): void {
    this.w.check();
    const why = nameProblem(name, true);
    if (why) throw new H5ValueError(`invalid attribute name ${JSON.stringify(name)}: ${why}`);
    const where = `attribute "${name}" of "${this.where}"`;
    const isNull = options.shape === null || (options.shape === undefined && data === null);
    const given = options.dtype !== undefined ? parseDtype(options.dtype) : undefined;
    const f = isNull && data === null ? undefined : flatten(data, where, given, options.shape ? product(options.shape) : undefined);
    const type = f?.inferred ?? given;
    if (!type) throw new H5ValueError(`${where}: an empty attribute needs a dtype`);
    const shape = isNull ? null : options.shape ?? f!.shape;
    if (shape && f && product(shape) !== f.flat.length) throw new H5ValueError(`${where}: ${f.flat.length} values for shape ${JSON.stringify(shape)}`);
    if (shape && shape.some((n) => !Number.isInteger(n) || n < 0)) throw new H5ValueError(`${where}: bad shape ${JSON.stringify(shape)}`);
    const space: Dataspace = shape === null ? { kind: 'null', dims: [], maxDims: [] } : shape.length === 0 ? { kind: 'scalar', dims: [], maxDims: [] } : { kind: 'simple', dims: shape, maxDims: shape };
    // References are stored at close (their targets' addresses are known then); check them now.
    if (shape !== null && f && containsClass(type, 'reference')) encodeElements(type, f.flat, product(shape), this.w.checkingServices());
    const prev = this.owner.attrs.get(name);
    this.owner.attrs.set(name, { name, type, space, value: shape === null ? null : f!.flat, creationOrder: prev?.creationOrder ?? this.owner.attrOrder++ });
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

  /** @internal Whether the handle is of the file `w` writes (a reference must point inside its own file). */
  belongsTo(w: Writer): boolean {
    return this.w === w;
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
    const n = product(resolveSelection(this.ds.space.dims, selection).count);
    this.writeElements(flatten(data, `dataset "${this.name}"`, this.ds.type, n).flat, selection);
  }

  /**
   * Write elements given flat, in C order of the selection, each in the form
   * the encoders take (no nesting is read into them: bytes stay one element).
   * @internal (create-from-json)
   */
  writeElements(flat: ArrayLike<unknown>, selection?: Selection): void {
    this.w.check();
    const slab = resolveSelection(this.ds.space.dims, selection);
    const n = product(slab.count);
    if (flat.length !== n) {
      throw new H5ValueError(`dataset "${this.name}": ${flat.length} values for a selection of ${n} elements (shape ${JSON.stringify(slab.shape)})`);
    }
    if (!containsClass(this.ds.type, 'reference')) {
      this.raw.write(slab, encodeElements(this.ds.type, flat, n, this.w.services()));
      return;
    }
    // References: checked now, stored at close when their targets have addresses (Writer.bind).
    encodeElements(this.ds.type, flat, n, this.w.checkingServices());
    (this.ds.pending ??= []).push({ slab, values: Array.from(flat) });
  }

  /**
   * Store one chunk's bytes exactly as given, already passed through the
   * dataset's filters (`filterMask` bit i set: filter i was skipped), like
   * h5py's `id.write_direct_chunk`; `offset` is the chunk's origin in
   * elements. Read them back with `Dataset.readDirectChunk`.
   */
  writeDirectChunk(offset: readonly number[], data: Uint8Array, filterMask = 0): void {
    this.w.check();
    this.raw.writeDirect(offset, data, filterMask);
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
    // Deferred writes replay at close: the pruning goes between the writes it came between.
    this.ds.pending?.push({ prune: shape.slice() });
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
  commitType(path: string, dtype: DtypeSpec, options: { readonly trackOrder?: boolean } = {}): WritableNamedType {
    this.w.check();
    const { group, name } = this.parentOf(path, true);
    const draft: DraftNamedType = { kind: 'datatype', type: parseDtype(dtype), attrs: new Map(), attrOrder: 0, trackAttrOrder: options.trackOrder ?? false, linkCount: 0 };
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
  const late = containsClass(type, 'reference');
  let fill: Uint8Array | undefined;
  if (o.fillValue !== undefined && o.fillValue !== null) fill = encodeElements(type, [o.fillValue], 1, late ? w.checkingServices() : w.services());
  if (o.filters && wantsFilters(o)) throw new H5ValueError(`${where}: give either filters or compression/shuffle/fletcher32/nbit/scaleoffset`);
  const raw = o.filters?.map((f): FilterDescription => {
    if (!Number.isInteger(f.id) || f.id < 0 || f.id > 65535) throw new H5ValueError(`${where}: bad filter id ${f.id}`);
    const clientData = (f.clientData ?? []).slice();
    if (clientData.some((v) => !Number.isInteger(v) || v < 0 || v > 0xffffffff)) throw new H5ValueError(`${where}: filter ${f.id} client data must be 32-bit unsigned integers`);
    return { id: f.id, name: f.name ?? '', flags: f.optional ? 1 : 0, clientData };
  });
  const filtered = wantsFilters(o) || (raw?.length ?? 0) > 0;
  const resizable = space.kind === 'simple' && space.maxDims.some((m, d) => m !== space.dims[d]);
  const layout = o.layout ?? (o.chunks || filtered || resizable ? 'chunked' : 'contiguous');
  let chunks: number[] | undefined;
  let filters: FilterDescription[] = [];
  if (layout === 'chunked') {
    if (space.kind !== 'simple') throw new H5ValueError(`${where}: a chunked dataset needs a simple dataspace`);
    chunks = Array.isArray(o.chunks) ? o.chunks.slice() : guessChunks(space.dims, space.maxDims, type.size);
    if (chunks.length !== space.dims.length || chunks.some((c) => !Number.isInteger(c) || c < 1)) throw new H5ValueError(`${where}: bad chunk shape ${JSON.stringify(chunks)}`);
    filters = raw ?? filterPipeline(o, type, product(chunks), o.fillValue === null ? null : fill, where);
  } else if (filtered) {
    throw new H5ValueError(`${where}: filters need a chunked layout`);
  } else if (resizable) {
    throw new H5ValueError(`${where}: a resizable dataset needs a chunked layout`);
  }
  if (layout === 'compact' && product(space.dims) * type.size > MAX_COMPACT) throw new H5ValueError(`${where}: too large for compact layout (max ${MAX_COMPACT} bytes)`);
  const draft: DraftDataset = {
    kind: 'dataset', type, committed: committedDraft(o, where), space, layout, chunks, filters,
    fill, fillDefined: o.fillValue !== null, chunkIndex: new Map(), attrs: new Map(), attrOrder: 0, trackAttrOrder: o.trackOrder ?? false, linkCount: 0,
    pendingFill: late && fill ? o.fillValue : undefined,
  };
  // Validate the data before anything is linked or written; references wait for their targets' addresses (Writer.bind).
  const count = space.kind === 'null' ? 0 : product(space.dims);
  if (flat && late) {
    encodeElements(type, flat.flat, count, w.checkingServices());
    if (space.kind !== 'null') draft.pending = [{ slab: resolveSelection(space.dims, undefined), values: Array.from(flat.flat) }];
    return { draft };
  }
  const bytes = flat ? encodeElements(type, flat.flat, count, w.services()) : undefined;
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
    const root = this.draft as DraftGroup;
    const encoded = encodeDraftAttributes(this.w, root);
    serializeNewFile(root, this.w.alloc, this.w.sizes, (o) => encoded.get(o) ?? [], {
      family: this.w.latest ? 'latest' : 'earliest',
      superblockSize: this.w.superblockSize,
      userblock: this.w.options.userblock,
      bind: (objects) => this.w.bind(root, objects),
    });
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
  // An attribute holding references is sized with placeholders now and gets its bytes in Writer.bind.
  const encodeAttribute = (w: Writer, a: DraftAttribute): Uint8Array => {
    if (!containsClass(a.type, 'reference')) return attributeBytes(w, a, w.services());
    const message = attributeBytes(w, a, w.checkingServices());
    w.deferAttribute(a, message);
    return message;
  };
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

/** The attribute message of `a`, its value encoded with `services`. */
function attributeBytes(w: Writer, a: DraftAttribute, services: EncodeServices): Uint8Array {
  const n = a.space.kind === 'null' ? 0 : product(a.space.dims);
  const data = a.space.kind === 'null' ? new Uint8Array(0) : encodeElements(a.type, a.value as ArrayLike<unknown>, n, services);
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
