import { WritableAttributes, type DatasetOptions } from '../api/writable.js';
import { Dataset } from '../api/dataset.js';
import { H5NotFoundError, H5UnsupportedError, H5ValueError } from '../errors.js';
import type { Datatype } from '../format/messages/datatype.js';
import { MemorySink, type ByteSink } from '../io/sink.js';
import type { DtypeSpec } from '../model/dtype-spec.js';
import type { Selection } from '../model/selection.js';
import type { DraftNamedType } from '../writer/draft.js';
import { Editor, type EditOptions, type NodeRef } from './editor.js';

/**
 * Editing an existing file in place, crash-safe (spec-notes/editing.md):
 * `File.edit(bytes)` in memory, `editFile(path)` in h5kit/node. The handles
 * mirror WritableFile/WritableGroup/WritableDataset; changes are kept in
 * memory (new raw data goes to the end of the file as it is written) until
 * `commit()` or `close()`, which append the changed objects and then switch
 * the superblock to them in one write. A crash or an error before that
 * leaves the file as it was at the last commit.
 */
export type { EditOptions };

/** Options of `createDataset` in an edited file; `committedType` must be a type committed in this session. */
export type EditDatasetOptions = Omit<DatasetOptions, 'committedType'> & { readonly committedType?: EditableNamedType };

function join(parent: string, name: string): string {
  if (name.startsWith('/')) return name;
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/** Attributes of an object of an edited file: changing one copies the object's header (spec-notes/editing.md). */
export class EditableAttributes {
  constructor(
    private readonly ed: Editor,
    private readonly ref: NodeRef,
    private readonly where: string,
  ) {}

  /** Names in h5py's order. */
  keys(): string[] {
    return this.ed.attributeNames(this.ref);
  }

  has(name: string): boolean {
    return this.keys().includes(name);
  }

  /** Set or replace an attribute (any size or type); the type is inferred like h5py unless given. */
  set(name: string, value: unknown, dtype?: DtypeSpec): void {
    new WritableAttributes(this.ed.w, this.ed.attributesForWrite(this.ref), this.where).set(name, value, dtype);
  }

  delete(name: string): void {
    if (!this.has(name)) throw new H5NotFoundError(`no attribute "${name}" on "${this.where}"`);
    new WritableAttributes(this.ed.w, this.ed.attributesForWrite(this.ref), this.where).delete(name);
  }
}

abstract class EditableNode {
  readonly attrs: EditableAttributes;
  constructor(
    protected readonly ed: Editor,
    /** @internal */
    readonly ref: NodeRef,
    /** The path by which this object was reached. */
    readonly name: string,
  ) {
    this.attrs = new EditableAttributes(ed, ref, name);
  }

  abstract readonly kind: 'group' | 'dataset' | 'datatype';
}

export type EditableObject = EditableGroup | EditableDataset | EditableNamedType;

function handle(ed: Editor, ref: NodeRef, path: string): EditableObject {
  const kind = ed.kind(ref);
  return kind === 'group' ? new EditableGroup(ed, ref, path) : kind === 'dataset' ? new EditableDataset(ed, ref, path) : new EditableNamedType(ed, ref, path);
}

export class EditableNamedType extends EditableNode {
  readonly kind = 'datatype' as const;

  get dtype(): Datatype {
    const draft = this.ref.draft as DraftNamedType | undefined;
    if (draft) return draft.type;
    return (this.ed.file.objectAt(this.ed.committedAddress(this.ref)!, this.name) as unknown as { dtype: Datatype }).dtype;
  }
}

export class EditableDataset extends EditableNode {
  readonly kind = 'dataset' as const;

  private committed(): Dataset {
    return this.ed.file.objectAt(this.ed.committedAddress(this.ref)!, this.name) as Dataset;
  }

  get dtype(): Datatype {
    return this.ed.datasetWriter(this.ref)?.dtype ?? this.committed().dtype;
  }

  get shape(): number[] | null {
    const w = this.ed.datasetWriter(this.ref);
    return w ? w.shape : this.committed().shape;
  }

  get maxshape(): (number | null)[] | null {
    const w = this.ed.datasetWriter(this.ref);
    return w ? w.maxshape : this.committed().maxshape;
  }

  get chunks(): number[] | null {
    const w = this.ed.datasetWriter(this.ref);
    return w ? w.chunks : this.committed().chunks;
  }

  /**
   * Write the whole dataset or a hyperslab (as `WritableDataset.write`). In
   * a dataset of the committed file, chunks are copied on write and
   * contiguous data to a new extent: the file shows the new values from
   * the next commit on, never a mix (spec-notes/editing.md, "Dataset writes").
   */
  write(data: unknown, selection?: Selection): void {
    this.ed.datasetForWrite(this.ref, this.name).write(data, selection);
  }

  /** Change the extent of a chunked dataset within its maxshape. */
  resize(shape: number[]): void {
    this.ed.resizeDataset(this.ref, this.name, shape);
  }
}

/** A group of an edited file: the methods of WritableGroup, plus `delete` and `move`. */
export class EditableGroup extends EditableNode {
  readonly kind = 'group' as const;

  /** Link names in h5py's order. */
  keys(): string[] {
    return this.ed.keys(this.ref);
  }

  has(path: string): boolean {
    try {
      this.ed.lookup(this.ref, path);
      return true;
    } catch (e) {
      if (e instanceof H5NotFoundError) return false;
      throw e;
    }
  }

  /** The object at `path` (absolute, or relative to this group); soft links are followed. */
  get(path: string): EditableObject {
    return handle(this.ed, this.ed.lookup(this.ref, path), join(this.name, path));
  }

  /** Create a group (intermediate groups too). */
  createGroup(path: string, options: { trackOrder?: boolean } = {}): EditableGroup {
    const { group, name } = this.ed.parentOf(this.ref, path, true);
    return new EditableGroup(this.ed, this.ed.addGroup(group, name, options), join(this.name, path));
  }

  /** Create a dataset: every option of `WritableGroup.createDataset`. */
  createDataset(path: string, o: EditDatasetOptions): EditableDataset {
    const { group, name } = this.ed.parentOf(this.ref, path, true);
    const where = join(this.name, path);
    const t = o.committedType;
    let committed: DatasetOptions['committedType'];
    if (t) {
      const draft = t.ref.draft;
      if (!draft || draft.kind !== 'datatype') {
        throw new H5UnsupportedError(`dataset "${where}": sharing a datatype committed before this edit would change its reference count and move it; commit a new type with commitType()`);
      }
      committed = { dtype: draft.type, draft };
    }
    return new EditableDataset(this.ed, this.ed.addDataset(group, name, where, { ...o, committedType: committed }), where);
  }

  /** Store a datatype as a named object that new datasets can share. */
  commitType(path: string, dtype: DtypeSpec): EditableNamedType {
    const { group, name } = this.ed.parentOf(this.ref, path, true);
    const where = join(this.name, path);
    return new EditableNamedType(this.ed, this.ed.addNamedType(group, name, where, dtype), where);
  }

  softLink(path: string, target: string): void {
    const { group, name } = this.ed.parentOf(this.ref, path, true);
    this.ed.addSoftLink(group, name, join(this.name, path), target);
  }

  externalLink(path: string, file: string, target: string): void {
    const { group, name } = this.ed.parentOf(this.ref, path, true);
    this.ed.addExternalLink(group, name, join(this.name, path), file, target);
  }

  /** Another name for an object of this file (a handle, or a path from this group). */
  hardLink(path: string, target: EditableObject | string): void {
    const to = typeof target === 'string' ? this.ed.lookup(this.ref, target) : target.ref;
    const { group, name } = this.ed.parentOf(this.ref, path, true);
    this.ed.addHardLink(group, name, join(this.name, path), to);
  }

  /** Remove the link at `path` (not followed if it is a soft link); objects only it reached become unused space. */
  delete(path: string): void {
    const { group, name } = this.ed.parentOf(this.ref, path, false);
    this.ed.unlink(group, name, join(this.name, path));
  }

  /** Move (rename) the link at `from` to `to`; intermediate groups of `to` are created. */
  move(from: string, to: string): void {
    const src = this.ed.parentOf(this.ref, from, false);
    const dst = this.ed.parentOf(this.ref, to, true);
    // The groups on the way to the destination: a group cannot move into itself.
    const ancestors = [this.ed.root()];
    const abs = join(this.name, to).split('/').filter((p) => p);
    let cur = this.ed.root();
    for (const p of abs.slice(0, -1)) {
      cur = this.ed.lookup(cur, p);
      ancestors.push(cur);
    }
    this.ed.move(src, dst, ancestors, { from: join(this.name, from), to: join(this.name, to) });
  }
}

/** An HDF5 file opened for editing: its root group, plus `commit()`, `close()` and `toBytes()`. */
export class EditableFile extends EditableGroup {
  private constructor(ed: Editor) {
    super(ed, ed.root(), '/');
  }

  /**
   * Edit a file: bytes are copied into memory (`toBytes()` gives the
   * result); a sink (h5kit/node's FileSink in 'r+' mode) is edited where it is.
   */
  static open(source: Uint8Array | ArrayBuffer | ByteSink, options?: EditOptions): EditableFile {
    const sink = source instanceof Uint8Array ? MemorySink.from(source) : source instanceof ArrayBuffer ? MemorySink.from(new Uint8Array(source)) : source;
    if (typeof (sink as ByteSink).write !== 'function') throw new H5ValueError('File.edit() needs bytes (Uint8Array) or a ByteSink');
    return new EditableFile(new Editor(sink, options));
  }

  /** 'earliest' (superblock 0/1: classic encodings for new objects) or 'latest' (superblock 2/3). */
  get libver(): 'earliest' | 'latest' {
    return this.ed.family;
  }

  /**
   * Make the changes so far durable and visible: the changed objects are
   * appended, synced, then the superblock is rewritten (the commit point)
   * and synced. The edit can go on afterwards; handles stay valid.
   */
  commit(): void {
    this.ed.commit();
  }

  /** Drop the changes since the last commit and release the sink; the file keeps its last committed state. */
  abandon(): void {
    this.ed.abandon();
  }

  /** Commit and release the sink. */
  close(): void {
    this.ed.close();
  }

  /** Commit and return the file's bytes (in-memory edits). */
  toBytes(): Uint8Array {
    this.ed.commit();
    if (!(this.ed.sink instanceof MemorySink)) throw new H5ValueError('toBytes() needs an in-memory edit (File.edit(bytes))');
    return this.ed.sink.bytes();
  }
}
