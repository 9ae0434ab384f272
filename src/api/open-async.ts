import { H5ValueError } from '../errors.js';
import { DeferredInflate, NeedInflate } from '../filters/deferred-inflate.js';
import { BlockCache, blobSource, httpSource, runWithCache, type AsyncByteSource, type BlockCacheOptions } from '../io/async-source.js';
import type { Selection } from '../model/selection.js';
import { Dataset } from './dataset.js';
import { File, type OpenOptions } from './file.js';
import { Group } from './group.js';
import { load, type LoadOptions } from './load.js';
import { withReaders } from '../on-demand/load.js';
import type { ReadOptions, Value } from './values.js';

/**
 * A file read through an async source (a URL with HTTP range requests, a
 * Blob, any AsyncByteSource). Every call runs the ordinary synchronous
 * reader against a block cache and fetches what it misses, so only the
 * ranges an operation touches are downloaded.
 */
export class AsyncFile {
  private constructor(
    private readonly cache: BlockCache,
    readonly file: File,
  ) {}

  static async open(source: AsyncByteSource | Blob | string, options: OpenOptions & BlockCacheOptions = {}): Promise<AsyncFile> {
    const src = typeof source === 'string' ? await httpSource(source) : isBlob(source) ? blobSource(source) : source;
    const cache = new BlockCache(src, options);
    // Superblock and root metadata usually sit in the first blocks: fetch them in one request.
    await cache.fetch([{ offset: 0, length: Math.min(src.size, 4 * cache.blockSize) }]);
    const file = await withReaders(() => runWithCache(cache, () => new File(cache, options)));
    // Deflate chunks are inflated by the runtime's DecompressionStream between runs (native zlib).
    if (DeferredInflate.available()) file.context.deferredInflate = new DeferredInflate(cache.maxBytes);
    return new AsyncFile(cache, file);
  }

  /**
   * Run any synchronous h5kit operation on the file, fetching the bytes it
   * needs (and, in 'h5kit/read', the readers of rare structures it meets).
   */
  run<T>(op: (file: File) => T): Promise<T> {
    return withReaders(() => this.runFetching(op));
  }

  private async runFetching<T>(op: (file: File) => T): Promise<T> {
    const inflates = this.file.context.deferredInflate;
    try {
      // Each NeedInflate round settles at least one queued chunk, so this ends.
      for (;;) {
        try {
          return await runWithCache(this.cache, () => op(this.file));
        } catch (e) {
          if (!(e instanceof NeedInflate)) throw e;
          await e.session.inflatePending();
        }
      }
    } finally {
      inflates?.clear();
    }
  }

  /** Link names of the group at `path`. */
  keys(path = '/'): Promise<string[]> {
    return this.run((f) => {
      const g = f.get(path);
      if (!(g instanceof Group)) throw new H5ValueError(`"${path}" is not a group`);
      return g.keys();
    });
  }

  /** A dataset's data, or a hyperslab of it. */
  read(path: string, selection?: Selection, options?: ReadOptions): Promise<Value> {
    return this.run((f) => {
      const d = f.get(path);
      if (!(d instanceof Dataset)) throw new H5ValueError(`"${path}" is not a dataset`);
      return d.read(selection, options);
    });
  }

  /** An attribute's value. */
  attr(path: string, name: string): Promise<Value> {
    return this.run((f) => {
      const o = f.get(path);
      if (!(o instanceof Group || o instanceof Dataset)) throw new H5ValueError(`"${path}" has no attributes here`);
      return o.attrs.get(name);
    });
  }

  /**
   * The whole file (or `key`) as JS values, like load(). Loading the whole
   * file reads nearly every byte of it, so a file that fits the cache budget
   * is fetched in one request first instead of object by object.
   */
  async load(options: LoadOptions = {}): Promise<unknown> {
    if (!options.key) await this.cache.fetchAllIfFits();
    return this.run((f) => load(f, options));
  }

  close(): void {
    this.file.close();
  }
}

function isBlob(x: unknown): x is Blob {
  return typeof Blob !== 'undefined' && x instanceof Blob;
}

/** Open a file from a URL (HTTP range requests), a Blob or an AsyncByteSource. */
export function openAsync(source: AsyncByteSource | Blob | string, options?: OpenOptions & BlockCacheOptions): Promise<AsyncFile> {
  return AsyncFile.open(source, options);
}
