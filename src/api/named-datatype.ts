import { H5FormatError } from '../errors.js';
import { readDatatype, type Datatype } from '../format/messages/datatype.js';
import { MessageType } from '../format/object-header.js';
import { findMessage, resolveMessage } from '../model/header-messages.js';
import { H5Node } from './node.js';

/** A committed (named) datatype stored as an object of its own. */
export class NamedDatatype extends H5Node {
  readonly kind = 'datatype' as const;
  private _dtype?: Datatype;

  get dtype(): Datatype {
    if (this._dtype) return this._dtype;
    const m = findMessage(this.header, MessageType.Datatype);
    if (!m) throw new H5FormatError('object header', this.address, `named datatype "${this.name}" has no datatype message`);
    return (this._dtype = readDatatype(resolveMessage(this.ctx, m, this.file.sharedMessages).reader));
  }
}
