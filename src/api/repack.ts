import { H5UnsupportedError } from '../errors.js';
import type { Datatype } from '../format/messages/datatype.js';
import type { ByteSink } from '../io/sink.js';
import { MemorySink } from '../io/sink.js';
import { product } from '../model/selection.js';
import { Dataset } from './dataset.js';
import { open, type File, type Source } from './file.js';
import { Group } from './group.js';
import { ExternalLink, SoftLink, UserDefinedLink } from './links.js';
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
}

export function repackInto(src: File, sink: ByteSink, options: RepackOptions = {}): void {
  const libver = options.libver ?? (src.superblock.version >= 2 ? 'latest' : 'earliest');
  const out = WritableFile.create(sink, { libver, trackOrder: src.trackOrder });
  const typePaths = new Map<number, string>();
  src.visit((path, obj) => {
    if (obj instanceof NamedDatatype && !typePaths.has(obj.address)) typePaths.set(obj.address, path);
  });
  const copy: Copy = { root: out, copied: new Map<number, Target>([[src.address, out]]), typePaths };
  copyAttributes(src, out);
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
    if (link instanceof UserDefinedLink) throw new H5UnsupportedError(`"${joinName(g.name, name)}": user-defined link (type ${link.linkType}) cannot be written`);
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
      copyAttributes(obj, child);
      copyMembers(obj, child, copy);
    } else if (obj instanceof NamedDatatype) {
      copyNamedType(obj, out, name, copy);
    } else if (obj instanceof Dataset) {
      const ds = copyDataset(obj, out, name, copy);
      copied.set(obj.address, ds);
      copyAttributes(obj, ds);
    }
  }
}

function copyNamedType(t: NamedDatatype, parent: WritableGroup, path: string, copy: Copy): WritableNamedType {
  const out = parent.commitType(path, t.dtype, { trackOrder: t.attrs.trackOrder });
  copy.copied.set(t.address, out);
  copyAttributes(t, out);
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

function joinName(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

function refuseReferences(t: Datatype, where: string): void {
  if (containsReference(t)) throw new H5UnsupportedError(`${where}: repacking references needs the addresses of the new file's objects, which the writer does not patch yet`);
}

function containsReference(t: Datatype): boolean {
  switch (t.class) {
    case 'reference':
      return true;
    case 'compound':
      return t.members.some((m) => containsReference(m.type));
    case 'array':
    case 'vlen':
      return t.base ? containsReference(t.base) : false;
    default:
      return false;
  }
}

/** Types whose stored bytes mean the same in any file (no global heap IDs, no addresses). */
function fixedSize(t: Datatype): boolean {
  switch (t.class) {
    case 'vlen':
    case 'reference':
      return false;
    case 'compound':
      return t.members.every((m) => fixedSize(m.type));
    case 'array':
      return fixedSize(t.base);
    default:
      return true;
  }
}

function copyAttributes(src: Group | Dataset | NamedDatatype, out: Target): void {
  for (const name of src.attrs.keys()) {
    const info = src.attrs.info(name);
    refuseReferences(info.dtype, `attribute "${name}" of "${src.name}"`);
    out.attrs.create(name, info.shape === null ? null : src.attrs.get(name), { shape: info.shape, dtype: info.dtype });
  }
}

function copyDataset(ds: Dataset, out: WritableGroup, name: string, copy: Copy): WritableDataset {
  const where = `dataset "${ds.name}"`;
  const t = ds.dtype;
  refuseReferences(t, where);
  const layout = ds.layout;
  if (layout === 'virtual') throw new H5UnsupportedError(`${where}: virtual datasets cannot be written yet`);
  const shared = ds.committedTypeAddress !== undefined ? sharedType(ds, ds.committedTypeAddress, copy) : undefined;
  const chunked = layout === 'chunked';
  // The fill value as stored: undefined, the default (no bytes: zeros), or a value.
  const stored = ds.fill;
  const fill = stored && !stored.defined ? null : stored?.value && stored.value.length > 0 ? ds.fillValue : undefined;
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
    w.write(ds.read());
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
    for (let i = 0; i < shape[0]; i += step) copySlab(ds, w, i, Math.min(shape[0], i + step));
    return w;
  }
  const rowBytes = (product(shape) / shape[0]) * t.size;
  const rows = Math.max(1, Math.floor(SLAB_BYTES / Math.max(1, rowBytes)));
  for (let i = 0; i < shape[0]; i += rows) copySlab(ds, w, i, Math.min(shape[0], i + rows));
  return w;
}

function copySlab(ds: Dataset, w: WritableDataset, start: number, stop: number): void {
  const sel = [[start, stop] as [number, number], ...ds.shape!.slice(1).map(() => null)];
  w.write(ds.read(sel), sel);
}
