import { H5NotFoundError } from '../errors.js';
import type { AttributeMessage } from '../format/messages/attribute.js';
import type { Dataspace } from '../format/messages/dataspace.js';
import type { Datatype } from '../format/messages/datatype.js';
import { objectAttributes } from '../model/attributes.js';
import { decodeValue, resolveSpace, resolveType, type ReadOptions, type Value } from './values.js';
import type { H5Node } from './node.js';

/** An attribute's metadata, as h5py's `attrs.get_id(name)` would tell. */
export interface AttributeInfo {
  readonly name: string;
  readonly dtype: Datatype;
  /** `null` for a null dataspace, `[]` for scalar. */
  readonly shape: number[] | null;
}

/** The attributes of an object, h5py-style: `keys()`, `get(name)`, `has(name)`. */
export class AttributeManager {
  private _info?: { attrs: AttributeMessage[]; trackOrder: boolean };
  constructor(private readonly owner: H5Node) {}

  private get list(): AttributeMessage[] {
    return (this._info ??= objectAttributes(this.owner.ctx, this.owner.header)).attrs;
  }

  /** Whether the object tracks attribute creation order (its attribute info message says so). */
  get trackOrder(): boolean {
    return (this._info ??= objectAttributes(this.owner.ctx, this.owner.header)).trackOrder;
  }

  /** Attribute names in h5py's order (creation order when tracked, else by name). */
  keys(): string[] {
    return this.list.map((a) => a.name);
  }

  has(name: string): boolean {
    return this.list.some((a) => a.name === name);
  }

  get size(): number {
    return this.list.length;
  }

  private message(name: string): AttributeMessage {
    const m = this.list.find((a) => a.name === name);
    if (!m) throw new H5NotFoundError(`no attribute "${name}" on ${this.owner.kind} "${this.owner.name}"`);
    return m;
  }

  info(name: string): AttributeInfo {
    const m = this.message(name);
    const space = resolveSpace(this.owner.file, m.space, m.dataAddress);
    return { name, dtype: resolveType(this.owner.file, m.type, m.dataAddress).type, shape: shapeOf(space) };
  }

  /** The attribute's value: a bare value for scalars, a flat array (typed for numbers) otherwise, `null` for a null dataspace. */
  get(name: string, options?: ReadOptions): Value {
    const m = this.message(name);
    const space = resolveSpace(this.owner.file, m.space, m.dataAddress);
    const { type } = resolveType(this.owner.file, m.type, m.dataAddress);
    return decodeValue(this.owner.file, type, space, m.data, false, `attribute "${name}" of "${this.owner.name}"`, options);
  }

  *entries(): IterableIterator<[string, Value]> {
    for (const k of this.keys()) yield [k, this.get(k)];
  }

  /** All attributes as a plain object. */
  toObject(): Record<string, Value> {
    const o: Record<string, Value> = {};
    for (const k of this.keys()) o[k] = this.get(k);
    return o;
  }
}

export function shapeOf(space: Dataspace): number[] | null {
  return space.kind === 'null' ? null : space.dims.slice();
}
