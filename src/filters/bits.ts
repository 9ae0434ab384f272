/**
 * Big-endian bit streams shared by the n-bit and scale-offset codecs. Both
 * libhdf5 filters (H5Znbit.c, H5Zscaleoffset.c: the *_compress_one_byte /
 * *_decompress_one_byte helpers) fill each output byte from its most
 * significant bit down, and a value's bits go most significant first, with
 * no alignment between values.
 */

/** MSB-first reader of unsigned fields of up to 32 bits. */
export class BitReader {
  private pos: number;
  constructor(
    private readonly src: Uint8Array,
    startByte: number,
  ) {
    this.pos = startByte * 8;
  }

  /** Next `n` bits (n <= 32) as an unsigned number. */
  read(n: number): number {
    let value = 0;
    while (n > 0) {
      const avail = 8 - (this.pos & 7);
      const take = avail < n ? avail : n;
      const bits = (this.src[this.pos >>> 3] >>> (avail - take)) & ((1 << take) - 1);
      value = value * (1 << take) + bits;
      this.pos += take;
      n -= take;
    }
    return value;
  }
}

/**
 * MSB-first writer into a zero-filled buffer (the filters memset their
 * output first and only OR bits in, so untouched bits stay 0).
 */
export class BitWriter {
  private pos: number;
  constructor(
    private readonly out: Uint8Array,
    startByte: number,
  ) {
    this.pos = startByte * 8;
  }

  /** Append the low `n` bits (n <= 32) of the unsigned number `value`. */
  write(value: number, n: number): void {
    while (n > 0) {
      const room = 8 - (this.pos & 7);
      const take = room < n ? room : n;
      // n - take < 32, and >>> reads values >= 2^31 as unsigned.
      const bits = (value >>> (n - take)) & ((1 << take) - 1);
      this.out[this.pos >>> 3] |= bits << (room - take);
      this.pos += take;
      n -= take;
    }
  }
}
