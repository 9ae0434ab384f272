import type { FieldSizes } from '../format/byte-reader.js';
import { encodeGlobalHeapCollection, globalHeapObjectSize, GLOBAL_HEAP_MIN_SIZE } from '../format/global-heap.js';
import type { Allocator } from './allocator.js';

/**
 * Places variable-length data (vlen strings and sequences, region
 * references) in global heap collections as it is written: a collection's
 * space is reserved when it opens, filled object by object, and written out
 * when the next one opens or the file closes.
 */
export class GlobalHeapWriter {
  private current?: { address: number; size: number; used: number; objects: { index: number; data: Uint8Array }[] };

  constructor(
    private readonly alloc: Allocator,
    private readonly sizes: FieldSizes,
  ) {}

  /** Store one object; returns its heap ID (collection address, index). */
  store(data: Uint8Array): { collection: number; index: number } {
    const need = globalHeapObjectSize(data.length, this.sizes.lengthSize);
    const header = 8 + this.sizes.lengthSize;
    const c = this.current;
    // Keep room for the free-space object that closes every collection.
    if (!c || c.used + need + header > c.size || c.objects.length >= 0xffff) {
      this.flush();
      const size = Math.max(GLOBAL_HEAP_MIN_SIZE, Math.ceil((header + need + header) / 4096) * 4096);
      this.current = { address: this.alloc.alloc(size), size, used: header, objects: [] };
    }
    const cur = this.current!;
    const index = cur.objects.length + 1;
    cur.objects.push({ index, data });
    cur.used += need;
    return { collection: cur.address, index };
  }

  /** Write the open collection out. */
  flush(): void {
    const c = this.current;
    if (!c) return;
    this.alloc.sink.write(c.address, encodeGlobalHeapCollection(this.sizes, c.objects, c.size));
    this.current = undefined;
  }
}
