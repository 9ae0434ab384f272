import { H5FormatError } from '../errors.js';
import type { Dataspace } from '../format/messages/dataspace.js';
import { readDataspace, elementCount } from '../format/messages/dataspace.js';
import type { Datatype } from '../format/messages/datatype.js';
import { readDatatype } from '../format/messages/datatype.js';
import type { SharedPointer } from '../format/messages/shared-message.js';
import { MessageType } from '../format/object-header.js';
import { decodeElements, type DecodeOptions, type DecodeServices } from '../model/decode.js';
import { followShared, messageReader } from '../model/header-messages.js';
import type { RegionSelection } from '../model/references.js';
import { need } from '../on-demand/registry.js';
import { globalHeapObject } from '../format/global-heap.js';
import type { NumericArray } from '../model/typed-arrays.js';
import type { File } from './file.js';

/** What `read()` and `attrs.get()` return. */
export type Value = unknown;

export type ReadOptions = DecodeOptions;

/** An object reference (H5T_STD_REF_OBJ): resolve it with `file.deref(ref)`. */
export class Reference {
  constructor(readonly address: number) {}
  toString(): string {
    return `<HDF5 object reference @${this.address}>`;
  }
}

/** A dataset region reference (H5T_STD_REF_DSETREG): an object plus a selection of its elements. */
export class RegionReference {
  constructor(
    readonly address: number,
    readonly selection: RegionSelection,
  ) {}
}

export function isSharedPointer(x: unknown): x is SharedPointer {
  return !!x && typeof x === 'object' && 'where' in x;
}

/** A datatype that may be a shared pointer to a committed datatype. */
export function resolveType(file: File, t: Datatype | SharedPointer, at: number): { type: Datatype; committedAddress?: number } {
  if (!isSharedPointer(t)) return { type: t };
  const m = followShared(file.context, t, MessageType.Datatype, file.sharedMessages, at);
  return { type: readDatatype(messageReader(file.context, m, 'datatype message')), committedAddress: t.where === 'object-header' ? t.address : undefined };
}

export function resolveSpace(file: File, s: Dataspace | SharedPointer, at: number): Dataspace {
  if (!isSharedPointer(s)) return s;
  const m = followShared(file.context, s, MessageType.Dataspace, file.sharedMessages, at);
  return readDataspace(messageReader(file.context, m, 'dataspace message'));
}

export function decodeServices(file: File): DecodeServices {
  const ctx = file.context;
  return {
    offsetSize: ctx.sizes.offsetSize,
    heapObject: (addr, index) => (addr < 0 || (addr === 0 && index === 0) ? null : globalHeapObject(ctx, addr, index)),
    objectReference: (addr) => (addr < 0 ? null : new Reference(addr)),
    regionReference: (bytes) => {
      if (!bytes) return null;
      const { address, selection } = need('regionReferences', 'dataset region reference').readRegionHeapObject(bytes, ctx.sizes.offsetSize);
      return new RegionReference(address, selection);
    },
  };
}

/** Decode raw bytes laid out by `space` into h5kit's value form. */
export function decodeValue(
  file: File,
  type: Datatype,
  space: Dataspace,
  bytes: Uint8Array,
  owned: boolean,
  where: string,
  options?: ReadOptions,
): Value {
  if (space.kind === 'null') return null;
  const n = elementCount(space);
  if (bytes.length < n * type.size) {
    throw new H5FormatError(where, -1, `holds ${bytes.length} bytes, its dataspace needs ${n * type.size}`);
  }
  const arr = decodeElements(type, bytes, n, owned, decodeServices(file), options);
  return space.kind === 'scalar' ? (arr as NumericArray | unknown[])[0] : arr;
}
