import { decodeUtf8 } from './byte-reader.js';
import type { FileContext } from './file-context.js';
import { H5FormatError } from '../errors.js';

/**
 * Local heap "HEAP" (spec III.D): the names of a symbol-table group's links
 * (and soft link values), addressed by offset into one data segment.
 */
export class LocalHeap {
  private constructor(
    readonly address: number,
    readonly data: Uint8Array,
    readonly dataAddress: number,
  ) {}

  static read(ctx: FileContext, address: number): LocalHeap {
    return ctx.cached('HEAP', address, () => {
      const r = ctx.reader(address, 8 + 2 * ctx.sizes.lengthSize + ctx.sizes.offsetSize, 'local heap');
      r.signature('HEAP');
      const version = r.u8();
      if (version !== 0) r.fail(`unsupported version ${version}`);
      r.skip(3);
      const dataSize = r.lengthField();
      r.lengthField(); // offset to head of free list
      const dataAddress = r.offset();
      return new LocalHeap(address, ctx.bytes(dataAddress, dataSize, 'local heap data segment'), dataAddress);
    });
  }

  /** The NUL-terminated string at `offset` in the data segment. */
  string(offset: number): string {
    if (offset < 0 || offset >= this.data.length) {
      throw new H5FormatError('local heap', this.address, `string offset ${offset} outside the ${this.data.length}-byte data segment`);
    }
    let end = offset;
    while (end < this.data.length && this.data[end] !== 0) end++;
    return decodeUtf8(this.data.subarray(offset, end));
  }
}
