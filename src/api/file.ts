import { H5NotFoundError, H5UnsupportedError } from '../errors.js';
import { FileContext } from '../format/file-context.js';
import { readObjectHeader } from '../format/object-header.js';
import { readSuperblock, type Superblock } from '../format/superblock.js';
import { readSuperblockExtension, type SuperblockExtension } from '../format/superblock-extension.js';
import type { ByteSource } from '../io/source.js';
import { MemorySource } from '../io/memory-source.js';
import type { SharedMessageStore } from '../model/header-messages.js';
import { sharedMessageStore } from '../model/sohm.js';
import { need } from '../on-demand/registry.js';
import { Dataset } from './dataset.js';
import { classifyHeader, Group, type H5Object } from './group.js';
import { ExternalLink, UserDefinedLink } from './links.js';
import { NamedDatatype } from './named-datatype.js';
import { Reference, RegionReference } from './values.js';

export interface OpenOptions {
  /** Opens a raw-data file named by an external-storage dataset (relative names as stored). */
  readonly openExternal?: (name: string) => ByteSource;
  /**
   * Opens another HDF5 file by the name stored in this one (virtual dataset
   * sources, external link targets); `undefined` when it does not exist.
   * Files are opened once and closed with this one.
   */
  readonly resolveFile?: (filename: string) => File | undefined;
  /** `get()` follows external links through `resolveFile` (default: returns them as `ExternalLink`). */
  readonly followExternalLinks?: boolean;
  /** Salvage reads: do not fail on checksum mismatches in metadata (default false). */
  readonly relaxChecksums?: boolean;
  /** Called for each chunk decoded (instrumentation; tests count decodes). */
  readonly onChunk?: (offset: readonly number[]) => void;
}

/** How many external links one lookup may follow across files. */
const MAX_EXTERNAL_HOPS = 16;
let externalHops = 0;

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
  private readonly otherFiles = new Map<string, File | undefined>();

  constructor(source: ByteSource, options: OpenOptions = {}) {
    const relax = !!options.relaxChecksums;
    const sb = readSuperblock(source, { relaxChecksums: relax });
    const ctx = new FileContext(source, sb.baseAddress, { offsetSize: sb.offsetSize, lengthSize: sb.lengthSize }, relax);
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
    const image = this.extension?.cacheImage;
    if (image) ctx.setOverlay(need('cacheImage', 'metadata cache image').readCacheImage(ctx, image.address, image.length));
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

  /** @internal Another file named by this one ("." is this file), or undefined. */
  otherFile(filename: string): File | undefined {
    if (filename === '.') return this;
    if (!this.options.resolveFile) return undefined;
    if (!this.otherFiles.has(filename)) this.otherFiles.set(filename, this.options.resolveFile(filename));
    return this.otherFiles.get(filename);
  }

  /** @internal */
  followExternal(filename: string, target: string, here: string): H5Object | ExternalLink | UserDefinedLink {
    if (!this.options.followExternalLinks || !this.options.resolveFile) return new ExternalLink(filename, target);
    const f = this.otherFile(filename);
    if (!f) throw new H5NotFoundError(`external link "${here}": file "${filename}" not found`);
    // External links between files can form cycles: bound the hops like soft links.
    if (externalHops >= MAX_EXTERNAL_HOPS) throw new H5NotFoundError(`external link "${here}": more than ${MAX_EXTERNAL_HOPS} external links followed`);
    externalHops++;
    try {
      return f.get(target);
    } finally {
      externalHops--;
    }
  }

  /** The object a reference points to. */
  deref(ref: Reference | RegionReference): H5Object {
    return this.objectAt(ref.address, `<@${ref.address}>`);
  }

  close(): void {
    for (const f of this.otherFiles.values()) if (f && f !== this) f.close();
    this.otherFiles.clear();
    for (const s of this.externalSources.values()) s.close?.();
    this.externalSources.clear();
    this.context.source.close?.();
  }
}

/**
 * The file's shared object header messages (spec III.H): the superblock
 * extension's Shared Message Table message leads to the master table, whose
 * indexes each keep their messages in a fractal heap.
 */
function loadSharedMessages(file: File): SharedMessageStore | undefined {
  return sharedMessageStore(file.context, file.superblock.extensionAddress);
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
