import { File } from '../api/file.js';
import { classifyHeader } from '../api/group.js';
import { encodeDraftAttributes, planDataset, startDataset, Writer, type DatasetOptions, type WritableDataset } from '../api/writable.js';
import { H5FormatError, H5KeyExistsError, H5NotFoundError, H5UnsupportedError, H5ValueError } from '../errors.js';
import { BTreeV2, decodeAttributeRecord } from '../format/btree-v2.js';
import { ByteReader, isUndefinedAddress } from '../format/byte-reader.js';
import { ByteWriter } from '../format/byte-writer.js';
import { lookup3 } from '../format/checksum.js';
import { FractalHeap } from '../format/fractal-heap.js';
import { readAttributeMessage } from '../format/messages/attribute.js';
import { readAttributeInfo, readGroupInfo, readLinkInfo, readSymbolTableMessage } from '../format/messages/info.js';
import { MessageFlag, MessageType, readObjectHeader, type ObjectHeader } from '../format/object-header.js';
import { encodeSymbolTableEntry } from '../format/symbol-table.js';
import { OffsetSink, type ByteSink } from '../io/sink.js';
import { findMessage, messageReader, resolveMessage } from '../model/header-messages.js';
import { compareNames, groupLinks, groupStorage } from '../model/links.js';
import { parseDtype, type DtypeSpec } from '../model/dtype-spec.js';
import { fileSharedMessages } from '../model/sohm.js';
import { newGroup, type ChunkEntry, type DraftDataset, type DraftCopy, type DraftExisting, type DraftGroup, type DraftLink, type DraftNamedType, type DraftObject, type DraftTarget, type PreservedHeader } from '../writer/draft.js';
import { collect, DEFAULT_KS, type BTreeKs } from '../writer/serialize-classic.js';
import { Dataset } from '../api/dataset.js';
import { readFilterPipeline } from '../format/messages/filter-pipeline.js';
import { encoderFor } from '../filters/encoders.js';
import { findChunks } from '../model/chunk-index.js';
import { serializeDraft, type SerializedRoot } from '../writer/serialize.js';
import { H5UnsafeEditError } from './errors.js';
import { scanTree, type TreeScan } from './scan.js';
import { nameProblem } from '../writer/names.js';

/**
 * The engine of in-place editing (spec-notes/editing.md): copy-on-write of
 * object headers, commit by rewriting the superblock.
 *
 * Between commits an edit is a draft tree over the committed file: objects
 * the edit changes are copied into draft objects that keep their header's
 * messages (`preserved`), objects it only points at stay `existing`
 * (address only), new objects are ordinary drafts. `commit()` completes the
 * set of copies (every parent of a copied object, up to the root; every
 * object whose hard-link count changed), appends them past the end of file
 * with the same serializer that writes new files, and then writes the
 * superblock: the single write that switches the file from the old tree to
 * the new one. Nothing reachable from the old superblock is ever
 * overwritten, so a crash at any point leaves the old or the new state.
 */
export interface EditOptions {
  /**
   * Read every reference-typed dataset and attribute before moving an
   * object, and refuse to move one a reference points at (default true).
   * Turning it off is only safe for files known to hold no object
   * references: a reference to a moved object would silently point at its
   * old copy.
   */
  readonly scanReferences?: boolean;
}

/** @internal The identity behind a handle: an object of the committed file, or one created in this session. */
export interface NodeRef {
  /** Header address in the committed file. */
  address?: number;
  /** The draft of an object created since the last commit. */
  draft?: DraftObject;
  /** Unlinked at a commit: the handle no longer names an object of the file. */
  deleted?: boolean;
  /** Obtained before the last commit: checked against the new tree on next use. */
  verify?: boolean;
}

export type ObjectKind = 'group' | 'dataset' | 'datatype';

/** How many soft links one lookup may follow (libhdf5's default H5L nlinks). */
const MAX_SOFT_LINKS = 16;

export class Editor {
  file!: File;
  readonly w: Writer;
  readonly family: 'earliest' | 'latest';
  private readonly ks: BTreeKs;
  private readonly superblockBytes: Uint8Array;
  closed = false;

  // Session state, reset at every commit.
  private existing = new Map<number, DraftExisting>();
  /** Copies by the address of the header they copy. */
  private copies = new Map<number, DraftGroup | DraftCopy | DraftDataset>();
  private origin = new Map<DraftObject, number>();
  /** The hard-link targets a copied group had on disk, once its links are loaded (reference count accounting). */
  private diskTargets = new Map<DraftGroup, number[]>();
  private created = new Set<DraftObject>();
  private writers = new Map<DraftObject, WritableDataset>();
  private refs = new Map<number, NodeRef>();
  private draftRefs = new Map<DraftObject, NodeRef>();
  private scanned?: TreeScan;
  private diskLinkCache = new Map<number, Map<string, DraftLink>>();
  private dirty = false;

  constructor(
    readonly sink: ByteSink,
    readonly options: EditOptions = {},
  ) {
    this.file = new File(sink);
    const sb = this.file.superblock;
    const ext = this.file.extension;
    const refuse = (why: string) => {
      throw new H5UnsafeEditError('unsupported-file', `cannot edit this file: ${why}`);
    };
    if (ext?.cacheImage) refuse('it holds a metadata cache image, which libhdf5 would serve instead of the edited objects');
    if (sb.version >= 2 && sb.fileConsistencyFlags & 0x05) refuse('its superblock marks it open for writing (by libhdf5 or a crashed writer); run h5clear first');
    if (!isUndefinedAddress(sb.driverInfoAddress)) refuse('it was written through a multi-file driver (driver info block)');
    if (ext?.fileSpace && ext.fileSpace.strategy === 1) refuse('it uses paged file space aggregation');
    // The stored end of file counts from the start of the file, user block included (libhdf5 encodes EOA + base address).
    const eof = sb.endOfFileAddress - sb.baseAddress;
    if (sink.size < sb.endOfFileAddress) throw new H5FormatError('superblock', sb.location, `end of file address ${sb.endOfFileAddress} lies beyond the file (${sink.size} bytes): truncated file`);
    this.family = sb.version >= 2 ? 'latest' : 'earliest';
    const btreeK = ext?.btreeK;
    this.ks = btreeK
      ? { leafK: btreeK.groupLeaf, internalK: btreeK.groupInternal, chunkK: btreeK.indexedStorage }
      : sb.version <= 1
        ? { leafK: sb.groupLeafNodeK, internalK: sb.groupInternalNodeK, chunkK: sb.indexedStorageK }
        : DEFAULT_KS;
    const rel = sb.baseAddress ? new OffsetSink(sink, sb.baseAddress) : sink;
    // New space starts at the stored end of file: what lies beyond it (a crashed edit's garbage) is unreferenced.
    this.w = new Writer(rel, { libver: this.family }, { sizes: this.file.context.sizes, end: eof });
    this.superblockBytes = sink.read(sb.location, superblockLength(sb.version, sb.offsetSize)).slice();
  }

  // ---------------------------------------------------------------------------
  // Identity and the session view of the tree
  // ---------------------------------------------------------------------------

  root(): NodeRef {
    return this.refOf(this.file.superblock.rootObjectHeaderAddress);
  }

  private refOf(address: number): NodeRef {
    let r = this.refs.get(address);
    if (!r) this.refs.set(address, (r = { address }));
    return r;
  }

  private refOfTarget(t: DraftTarget): NodeRef {
    if (t.kind === 'existing') return this.refOf(t.address);
    const a = this.origin.get(t);
    if (a !== undefined) return this.refOf(a);
    let r = this.draftRefs.get(t);
    if (!r) this.draftRefs.set(t, (r = { draft: t }));
    return r;
  }

  /** What links to `ref` point at now: its draft (new or copied), else the object in place. */
  private target(ref: NodeRef): DraftTarget {
    this.live(ref);
    if (ref.draft) return ref.draft;
    const a = ref.address!;
    return this.copies.get(a) ?? this.existingDraft(a);
  }

  private existingDraft(address: number): DraftExisting {
    let e = this.existing.get(address);
    if (!e) this.existing.set(address, (e = { kind: 'existing', address }));
    return e;
  }

  private live(ref: NodeRef): void {
    if (this.closed) throw new H5ValueError('the file is closed');
    if (ref.verify) {
      ref.verify = false;
      if (ref.address !== this.file.superblock.rootObjectHeaderAddress && !this.scan().reached.has(ref.address!)) ref.deleted = true;
    }
    if (ref.deleted) throw new H5NotFoundError('the object was unlinked from the file by a commit');
  }

  header(address: number): ObjectHeader {
    return readObjectHeader(this.file.context, address);
  }

  kind(ref: NodeRef): ObjectKind {
    const t = this.target(ref);
    if (t.kind === 'existing') return classifyHeader(this.header(t.address));
    return t.kind === 'copy' ? t.objectKind : t.kind;
  }

  /** The writer of a dataset this session created or writes to, else undefined (read its metadata from the file). */
  datasetWriter(ref: NodeRef): WritableDataset | undefined {
    const t = this.target(ref);
    return t.kind === 'existing' ? undefined : this.writers.get(t);
  }

  /** The header address of an object of the committed file. */
  committedAddress(ref: NodeRef): number | undefined {
    this.live(ref);
    return ref.address;
  }

  /** A group's links as they stand in this session (hard targets may name objects copied since: compare by `refOfTarget`). */
  links(ref: NodeRef): Map<string, DraftLink> {
    const t = this.target(ref);
    if (t.kind === 'group' && (!t.preserved || t.preserved.changed.links)) return t.links;
    if (t.kind === 'group') return this.diskLinks(this.origin.get(t)!);
    if (t.kind === 'existing' && classifyHeader(this.header(t.address)) === 'group') return this.diskLinks(t.address);
    throw new H5ValueError('not a group');
  }

  /** Names in h5py's order: creation order when the group tracks it, else byte order of the names. */
  keys(ref: NodeRef): string[] {
    const links = [...this.links(ref)];
    const t = this.target(ref);
    const tracked = t.kind === 'group' ? t.trackOrder : groupStorage(this.file.context, this.header((t as DraftExisting).address)).trackOrder;
    if (tracked) links.sort((a, b) => a[1].creationOrder - b[1].creationOrder);
    else links.sort((a, b) => compareNames(a[0], b[0]));
    return links.map(([n]) => n);
  }

  /** The committed links of the group at `address`, hard targets as existing objects. */
  private diskLinks(address: number): Map<string, DraftLink> {
    const cached = this.diskLinkCache.get(address);
    if (cached) return cached;
    const sb = this.file.superblock;
    const hint = address === sb.rootObjectHeaderAddress ? sb.rootEntry : undefined;
    const out = new Map<string, DraftLink>();
    for (const l of groupLinks(this.file.context, this.header(address), hint)) {
      const creationOrder = l.creationOrder ?? 0;
      if (l.kind === 'hard') out.set(l.name, { kind: 'hard', target: this.existingDraft(l.address), creationOrder });
      else if (l.kind === 'soft') out.set(l.name, { kind: 'soft', path: l.target, creationOrder });
      else if (l.kind === 'external') out.set(l.name, { kind: 'external', file: l.file, path: l.target, creationOrder });
      else out.set(l.name, { kind: 'user-defined', linkType: l.linkType, data: l.data, creationOrder });
    }
    this.diskLinkCache.set(address, out);
    return out;
  }

  /**
   * The object at `path` from `from` (absolute paths from the root), soft
   * links followed like the reader does; `last: false` stops at the link
   * itself and returns its group and name.
   */
  lookup(from: NodeRef, path: string): NodeRef {
    const { group, name } = this.parentOf(from, path, false);
    return this.follow(group, name, 0, path);
  }

  private follow(group: NodeRef, name: string, hops: number, whole: string): NodeRef {
    const l = this.links(group).get(name);
    if (!l) throw new H5NotFoundError(`"${whole}" does not exist`);
    if (l.kind === 'hard') return this.refOfTarget(l.target);
    if (l.kind === 'soft') {
      if (hops >= MAX_SOFT_LINKS) throw new H5NotFoundError(`"${whole}": more than ${MAX_SOFT_LINKS} soft links followed`);
      const { group: g, name: n } = this.parentOf(group, l.path, false, hops + 1);
      try {
        return this.follow(g, n, hops + 1, whole);
      } catch (e) {
        if (e instanceof H5NotFoundError) throw new H5NotFoundError(`"${whole}" is a dangling soft link to "${l.path}"`);
        throw e;
      }
    }
    throw new H5ValueError(`"${whole}" is ${l.kind === 'external' ? 'an external' : 'a user-defined'} link`);
  }

  /** The group holding the last component of `path` and that name; intermediate groups are created when asked. */
  parentOf(from: NodeRef, path: string, create: boolean, hops = 0): { group: NodeRef; name: string } {
    const parts = path.split('/').filter((p) => p !== '' && p !== '.');
    if (!parts.length) throw new H5ValueError(`invalid path ${JSON.stringify(path)}`);
    let cur = path.startsWith('/') ? this.root() : from;
    for (const p of parts.slice(0, -1)) {
      const l = this.links(cur).get(p);
      if (!l) {
        if (!create) throw new H5NotFoundError(`"${path}": "${p}" does not exist`);
        cur = this.addGroup(cur, p, {});
        continue;
      }
      const next = this.follow(cur, p, hops, path);
      if (this.kind(next) !== 'group') throw new H5ValueError(`"${path}": "${p}" is not a group`);
      cur = next;
    }
    return { group: cur, name: parts[parts.length - 1] };
  }

  // ---------------------------------------------------------------------------
  // Copy on write
  // ---------------------------------------------------------------------------

  private scan(): TreeScan {
    return (this.scanned ??= scanTree(this.file, this.options.scanReferences ?? true));
  }

  /** Header reference count: the v1 prefix field, or a v2 header's reference count message (1 without one). */
  private refcount(address: number): number {
    const h = this.header(address);
    if (h.version === 1) return h.referenceCount;
    const m = findMessage(h, MessageType.ReferenceCount);
    return m ? new ByteReader(m.data, m.address, 'reference count message', this.file.context.sizes).skip(1).u32() : 1;
  }

  /**
   * Refuse, before anything is written, to move an object something points
   * at by address (spec-notes/editing.md, "Corner cases"): a stored object
   * reference, or hard links the walk cannot find (a committed datatype's
   * users, links from outside the tree).
   */
  private checkMovable(address: number): void {
    const scan = this.scan();
    const isRoot = address === this.file.superblock.rootObjectHeaderAddress;
    if (!isRoot && !scan.reached.has(address)) throw new H5NotFoundError(`the object at address ${address} is not linked in the file`);
    if (scan.referenced.has(address) || this.w.referenced.has(address)) {
      throw new H5UnsafeEditError('referenced', `the object at address ${address} is the target of an object reference stored in the file; changing it would move it and break the reference`);
    }
    const found = (scan.parents.get(address)?.length ?? 0) + (isRoot ? 1 : 0);
    const count = this.refcount(address);
    if (count > found) {
      throw new H5UnsafeEditError(
        'shared',
        `the object at address ${address} has ${count} references in its header but only ${found} hard link(s) in the tree (a committed datatype used by datasets or attributes, or links from unreachable objects); it cannot be moved safely`,
      );
    }
  }

  /** A copy of the committed header at `address` (links and attributes loaded on demand). */
  private materialize(address: number): DraftGroup | DraftCopy | DraftDataset {
    const have = this.copies.get(address);
    if (have) return have;
    this.checkMovable(address);
    const ctx = this.file.context;
    const h = this.header(address);
    const kind = classifyHeader(h);
    const ainfoMsg = findMessage(h, MessageType.AttributeInfo);
    const ainfo = ainfoMsg ? readAttributeInfo(messageReader(ctx, ainfoMsg, 'attribute info message')) : undefined;
    let links: PreservedHeader['links'];
    let group: { trackOrder: boolean; linkOrder: number } | undefined;
    if (kind === 'group') {
      const st = groupStorage(ctx, h);
      if (st.kind === 'symbol-table') links = { storage: 'symbol-table' };
      else {
        const gi = findMessage(h, MessageType.GroupInfo);
        const { maxCompact, minDense } = gi ? readGroupInfo(messageReader(ctx, gi, 'group info message')) : { maxCompact: 8, minDense: 6 };
        links = { storage: st.kind, maxCompact, minDense, indexed: !!st.linkInfo?.creationOrderIndexed };
      }
      const li = findMessage(h, MessageType.LinkInfo);
      group = { trackOrder: st.trackOrder, linkOrder: li ? maxCreationIndex(li.data, 8) : 0 };
    }
    const preserved: PreservedHeader = {
      version: h.version,
      flags: h.flags,
      times: h.times,
      attributePhase: h.attributePhase,
      messages: h.messages.map((m) => ({ type: m.type, flags: m.flags, data: m.data.slice(), creationOrder: m.creationOrder })),
      links,
      attrs: { dense: !!ainfo && !isUndefinedAddress(ainfo.fractalHeapAddress), info: !!ainfo, indexed: !!ainfo?.creationOrderIndexed },
      changed: { links: false, attrs: false, data: false, space: false },
    };
    const base = { attrs: new Map(), attrOrder: 0, trackAttrOrder: h.version === 2 && (h.flags & 0x04) !== 0, linkCount: this.refcount(address), preserved };
    const copy: DraftGroup | DraftCopy = group ? { kind: 'group', links: new Map(), ...group, ...base } : { kind: 'copy', objectKind: kind as 'dataset' | 'datatype', ...base };
    this.copies.set(address, copy);
    this.origin.set(copy, address);
    this.dirty = true;
    return copy;
  }

  /** Load a copied group's links into its draft; from now on its link storage is rebuilt. */
  private loadLinks(g: DraftGroup): void {
    const p = g.preserved!;
    if (p.changed.links) return;
    const targets: number[] = [];
    for (const [name, l] of this.diskLinks(this.origin.get(g)!)) {
      g.links.set(name, l);
      if (l.kind === 'hard') targets.push((l.target as DraftExisting).address);
    }
    this.diskTargets.set(g, targets);
    p.changed.links = true;
    this.dirty = true;
  }

  /** Load a copied object's attributes, each message kept byte for byte; from now on its attribute storage is rebuilt. */
  private loadAttributes(o: DraftGroup | DraftCopy | DraftDataset): void {
    const p = o.preserved!;
    if (p.changed.attrs) return;
    const ctx = this.file.context;
    const h = this.header(this.origin.get(o)!);
    const sohm = fileSharedMessages(ctx);
    let order = 0;
    for (const m of h.messages) {
      if (m.type !== MessageType.Attribute) continue;
      const name = readAttributeMessage(resolveMessage(ctx, m, sohm).reader).name;
      o.attrs.set(name, { name, creationOrder: o.trackAttrOrder ? (m.creationOrder ?? 0) : order, message: m.data.slice(), flags: m.flags });
      order++;
    }
    const ai = findMessage(h, MessageType.AttributeInfo);
    const info = ai ? readAttributeInfo(messageReader(ctx, ai, 'attribute info message')) : undefined;
    if (info && !isUndefinedAddress(info.fractalHeapAddress)) {
      const heap = FractalHeap.read(ctx, info.fractalHeapAddress);
      for (const r of BTreeV2.read(ctx, info.nameIndexAddress).records()) {
        const rec = decodeAttributeRecord(8, r);
        if (rec.messageFlags & MessageFlag.Shared) throw new H5UnsupportedError(`an attribute of the object at ${h.address} is a shared message (SOHM); rewriting its attributes is not supported`);
        const { data, address } = heap.read(rec.heapId);
        const name = readAttributeMessage(new ByteReader(data, address, 'attribute message (dense storage)', ctx.sizes)).name;
        o.attrs.set(name, { name, creationOrder: o.trackAttrOrder ? rec.creationOrder : order, message: data.slice(), flags: 0 });
        order++;
      }
    }
    o.attrOrder = o.trackAttrOrder && ai ? maxCreationIndex(ai.data, 2) : order;
    p.changed.attrs = true;
    this.dirty = true;
  }

  /** The draft of a group whose links this session changes. */
  groupForWrite(ref: NodeRef): DraftGroup {
    const t = this.target(ref);
    if (t.kind === 'group' && !t.preserved) return t;
    if (this.kind(ref) !== 'group') throw new H5ValueError('not a group');
    const g = (t.kind === 'existing' ? this.materialize(t.address) : t) as DraftGroup;
    this.loadLinks(g);
    return g;
  }

  /** The draft of an object whose attributes this session changes. */
  attributesForWrite(ref: NodeRef): DraftObject {
    const t = this.target(ref);
    if (t.kind !== 'existing' && !t.preserved) return t;
    const o = (t.kind === 'existing' ? this.materialize(t.address) : t) as DraftGroup | DraftCopy | DraftDataset;
    this.loadAttributes(o);
    return o;
  }

  /**
   * The writer of a dataset whose data or extent this session changes: a
   * new dataset's own, or, for a dataset of the committed file, a copy of
   * its header turned into a draft over its storage (spec-notes/editing.md,
   * "Dataset writes"): chunks written are appended and the chunk index
   * rebuilt at commit, committed chunks never overwritten; contiguous data
   * is copied to a new extent on first write; compact data lives in the
   * header. Each is published by the superblock write, like any change.
   */
  datasetForWrite(ref: NodeRef, where: string): WritableDataset {
    const t = this.target(ref);
    if (t.kind !== 'existing') {
      const w = this.writers.get(t);
      if (w) return w;
    }
    if (t.kind !== 'existing' && t.kind !== 'copy') throw new H5ValueError(`"${where}" is not a dataset`);
    const address = t.kind === 'existing' ? t.address : this.origin.get(t)!;
    const ds = this.file.objectAt(address, where);
    if (!(ds instanceof Dataset)) throw new H5ValueError(`"${where}" is not a dataset`);
    const unsupported = (why: string) => new H5UnsupportedError(`dataset "${where}": ${why}; writing it in place is not supported`);
    const layout = ds.layoutMessage;
    if (layout.version < 3) throw unsupported(`layout message version ${layout.version}`);
    if (layout.class === 'virtual') throw unsupported('it is a virtual dataset');
    if (layout.class === 'chunked' && layout.dontFilterPartialEdgeChunks) throw unsupported('its partial edge chunks are stored unfiltered');
    const h = this.header(address);
    if (findMessage(h, MessageType.ExternalFileList)) throw unsupported('its data is in external files');
    const ctx = this.file.context;
    const fp = findMessage(h, MessageType.FilterPipeline);
    const filters = fp ? readFilterPipeline(resolveMessage(ctx, fp, fileSharedMessages(ctx)).reader) : [];
    for (const f of filters) if (!(f.flags & 1) && !encoderFor(f.id)) throw unsupported(`filter ${f.name || f.id} cannot encode`);
    const space = ds.dataspace;
    const fill = ds.fill;
    const copy = this.materialize(address) as DraftCopy;
    const chunkIndex = new Map<string, ChunkEntry>();
    let contiguousAddress: number | undefined;
    if (layout.class === 'chunked') {
      const cd = layout.chunkDims;
      const far = cd.map(() => Number.MAX_SAFE_INTEGER);
      for (const c of findChunks(ctx, layout, space.dims, space.maxDims, cd.map(() => 0), far)) {
        chunkIndex.set(c.offset.map((o, d) => o / cd[d]).join(','), { address: c.address, size: c.size, filterMask: c.filterMask });
      }
    } else if (layout.class === 'contiguous' && !isUndefinedAddress(layout.address)) {
      // Copy on write: the committed extent stays as it is; the new one holds the old data to start with.
      contiguousAddress = this.w.alloc.alloc(layout.size);
      const step = 1 << 20;
      for (let at = 0; at < layout.size; at += step) {
        const n = Math.min(step, layout.size - at);
        this.w.alloc.sink.write(contiguousAddress + at, ctx.bytes(layout.address + at, n, `dataset "${where}"`).slice());
      }
    }
    const draft: DraftDataset = {
      kind: 'dataset',
      type: ds.dtype,
      space,
      layout: layout.class,
      chunks: layout.class === 'chunked' ? layout.chunkDims.slice() : undefined,
      filters,
      fill: fill?.defined ? fill.value : undefined,
      fillDefined: fill?.defined ?? false,
      compact: layout.class === 'compact' ? layout.data.slice() : undefined,
      contiguousAddress,
      chunkIndex,
      committedChunks: new Set(chunkIndex.keys()),
      attrs: copy.attrs,
      attrOrder: copy.attrOrder,
      trackAttrOrder: copy.trackAttrOrder,
      linkCount: copy.linkCount,
      preserved: copy.preserved,
    };
    copy.preserved.changed.data = true;
    // The dataset draft replaces the plain copy (links naming the copy are repointed in relink()).
    this.copies.set(address, draft);
    this.origin.set(draft, address);
    const w = startDataset(this.w, { draft }, where);
    this.writers.set(draft, w);
    return w;
  }

  /** A new extent for a dataset: its dataspace message is rebuilt too. */
  resizeDataset(ref: NodeRef, where: string, shape: number[]): void {
    const t = this.target(ref);
    if (t.kind === 'existing' || t.kind === 'copy') {
      // Checked before anything is copied: only chunked datasets change extent (libhdf5's rule too).
      const ds = this.file.objectAt(t.kind === 'existing' ? t.address : this.origin.get(t)!, where);
      if (ds instanceof Dataset && ds.layout !== 'chunked') throw new H5ValueError(`dataset "${where}" is not chunked and cannot be resized`);
    }
    const w = this.datasetForWrite(ref, where);
    w.resize(shape);
    const d = this.target(ref);
    if (d.kind === 'dataset' && d.preserved) d.preserved.changed.space = true;
  }

  /** Attribute names in h5py's order, without copying anything when unchanged. */
  attributeNames(ref: NodeRef): string[] {
    const t = this.target(ref);
    if (t.kind !== 'existing' && (!t.preserved || t.preserved.changed.attrs)) {
      const list = [...t.attrs.values()];
      if (t.trackAttrOrder) list.sort((a, b) => a.creationOrder - b.creationOrder);
      else list.sort((a, b) => compareNames(a.name, b.name));
      return list.map((a) => a.name);
    }
    const address = t.kind === 'existing' ? t.address : this.origin.get(t)!;
    return this.file.objectAt(address, `<@${address}>`).attrs.keys();
  }

  // ---------------------------------------------------------------------------
  // Operations
  // ---------------------------------------------------------------------------

  /**
   * Refuse, before anything is copied, a link a symbol-table (classic)
   * group cannot hold: its entries are hard or soft links only (spec III.C).
   */
  private checkLinkKind(group: NodeRef, kind: DraftLink['kind'], where: string): void {
    if (kind === 'hard' || kind === 'soft') return;
    const t = this.target(group);
    // A group new in this edit is written new-style when it holds such a link (serialize.ts, styleOf), as libhdf5 converts one.
    const symbolTable =
      t.kind === 'existing' ? groupStorage(this.file.context, this.header(t.address)).kind === 'symbol-table' : t.preserved?.links?.storage === 'symbol-table';
    if (symbolTable) throw new H5UnsupportedError(`"${where}": a ${kind} link cannot be stored in a symbol-table (classic) group`);
  }

  private addLink(group: NodeRef, name: string, link: (order: number) => DraftLink, where: string): void {
    validName(name);
    if (this.links(group).has(name)) throw new H5KeyExistsError(`"${where}" already exists`);
    this.checkLinkKind(group, link(0).kind, where);
    const g = this.groupForWrite(group);
    g.links.set(name, link(g.linkOrder));
    g.linkOrder++;
  }

  addGroup(group: NodeRef, name: string, o: { trackOrder?: boolean }): NodeRef {
    const draft = newGroup(o.trackOrder ?? false);
    this.addLink(group, name, (order) => ({ kind: 'hard', target: draft, creationOrder: order }), name);
    this.created.add(draft);
    return this.refOfTarget(draft);
  }

  addDataset(group: NodeRef, name: string, where: string, o: DatasetOptions): NodeRef {
    validName(name);
    if (this.links(group).has(name)) throw new H5KeyExistsError(`"${where}" already exists`);
    // Validate the options and data before anything is linked or written.
    const plan = planDataset(this.w, `dataset "${where}"`, o);
    this.addLink(group, name, (order) => ({ kind: 'hard', target: plan.draft, creationOrder: order }), where);
    this.created.add(plan.draft);
    this.writers.set(plan.draft, startDataset(this.w, plan, where));
    return this.refOfTarget(plan.draft);
  }

  addNamedType(group: NodeRef, name: string, where: string, dtype: DtypeSpec): NodeRef {
    const draft: DraftNamedType = { kind: 'datatype', type: parseDtype(dtype), attrs: new Map(), attrOrder: 0, trackAttrOrder: false, linkCount: 0 };
    this.addLink(group, name, (order) => ({ kind: 'hard', target: draft, creationOrder: order }), where);
    this.created.add(draft);
    return this.refOfTarget(draft);
  }

  addSoftLink(group: NodeRef, name: string, where: string, target: string): void {
    if (!target) throw new H5ValueError('empty soft link target');
    this.addLink(group, name, (order) => ({ kind: 'soft', path: target, creationOrder: order }), where);
  }

  addExternalLink(group: NodeRef, name: string, where: string, file: string, target: string): void {
    this.addLink(group, name, (order) => ({ kind: 'external', file, path: target, creationOrder: order }), where);
  }

  addHardLink(group: NodeRef, name: string, where: string, to: NodeRef): void {
    const target = this.target(to);
    this.addLink(group, name, (order) => ({ kind: 'hard', target, creationOrder: order }), where);
  }

  /** Remove a link; what only it reached becomes garbage (spec-notes/editing.md, "Free space"). */
  unlink(group: NodeRef, name: string, where: string): void {
    if (!this.links(group).has(name)) throw new H5NotFoundError(`"${where}" does not exist`);
    this.groupForWrite(group).links.delete(name);
  }

  /** Move a link (any kind) to another group or name; the object it points to stays where it is. */
  move(src: { group: NodeRef; name: string }, dst: { group: NodeRef; name: string }, dstAncestors: NodeRef[], where: { from: string; to: string }): void {
    const l = this.links(src.group).get(src.name);
    if (!l) throw new H5NotFoundError(`"${where.from}" does not exist`);
    validName(dst.name);
    if (this.links(dst.group).has(dst.name)) throw new H5KeyExistsError(`"${where.to}" already exists`);
    if (l.kind === 'hard') {
      const moved = this.refOfTarget(l.target);
      if (dstAncestors.includes(moved)) throw new H5ValueError(`cannot move "${where.from}" into itself ("${where.to}")`);
    }
    this.checkLinkKind(dst.group, l.kind, where.to);
    const to = this.groupForWrite(dst.group);
    this.groupForWrite(src.group).links.delete(src.name);
    to.links.set(dst.name, { ...l, creationOrder: to.linkOrder++ });
  }

  // ---------------------------------------------------------------------------
  // Commit
  // ---------------------------------------------------------------------------

  /**
   * Complete the copy set, append it and switch the superblock to it
   * (spec-notes/editing.md, "Principle"). Raises, before anything of the
   * metadata is written, when an object that must move cannot.
   */
  commit(): void {
    if (this.closed) throw new H5ValueError('the file is closed');
    if (!this.dirty) return;
    const root = this.complete();
    if (!root) {
      this.reset(new Set());
      return;
    }
    for (const [a] of this.copies) {
      if (this.w.referenced.has(a)) throw new H5UnsafeEditError('referenced', `a reference written in this edit points at the object at address ${a}, which the edit moves`);
    }
    this.relink();
    const attrs = encodeDraftAttributes(this.w, root);
    const r = serializeDraft(root, this.w.alloc, this.w.sizes, (o) => attrs.get(o) ?? [], { family: this.family, ks: this.ks, bind: (objects) => this.w.bind(root, objects) });
    const written = new Set<DraftObject>(collect(root));
    // Everything the new superblock reaches must be durable before it is written (spec-notes/editing.md: the commit point).
    this.sink.sync?.();
    this.writeSuperblock(root, r);
    this.sink.sync?.();
    this.reset(written);
  }

  /**
   * The copies a commit writes: every on-disk parent of a copy is copied
   * too (its link now points elsewhere), up to the root; every object whose
   * count of hard links changed is copied with the new count (a deleted
   * group's links no longer count, so the objects only it reached are
   * dropped, recursively). Returns the root's copy, or undefined when the
   * edit changed nothing reachable.
   */
  private complete(): DraftGroup | undefined {
    const scan = this.scan();
    const rootAddress = this.file.superblock.rootObjectHeaderAddress;
    const deadExisting = new Set<number>();
    const dead = new Set<number>();
    for (let round = 0; ; round++) {
      if (round > 100000) throw new Error('internal: edit closure does not converge');
      // (a) Parents of copies, to a fixed point.
      for (let grew = true; grew; ) {
        grew = false;
        for (const [a] of [...this.copies]) {
          if (dead.has(a)) continue;
          for (const p of scan.parents.get(a) ?? []) {
            if (deadExisting.has(p.group) || dead.has(p.group)) continue;
            const pc = this.copies.get(p.group) as DraftGroup | undefined;
            if (pc?.preserved!.changed.links) continue;
            this.loadLinks((pc ?? this.materialize(p.group)) as DraftGroup);
            grew = true;
          }
        }
      }
      // (b) Hard-link counts: links from live draft groups minus the links copied or dropped groups had on disk.
      const delta = new Map<number, number>();
      const add = (a: number, n: number) => delta.set(a, (delta.get(a) ?? 0) + n);
      for (const g of this.liveGroups(rootAddress)) {
        for (const l of g.links.values()) {
          if (l.kind !== 'hard') continue;
          const a = l.target.kind === 'existing' ? l.target.address : this.origin.get(l.target);
          if (a !== undefined) add(a, 1);
        }
      }
      for (const targets of this.diskTargets.values()) for (const a of targets) add(a, -1);
      for (const g of deadExisting) for (const l of this.diskLinks(g).values()) if (l.kind === 'hard') add((l.target as DraftExisting).address, -1);
      let changed = false;
      for (const [a, d] of delta) {
        if (d === 0 || a === rootAddress) continue;
        const count = this.refcount(a) + d;
        const copy = this.copies.get(a);
        if (count <= 0) {
          // Unreachable now: a group's own links stop counting (libhdf5 decrements them when it frees a group).
          if (copy) {
            if (!dead.has(a)) ((dead.add(a), (changed = true)));
            if (copy.kind === 'group' && !copy.preserved!.changed.links) ((this.loadLinks(copy), (changed = true)));
          } else if (!deadExisting.has(a) && classifyHeader(this.header(a)) === 'group') {
            deadExisting.add(a);
            changed = true;
          }
        } else if (!copy) {
          this.materialize(a);
          changed = true;
        }
      }
      if (changed) continue;
      for (const [a, c] of this.copies) c.linkCount = this.refcount(a) + (delta.get(a) ?? 0);
      return this.copies.get(rootAddress) as DraftGroup | undefined;
    }
  }

  /** Draft groups reachable from the root's copy through draft links. */
  private liveGroups(rootAddress: number): DraftGroup[] {
    const root = this.copies.get(rootAddress);
    const out: DraftGroup[] = [];
    if (!root || root.kind !== 'group') return out;
    const seen = new Set<DraftObject>();
    const stack: DraftObject[] = [root];
    while (stack.length) {
      const o = stack.pop()!;
      if (seen.has(o)) continue;
      seen.add(o);
      if (o.kind !== 'group') continue;
      if (o.preserved && !o.preserved.changed.links) continue;
      out.push(o);
      for (const l of o.links.values()) {
        if (l.kind !== 'hard') continue;
        const t = l.target.kind === 'existing' ? this.copies.get(l.target.address) : l.target;
        if (t) stack.push(t);
      }
    }
    return out;
  }

  /**
   * Links loaded before an object was copied still name it as existing (or
   * name a plain copy since turned into a dataset draft): point them at the
   * current copy.
   */
  private relink(): void {
    const groups = [...this.copies.values(), ...this.created].filter((g): g is DraftGroup => g.kind === 'group' && (!g.preserved || g.preserved.changed.links));
    for (const g of groups) {
      for (const [name, l] of g.links) {
        if (l.kind !== 'hard') continue;
        const a = l.target.kind === 'existing' ? l.target.address : this.origin.get(l.target);
        const c = a === undefined ? undefined : this.copies.get(a);
        if (c && c !== l.target) g.links.set(name, { ...l, target: c });
      }
    }
  }


  /**
   * The commit point: the superblock with the new root and end of file, in
   * one write at its own offset (spec-notes/editing.md, "Principle" 3).
   * Every other field keeps its bytes. Version 0/1: the root symbol table
   * entry, with the root's B-tree and local heap in its scratch pad when it
   * is a symbol-table group; version 2/3: root address and checksum.
   */
  private writeSuperblock(root: DraftGroup, r: SerializedRoot): void {
    const sb = this.file.superblock;
    const o = sb.offsetSize;
    const bytes = this.superblockBytes.slice();
    const put = (at: number, v: number) => {
      for (let i = 0; i < o; i++) bytes[at + i] = Math.floor(v / 2 ** (8 * i)) & 0xff;
    };
    const eof = this.w.alloc.end + sb.baseAddress;
    if (sb.version <= 1) {
      const fixed = sb.version === 0 ? 24 : 28;
      put(fixed + 2 * o, eof);
      let { btree, heap } = r;
      const symbolTable = root.preserved?.links?.storage === 'symbol-table';
      if (symbolTable && btree === undefined) {
        const m = root.preserved!.messages.find((x) => x.type === MessageType.SymbolTable)!;
        ({ btreeAddress: btree, heapAddress: heap } = readSymbolTableMessage(new ByteReader(m.data, 0, 'symbol table message', this.file.context.sizes)));
      }
      const w = new ByteWriter(this.file.context.sizes, 2 * o + 24);
      encodeSymbolTableEntry(w, { linkNameOffset: sb.rootEntry?.linkNameOffset ?? 0, objectHeaderAddress: r.address, cacheType: symbolTable ? 1 : 0, btreeAddress: btree, heapAddress: heap });
      bytes.set(w.finish(), fixed + 4 * o);
    } else {
      put(12 + 2 * o, eof);
      put(12 + 3 * o, r.address);
      new DataView(bytes.buffer).setUint32(12 + 4 * o, lookup3(bytes.subarray(0, 12 + 4 * o)), true);
    }
    this.sink.write(sb.location, bytes);
    this.superblockBytes.set(bytes);
  }

  /** After a commit: handles follow their objects to the new addresses; the file is read afresh. */
  private reset(written: Set<DraftObject>): void {
    const refs = new Map<number, NodeRef>();
    for (const [a, ref] of this.refs) {
      const c = this.copies.get(a);
      if (!c) refs.set(a, ref);
      else if (written.has(c)) {
        ref.address = c.address!;
        refs.set(ref.address, ref);
      } else ref.deleted = true;
    }
    for (const [d, ref] of this.draftRefs) {
      ref.draft = undefined;
      if (written.has(d)) {
        ref.address = d.address!;
        refs.set(ref.address, ref);
      } else ref.deleted = true;
    }
    for (const ref of refs.values()) ref.verify = true;
    this.refs = refs;
    this.draftRefs = new Map();
    this.existing = new Map();
    this.copies = new Map();
    this.origin = new Map();
    this.diskTargets = new Map();
    this.created = new Set();
    this.writers = new Map();
    this.scanned = undefined;
    this.diskLinkCache = new Map();
    this.dirty = false;
    this.w.referenced.clear();
    this.file = new File(this.sink);
  }

  /** Release the sink without committing: the file keeps its last committed state (bytes appended since are unreachable). */
  abandon(): void {
    if (this.closed) return;
    this.closed = true;
    this.sink.close?.();
  }

  close(): void {
    if (this.closed) return;
    this.commit();
    this.closed = true;
    this.sink.close?.();
  }
}

/** Bytes of a superblock: version 0/1 with the root symbol table entry, 2/3 with the checksum. */
function superblockLength(version: number, o: number): number {
  return version <= 1 ? (version === 0 ? 24 : 28) + 4 * o + 2 * o + 24 : 12 + 4 * o + 4;
}

/** The maximum creation index stored in a link info (8 bytes) or attribute info (2 bytes) message, when tracked (flags bit 0). */
function maxCreationIndex(data: Uint8Array, width: 2 | 8): number {
  if (!(data[1] & 1)) return 0;
  let v = 0;
  for (let i = width - 1; i >= 0; i--) v = v * 256 + data[2 + i];
  return v;
}

export function validName(name: string): void {
  const why = nameProblem(name);
  if (why) throw new H5ValueError(`invalid name ${JSON.stringify(name)}: ${why}`);
}
