import { UNDEFINED_ADDRESS, type FieldSizes } from './byte-reader.js';

/**
 * A growable little-endian writer, the mirror of ByteReader: addresses and
 * lengths are written in the sizes the superblock declares.
 */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  pos = 0;

  constructor(
    readonly sizes: FieldSizes = { offsetSize: 8, lengthSize: 8 },
    capacity = 256,
  ) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf);
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.view.setUint16(this.pos, v, true);
    this.pos += 2;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.pos, v >>> 0, true);
    this.pos += 4;
    return this;
  }

  u64(v: number | bigint): this {
    return this.uint(8, v);
  }

  /** Unsigned little-endian integer of `n` bytes. */
  uint(n: number, v: number | bigint): this {
    this.ensure(n);
    let x = BigInt(v);
    for (let i = 0; i < n; i++) {
      this.buf[this.pos + i] = Number(x & 0xffn);
      x >>= 8n;
    }
    this.pos += n;
    return this;
  }

  /** An address; UNDEFINED_ADDRESS is written as all ones. */
  offset(addr: number): this {
    const n = this.sizes.offsetSize;
    if (addr === UNDEFINED_ADDRESS) {
      this.ensure(n);
      this.buf.fill(0xff, this.pos, this.pos + n);
      this.pos += n;
      return this;
    }
    return this.uint(n, addr);
  }

  length(v: number): this {
    return this.uint(this.sizes.lengthSize, v);
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  zeros(n: number): this {
    this.ensure(n);
    this.buf.fill(0, this.pos, this.pos + n);
    this.pos += n;
    return this;
  }

  /** UTF-8 bytes and a terminating NUL. */
  cString(s: string): this {
    this.bytes(new TextEncoder().encode(s));
    return this.u8(0);
  }

  /** Zero padding up to the next multiple of `n` from the start. */
  align(n: number): this {
    const r = this.pos % n;
    return r ? this.zeros(n - r) : this;
  }

  patchU32(at: number, v: number): this {
    this.view.setUint32(at, v >>> 0, true);
    return this;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}
