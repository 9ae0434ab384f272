import { H5NotFoundError, H5UnsupportedError } from '../errors.js';
import { FileContext } from '../format/file-context.js';
import { readObjectHeader } from '../format/object-header.js';
import { readSuperblock, type Superblock } from '../format/superblock.js';
import { readSuperblockExtension, type SuperblockExtension } from '../format/superblock-extension.js';
import type { ByteSource } from '../io/source.js';
import { MemorySource } from '../io/memory-source.js';
import type { SharedMessageStore } from '../model/header-messages.js';
import { Dataset } from './dataset.js';
import { classifyHeader, Group, type H5Object } from './group.js';
import { ExternalLink } from './links.js';
import { NamedDatatype } from './named-datatype.js';
import { Reference, RegionReference } from './values.js';

export interface OpenOptions {
  /** Opens a raw-data file named by an external-storage dataset (relative names as stored). */
  readonly openExternal?: (name: string) => ByteSource;
  /**
   * Opens the file an external link names; when given, `get()` follows
   * external links into it.
   */
  readonly openExternalLinkFile?: (filename: string) => File;
  /** Called for each chunk decoded (instrumentation; tests count decodes). */
  readonly onChunk?: (offset: readonly number[]) => void;
}

export type Source = ByteSource | Uint8Array | ArrayBuffer | ArrayBufferView;

/** An open HDF5 file: the root group plus file-level information. */
export class File extends Group {
  /** @internal */
  readonly context: FileContext;
  readonly superblock: Superblock;
  readonly options: OpenOptions;
  /** @internal The superblock extension's messages, when the file has one. */
  readonly extension: SuperblockExtension | undefined;
  private _sohm?: SharedMessageStore | null;
  private readonly externalSources = new Map<string, ByteSource>();

  constructor(source: ByteSource, options: OpenOptions = {}) {
    const sb = readSuperblock(source);
    const ctx = new FileContext(source, sb.baseAddress, { offsetSize: sb.offsetSize, lengthSize: sb.lengthSize });
    // super() needs the file; File is its own root group.
    super(undefined as unknown as File, '/', sb.rootObjectHeaderAddress);
    (this as { file: File }).file = this;
    this.context = ctx;
    this.superblock = sb;
    // External raw-data files are opened once each and closed with this file.
    const ext = options.openExternal;
    const opened = this.externalSources;
    this.options = ext
      ? { ...options, openExternal: (name: string) => opened.get(name) ?? opened.set(name, ext(name)).get(name)! }
      : options;
    this.extension = readSuperblockExtension(ctx, sb.extensionAddress);
  }

  /** Size of the user block before the superblock (0 if none). */
  get userBlockSize(): number {
    return this.superblock.location;
  }

  /** @internal The SOHM heap when the file has a shared message table. */
  get sharedMessages(): SharedMessageStore | undefined {
    if (this._sohm === undefined) this._sohm = loadSharedMessages(this) ?? null;
    return this._sohm ?? undefined;
  }

  /** @internal The object whose header is at `address`, reached by `path`. */
  objectAt(address: number, path: string): H5Object {
    const h = readObjectHeader(this.context, address);
    const kind = classifyHeader(h);
    if (kind === 'dataset') return new Dataset(this, path, address);
    if (kind === 'datatype') return new NamedDatatype(this, path, address);
    return new Group(this, path, address);
  }

  /** @internal */
  followExternal(filename: string, target: string, here: string): H5Object | ExternalLink {
    const open = this.options.openExternalLinkFile;
    if (!open) return new ExternalLink(filename, target);
    const f = open(filename);
    const obj = f.get(target);
    if (obj instanceof ExternalLink) return obj;
    if (!obj || !('kind' in obj) || obj.kind === 'user-defined') throw new H5NotFoundError(`external link "${here}" leads to no object`);
    return obj as H5Object;
  }

  /** The object a reference points to. */
  deref(ref: Reference | RegionReference): H5Object {
    return this.objectAt(ref.address, `<@${ref.address}>`);
  }

  close(): void {
    for (const s of this.externalSources.values()) s.close?.();
    this.externalSources.clear();
    this.context.source.close?.();
  }
}

function loadSharedMessages(_file: File): SharedMessageStore | undefined {
  return undefined;
}

/** Open an HDF5 file from bytes or any byte source. */
export function open(source: Source, options?: OpenOptions): File {
  const src: ByteSource =
    source instanceof Uint8Array || source instanceof ArrayBuffer || ArrayBuffer.isView(source)
      ? new MemorySource(source as Uint8Array)
      : (source as ByteSource);
  if (typeof src.read !== 'function') throw new H5UnsupportedError('open() needs bytes (Uint8Array/ArrayBuffer) or a ByteSource');
  return new File(src, options);
}
