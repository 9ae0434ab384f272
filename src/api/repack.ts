import { H5UnsupportedError } from '../errors.js';
import type { Datatype } from '../format/messages/datatype.js';
import type { ByteSink } from '../io/sink.js';
import { containsClass } from '../model/dtype-spec.js';
import { MemorySink } from '../io/sink.js';
import { product } from '../model/selection.js';
import { Dataset } from './dataset.js';
import { open, type File, type Source } from './file.js';
import { Group, joinPath } from './group.js';
import { ExternalLink, SoftLink, UserDefinedLink } from './links.js';
import { RegionReference, type Reference } from './values.js';
import { NamedDatatype } from './named-datatype.js';
import { WritableFile, type CreateDatasetOptions, type WritableDataset, type WritableGroup, type WritableNamedType } from './writable.js';

/**
 * repack(): copy every object of a file into a new, compact file, like
 * h5repack. Edits in place leave superseded objects behind (the copy-on-write
 * commit never overwrites what the old superblock reaches, see
 * spec-notes/editing.md "Space"); repack writes only what is reachable.
 *
 * What is kept: groups (with creation-order tracking), hard links (an object
 * reached twice is written once and linked twice), soft and external links,
 * committed datatypes, datasets with their type, shape, maxshape, layout,
 * chunk shape, filter pipeline and fill value, attributes in order with
 * their exact type and shape. Chunks of fixed-size types are copied as
 * stored (never decompressed, so any filter, registered or not, survives);
 * other data is read and written as values, in slabs.
 */
export interface RepackOptions {
  /** Format family of the new file (default: the source's: 'latest' for superblock 2/3). */
  readonly libver?: 'earliest' | 'latest';
}

/** Raw-value slabs of contiguous data are at most this many bytes. */
const SLAB_BYTES = 16 << 20;

type Target = WritableGroup | WritableDataset | WritableNamedType;

/** What a copy needs besides the source: the new root, objects copied so far, and where each committed type lives. */
interface Copy {
  readonly root: WritableGroup;
  readonly copied: Map<number, Target>;
  readonly typePaths: Map<number, string>;
  /** The first path of every object (references are rewritten to point at the copy by path). */
  readonly paths: Map<number, string>;
}

export function repackInto(src: File, sink: ByteSink, options: RepackOptions = {}): void {
  const libver = options.libver ?? (src.superblock.version >= 2 ? 'latest' : 'earliest');
  // A user block (MATLAB's header, for one) is application data: kept byte for byte.
  const ub = src.userBlockSize;
  const out = WritableFile.create(sink, { libver, trackOrder: src.trackOrder, userblock: ub || undefined, userblockContent: ub ? src.context.source.read(0, ub) : undefined });
  const typePaths = new Map<number, string>();
  const paths = new Map<number, string>([[src.address, '/']]);
  src.visit((path, obj) => {
    if (!paths.has(obj.address)) paths.set(obj.address, path);
    if (obj instanceof NamedDatatype && !typePaths.has(obj.address)) typePaths.set(obj.address, path);
  });
  const copy: Copy = { root: out, copied: new Map<number, Target>([[src.address, out]]), typePaths, paths };
  copyAttributes(src, out, copy);
  copyMembers(src, out, copy);
  out.close();
}

/** Repack a file given as bytes (or any source) and return the new file's bytes. */
export function repack(source: Source | File, options: RepackOptions = {}): Uint8Array {
  const src = 'superblock' in (source as object) ? (source as File) : open(source as Source);
  const sink = new MemorySink();
  repackInto(src, sink, options);
  return sink.bytes();
}

function copyMembers(g: Group, out: WritableGroup, copy: Copy): void {
  const { copied } = copy;
  for (const name of g.keys()) {
    const link = g.getLink(name);
    if (link instanceof SoftLink) {
      out.softLink(name, link.path);
      continue;
    }
    if (link instanceof ExternalLink) {
      out.externalLink(name, link.filename, link.path);
      continue;
    }
    if (link instanceof UserDefinedLink) throw new H5UnsupportedError(`"${joinPath(g.name, name)}": user-defined link (type ${link.linkType}) cannot be written`);
    const obj = g.get(name);
    const seen = copied.get((obj as Group | Dataset | NamedDatatype).address);
    if (seen) {
      // A committed type copied ahead of its group (a dataset needed it) already has this link.
      if (!(out.has(name) && seen.kind === 'datatype')) out.hardLink(name, seen);
      continue;
    }
    if (obj instanceof Group) {
      // The group may exist already: created on the way to a committed type copied ahead.
      const child = out.has(name) ? (out.get(name) as WritableGroup) : out.createGroup(name, { trackOrder: obj.trackOrder });
      copied.set(obj.address, child);
      copyAttributes(obj, child, copy);
      copyMembers(obj, child, copy);
    } else if (obj instanceof NamedDatatype) {
      copyNamedType(obj, out, name, copy);
    } else if (obj instanceof Dataset) {
      const ds = copyDataset(obj, out, name, copy);
      copied.set(obj.address, ds);
      copyAttributes(obj, ds, copy);
    }
  }
}

function copyNamedType(t: NamedDatatype, parent: WritableGroup, path: string, copy: Copy): WritableNamedType {
  const out = parent.commitType(path, t.dtype, { trackOrder: t.attrs.trackOrder });
  copy.copied.set(t.address, out);
  copyAttributes(t, out, copy);
  return out;
}

/**
 * The copy of the committed type at `address`, made now at its own path if
 * the traversal has not reached it yet (a dataset sorted before its type).
 */
function sharedType(ds: Dataset, address: number, copy: Copy): WritableNamedType | undefined {
  const done = copy.copied.get(address);
  if (done) return done.kind === 'datatype' ? done : undefined;
  const path = copy.typePaths.get(address);
  if (!path) return undefined; // not reachable by any link: written inline
  const t = ds.file.objectAt(address, path);
  return t instanceof NamedDatatype ? copyNamedType(t, copy.root, path, copy) : undefined;
}

function containsReference(t: Datatype): boolean {
  return containsClass(t, 'reference');
}

/**
 * Reference values rewritten to the path of their target, which the writer
 * resolves to the copy's address at close; region references keep their
 * selection. A target no link reaches cannot be copied.
 */
function remapReferences(t: Datatype, v: unknown, copy: Copy, where: string): unknown {
  if (v === null || v === undefined) return v;
  switch (t.class) {
    case 'reference': {
      const r = v as Reference | RegionReference;
      const path = copy.paths.get(r.address);
      if (!path) throw new H5UnsupportedError(`${where}: a reference points at the object at address ${r.address}, which no link reaches`);
      return r instanceof RegionReference ? { target: path, selection: r.selection } : path;
    }
    case 'compound': {
      const o = v as Record<string, unknown>;
      const out: Record<string, unknown> = { ...o };
      for (const m of t.members) if (containsReference(m.type)) out[m.name] = remapReferences(m.type, o[m.name], copy, where);
      return out;
    }
    case 'array':
    case 'vlen':
      if (!t.base || !containsReference(t.base)) return v;
      return Array.from(v as ArrayLike<unknown>, (x) => remapReferences(t.base!, x, copy, where));
    default:
      return v;
  }
}

/** A value read from the source, references remapped (`flat`: a list of elements, or one element for a scalar). */
function portable(t: Datatype, v: unknown, copy: Copy, where: string, flat: boolean): unknown {
  if (!containsReference(t) || v === null) return v;
  return flat ? Array.from(v as ArrayLike<unknown>, (x) => remapReferences(t, x, copy, where)) : remapReferences(t, v, copy, where);
}

/** Types whose stored bytes mean the same in any file (no global heap IDs, no addresses). */
function fixedSize(t: Datatype): boolean {
  return !containsClass(t, 'vlen') && !containsReference(t);
}

function copyAttributes(src: Group | Dataset | NamedDatatype, out: Target, copy: Copy): void {
  for (const name of src.attrs.keys()) {
    const info = src.attrs.info(name);
    const where = `attribute "${name}" of "${src.name}"`;
    const value = info.shape === null ? null : portable(info.dtype, src.attrs.get(name), copy, where, info.shape.length > 0);
    out.attrs.create(name, value, { shape: info.shape, dtype: info.dtype });
  }
}

function copyDataset(ds: Dataset, out: WritableGroup, name: string, copy: Copy): WritableDataset {
  const where = `dataset "${ds.name}"`;
  const t = ds.dtype;
  const layout = ds.layout;
  if (layout === 'virtual') throw new H5UnsupportedError(`${where}: virtual datasets cannot be written yet`);
  const shared = ds.committedTypeAddress !== undefined ? sharedType(ds, ds.committedTypeAddress, copy) : undefined;
  const chunked = layout === 'chunked';
  // The fill value as stored: undefined, the default (no bytes: zeros), or a value.
  const stored = ds.fill;
  const fill = stored && !stored.defined ? null : stored?.value && stored.value.length > 0 ? portable(t, ds.fillValue, copy, `fill value of ${where}`, false) : undefined;
  const o: CreateDatasetOptions = {
    shape: ds.shape,
    dtype: shared ? undefined : t,
    committedType: shared,
    maxshape: ds.maxshape ?? undefined,
    layout: chunked ? 'chunked' : layout === 'compact' ? 'compact' : 'contiguous',
    chunks: chunked ? ds.chunks! : undefined,
    filters: chunked ? ds.filters : undefined,
    fillValue: fill,
    trackOrder: ds.attrs.trackOrder,
  };
  const w = out.createDataset(name, o);
  const shape = ds.shape;
  if (shape === null) return w;
  if (shape.length === 0) {
    w.write(portable(t, ds.read(), copy, where, false));
    return w;
  }
  if (product(shape) === 0) return w;
  const partialEdgesUnfiltered = ds.layoutMessage.class === 'chunked' && ds.layoutMessage.dontFilterPartialEdgeChunks;
  if (chunked && fixedSize(t) && !partialEdgesUnfiltered) {
    // Stored bytes as they are: no decompression, no recompression.
    for (const c of ds.chunkInfo()) w.writeDirectChunk(c.offset, ds.ctx.bytes(c.address, c.size, `chunk of ${where}`), c.filterMask);
    return w;
  }
  if (chunked) {
    // Values chunk row by chunk row (vlen data hold heap IDs of the old file).
    const step = ds.chunks![0];
    for (let i = 0; i < shape[0]; i += step) copySlab(ds, w, i, Math.min(shape[0], i + step), copy);
    return w;
  }
  const rowBytes = (product(shape) / shape[0]) * t.size;
  const rows = Math.max(1, Math.floor(SLAB_BYTES / Math.max(1, rowBytes)));
  for (let i = 0; i < shape[0]; i += rows) copySlab(ds, w, i, Math.min(shape[0], i + rows), copy);
  return w;
}

function copySlab(ds: Dataset, w: WritableDataset, start: number, stop: number, copy: Copy): void {
  const sel = [[start, stop] as [number, number], ...ds.shape!.slice(1).map(() => null)];
  w.write(portable(ds.dtype, ds.read(sel), copy, `dataset "${ds.name}"`, true), sel);
}
