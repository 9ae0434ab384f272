import type { ByteSource } from './source.js';
import { H5ValueError } from '../errors.js';

/** A source over bytes already in memory. Reads are zero-copy views. */
export class MemorySource implements ByteSource {
  readonly bytes: Uint8Array;
  constructor(data: Uint8Array | ArrayBuffer | ArrayBufferView) {
    // A plain Uint8Array view even for subclasses (such as Node's byte buffers): their slice() shares memory,
    // and parsers that copy-then-patch (checksums over zeroed fields) must never write into the caller's bytes.
    if (data instanceof Uint8Array) this.bytes = data.constructor === Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    else if (data instanceof ArrayBuffer) this.bytes = new Uint8Array(data);
    else if (ArrayBuffer.isView(data)) this.bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    else throw new H5ValueError('MemorySource needs a Uint8Array, ArrayBuffer or ArrayBufferView');
  }
  get size(): number {
    return this.bytes.length;
  }
  read(offset: number, length: number): Uint8Array {
    if (offset < 0 || length < 0 || offset + length > this.bytes.length) {
      throw new SourceRangeError(offset, length, this.bytes.length);
    }
    return this.bytes.subarray(offset, offset + length);
  }
}

/** Thrown by sources on an out-of-range read; the parser turns it into H5FormatError. */
export class SourceRangeError extends H5ValueError {
  constructor(readonly offset: number, readonly length: number, readonly sourceSize: number) {
    super(`read of ${length} bytes at offset ${offset} is beyond the end of the source (${sourceSize} bytes)`);
  }
}
