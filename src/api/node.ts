import type { ObjectHeader } from '../format/object-header.js';
import { readObjectHeader } from '../format/object-header.js';
import type { FileContext } from '../format/file-context.js';
import { AttributeManager } from './attributes.js';
import type { File } from './file.js';

/** What every object in a file shares: its path, header address and attributes. */
export abstract class H5Node {
  private _header?: ObjectHeader;
  private _attrs?: AttributeManager;

  constructor(
    readonly file: File,
    /** Absolute path by which this object was reached. */
    readonly name: string,
    /** Object header address: the object's identity in the file. */
    readonly address: number,
  ) {}

  abstract readonly kind: 'group' | 'dataset' | 'datatype';

  /** @internal */
  get ctx(): FileContext {
    return this.file.context;
  }

  /** @internal The parsed object header. */
  get header(): ObjectHeader {
    return (this._header ??= readObjectHeader(this.ctx, this.address));
  }

  get attrs(): AttributeManager {
    return (this._attrs ??= new AttributeManager(this));
  }

  /** The last path component (`""` for the root). */
  get basename(): string {
    return this.name === '/' ? '' : this.name.slice(this.name.lastIndexOf('/') + 1);
  }
}
