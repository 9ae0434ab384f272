import { H5FormatError } from '../errors.js';
import type { FileContext } from './file-context.js';
import type { FieldSizes } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';

/**
 * Global heap collection "GCOL" (spec III.E): variable-length data (vlen
 * strings and sequences, region references) lives here, addressed by
 * (collection address, object index).
 */
export class GlobalHeapCollection {
  private constructor(
    readonly address: number,
    private readonly objects: Map<number, Uint8Array>,
  ) {}

  static read(ctx: FileContext, address: number): GlobalHeapCollection {
    return ctx.cached('GCOL', address, () => {
      const L = ctx.sizes.lengthSize;
      const head = ctx.reader(address, 8 + L, 'global heap collection');
      head.signature('GCOL');
      const version = head.u8();
      if (version !== 1) head.fail(`unknown version ${version}`);
      head.skip(3);
      const size = head.lengthField();
      if (size < 8 + L) head.fail(`collection size ${size} is smaller than its header`);
      const r = ctx.readerUpTo(address, size, 'global heap collection');
      r.seek(8 + L);
      const objects = new Map<number, Uint8Array>();
      while (r.remaining >= 8 + L) {
        const index = r.u16();
        r.skip(6); // reference count, reserved
        const objSize = r.lengthField();
        if (index === 0) break; // free space runs to the end of the collection
        if (objSize > r.remaining) r.fail(`object ${index} claims ${objSize} bytes, ${r.remaining} left`);
        objects.set(index, r.bytesView(objSize));
        r.align(8);
      }
      return new GlobalHeapCollection(address, objects);
    });
  }

  object(index: number): Uint8Array {
    const o = this.objects.get(index);
    if (!o) throw new H5FormatError('global heap collection', this.address, `no object with index ${index}`);
    return o;
  }
}

/** Bytes of the global heap object a heap ID (collection address, index) names. */
export function globalHeapObject(ctx: FileContext, collectionAddress: number, index: number): Uint8Array {
  return GlobalHeapCollection.read(ctx, collectionAddress).object(index);
}

/** libhdf5's smallest global heap collection (H5HG_MINSIZE). */
export const GLOBAL_HEAP_MIN_SIZE = 4096;

/** Bytes one object occupies in a collection: its 16-byte header and data padded to 8. */
export function globalHeapObjectSize(dataLength: number, lengthSize = 8): number {
  return 8 + lengthSize + Math.ceil(dataLength / 8) * 8;
}

/**
 * A "GCOL" collection (spec III.E) of `size` bytes holding `objects` (indices
 * from 1; libhdf5 writes reference count 0 for them); the rest is described
 * by the free-space object (index 0).
 */
export function encodeGlobalHeapCollection(sizes: FieldSizes, objects: { index: number; data: Uint8Array }[], size: number): Uint8Array {
  const w = new ByteWriter(sizes, size);
  w.bytes(new TextEncoder().encode('GCOL')).u8(1).zeros(3).length(size);
  for (const o of objects) {
    w.u16(o.index).u16(0).u32(0).length(o.data.length).bytes(o.data).align(8);
  }
  const free = size - w.pos;
  if (free >= 8 + sizes.lengthSize) w.u16(0).u16(0).u32(0).length(free);
  w.zeros(size - w.pos);
  return w.finish();
}
