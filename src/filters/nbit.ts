/**
 * N-bit filter (id 5, H5Z_FILTER_NBIT), after libhdf5's H5Znbit.c.
 *
 * Encoded data is one big-endian bit stream (first bit = most significant
 * bit of byte 0) with no per-element alignment. For every element, the
 * datatype description is walked and each integer/float field contributes
 * its `precision` significant bits, most significant first; no-op fields
 * (strings, opaque, enums, references, ...) contribute all 8 bits of each
 * byte. Decoding writes those bits back at bit `offset` of the field in its
 * own byte order and leaves all padding bits zero (H5Znbit.c memsets the
 * output first). Encoding is the same walk in the other direction
 * (H5Z__nbit_compress): padding bits of the input are dropped, and the
 * stored size is the number of whole bytes the bits fill plus one, so a
 * stream ending on a byte boundary still carries one trailing zero byte.
 *
 * Client data, as computed by libhdf5's H5Z__set_local_nbit (nbit-params.ts):
 *   [0] number of client data values (must equal the count stored),
 *   [1] 1 when no field needs packing: the data is stored unchanged,
 *   [2] number of elements in a chunk,
 *   then the datatype description, starting at [3]:
 *     atomic   (1): class, size, order (0 LE / 1 BE), precision, offset
 *     array    (2): class, size, <description of the base type>
 *     compound (3): class, size, member count,
 *                   then per member: byte offset, <description of member>
 *     no-op    (4): class, size
 * A no-op class only occurs inside arrays and compounds; for a top-level
 * type that nbit cannot pack, set_local stores only [0..2] with [1] = 1.
 */
import type { Filter, FilterContext } from './filter.js';
import { filterError, outputLimit } from './util.js';

const NAME = 'nbit';

const CLASS_ATOMIC = 1;
const CLASS_ARRAY = 2;
const CLASS_COMPOUND = 3;
const CLASS_NOOP = 4;
const ORDER_LE = 0;
const ORDER_BE = 1;
/** Deeper nesting than this is treated as malformed (keeps recursion bounded). */
const MAX_DEPTH = 64;
/** Bound on description steps, so crafted counts cannot spin the walk. */
const MAX_STEPS = 1 << 20;

/**
 * Per-element decoding plan: for op k, read bits[k] bits from the stream and
 * store them at bit shift[k] of byte index[k] of the element.
 */
interface Plan {
  index: number[];
  bits: number[];
  shift: number[];
}

class PlanBuilder {
  readonly plan: Plan = { index: [], bits: [], shift: [] };
  pos = 0;
  private steps = 0;

  constructor(
    private readonly parms: ArrayLike<number>,
    private readonly elementSize: number,
    private readonly fail: (detail: string) => Error,
  ) {}

  /** Next value; fails when the list stops short of the type it describes. */
  next(): number {
    if (this.pos >= this.parms.length) throw this.fail('client data is shorter than the datatype it describes');
    return this.parms[this.pos++] >>> 0;
  }

  peek(): number {
    if (this.pos >= this.parms.length) throw this.fail('client data is shorter than the datatype it describes');
    return this.parms[this.pos] >>> 0;
  }

  private step(depth: number): void {
    if (depth > MAX_DEPTH) throw this.fail('datatype nesting too deep');
    if (++this.steps > MAX_STEPS) throw this.fail('datatype description too large');
  }

  private push(index: number, bits: number, shift: number): void {
    // Each op fills one distinct byte of the element, so a valid description
    // never needs more ops than the element has bytes.
    if (this.plan.index.length >= this.elementSize) throw this.fail('datatype description overflows the element');
    this.plan.index.push(index);
    this.plan.bits.push(bits);
    this.plan.shift.push(shift);
  }

  /** Fields `size`, `order`, `precision`, `offset` of an integer or float at byte `base`. */
  atomic(base: number, size: number, order: number, precision: number, offset: number): void {
    const width = size * 8;
    if (size === 0 || precision === 0 || precision > width || precision + offset > width) {
      throw this.fail(`invalid precision ${precision} / offset ${offset} for a ${size}-byte field`);
    }
    if (order !== ORDER_LE && order !== ORDER_BE) throw this.fail(`invalid byte order ${order}`);
    if (base + size > this.elementSize) throw this.fail('field lies outside the element');
    // Significant bits occupy bit positions offset .. offset+precision-1 of
    // the value; visit their bytes from most to least significant.
    const top = offset + precision - 1;
    const hiByte = top >>> 3;
    const loByte = offset >>> 3;
    for (let b = hiByte; b >= loByte; b--) {
      const lowBit = b === loByte ? offset & 7 : 0;
      const highBit = b === hiByte ? top & 7 : 7;
      const address = order === ORDER_LE ? b : size - 1 - b;
      this.push(base + address, highBit - lowBit + 1, lowBit);
    }
  }

  noop(base: number, size: number): void {
    if (base + size > this.elementSize) throw this.fail('field lies outside the element');
    for (let i = 0; i < size; i++) this.push(base + i, 8, 0);
  }

  /** Array description after its class code, H5Z__nbit_decompress_one_array. */
  array(base: number, depth: number): void {
    this.step(depth);
    const total = this.next();
    const baseClass = this.next();
    switch (baseClass) {
      case CLASS_ATOMIC: {
        const size = this.next();
        const order = this.next();
        const precision = this.next();
        const offset = this.next();
        if (size === 0) throw this.fail('array of 0-byte elements');
        const count = Math.floor(total / size);
        for (let i = 0; i < count; i++) this.atomic(base + i * size, size, order, precision, offset);
        return;
      }
      case CLASS_ARRAY:
      case CLASS_COMPOUND: {
        const size = this.peek();
        if (size === 0) throw this.fail('array of 0-byte elements');
        const count = Math.floor(total / size);
        const start = this.pos;
        for (let i = 0; i < count; i++) {
          this.pos = start;
          if (baseClass === CLASS_ARRAY) this.array(base + i * size, depth + 1);
          else this.compound(base + i * size, depth + 1);
        }
        // libhdf5 (both H5Z__nbit_compress_one_array and the decompress
        // twin) rewinds to the start of the base description after the
        // loop, so a compound member that follows such an array is read
        // from the base description's values. Writers and readers agree on
        // that walk, so it is reproduced rather than corrected.
        this.pos = start;
        return;
      }
      case CLASS_NOOP:
        this.next();
        this.noop(base, total);
        return;
      default:
        throw this.fail(`unknown datatype class ${baseClass}`);
    }
  }

  /** Compound description after its class code, H5Z__nbit_decompress_one_compound. */
  compound(base: number, depth: number): void {
    this.step(depth);
    const size = this.next();
    const members = this.next();
    let used = 0;
    for (let m = 0; m < members; m++) {
      this.step(depth);
      const memberOffset = this.next();
      const memberClass = this.next();
      const memberSize = this.peek();
      // Member sizes must add up within the compound and each member must
      // lie inside it. Recent libhdf5 also rejects 0-byte members, but the
      // rewind described in array() makes 1.10 writers produce exactly
      // that (an empty "array" read from the wrong values) and their
      // readers accept it, so it is allowed here.
      if (used + memberSize > size || memberOffset + memberSize > size) {
        throw this.fail('compound member overflows the compound size');
      }
      used += memberSize;
      switch (memberClass) {
        case CLASS_ATOMIC: {
          this.next();
          const order = this.next();
          const precision = this.next();
          const offset = this.next();
          this.atomic(base + memberOffset, memberSize, order, precision, offset);
          break;
        }
        case CLASS_ARRAY:
          this.array(base + memberOffset, depth + 1);
          break;
        case CLASS_COMPOUND:
          this.compound(base + memberOffset, depth + 1);
          break;
        case CLASS_NOOP:
          this.next();
          this.noop(base + memberOffset, memberSize);
          break;
        default:
          throw this.fail(`unknown datatype class ${memberClass}`);
      }
    }
  }
}

function buildPlan(cd: ArrayLike<number>, fail: (detail: string) => Error): Plan {
  const typeClass = cd[3] >>> 0;
  const size = cd[4] >>> 0;
  const builder = new PlanBuilder(cd, size, fail);
  switch (typeClass) {
    case CLASS_ATOMIC:
      if (cd.length < 8) throw fail('client data is shorter than the datatype it describes');
      builder.atomic(0, size, cd[5] >>> 0, cd[6] >>> 0, cd[7] >>> 0);
      break;
    case CLASS_ARRAY:
      builder.pos = 4;
      builder.array(0, 0);
      break;
    case CLASS_COMPOUND:
      builder.pos = 4;
      builder.compound(0, 0);
      break;
    default:
      throw fail(`unknown top-level datatype class ${typeClass}`);
  }
  return builder.plan;
}

/**
 * The checks both directions share (H5Z__filter_nbit): the stored count,
 * the "nothing to pack" flag, the element count and size. Returns null when
 * the data passes through unchanged.
 */
function header(ctx: FilterContext): { count: number; size: number; plan: Plan; bitsPerElement: number } | null {
  const fail = (detail: string) => filterError(NAME, ctx, detail);
  const cd = ctx.clientData;
  if (cd.length < 2 || cd[0] >>> 0 !== cd.length) {
    throw fail(`client data count ${cd[0]} does not match the ${cd.length} values stored`);
  }
  // Checked before the length: a type nbit cannot pack at all (a string,
  // say) has just 3 values, and libhdf5 1.10 reads such chunks unchanged.
  if (cd[1] >>> 0 !== 0) return null;
  if (cd.length < 5) throw fail(`${cd.length} client data values, need at least 5`);
  const count = cd[2] >>> 0;
  const size = cd[4] >>> 0;
  if (size === 0) throw fail('element size 0');
  const plan = buildPlan(cd, fail);
  let bitsPerElement = 0;
  for (const b of plan.bits) bitsPerElement += b;
  return { count, size, plan, bitsPerElement };
}

export function nbitDecode(input: Uint8Array, ctx: FilterContext): Uint8Array {
  const h = header(ctx);
  if (!h) return input;
  const { count, size, plan, bitsPerElement } = h;
  const fail = (detail: string) => filterError(NAME, ctx, detail);
  const outBytes = count * size;
  const limit = outputLimit(ctx);
  if (outBytes > limit) throw fail(`${count} elements of ${size} bytes exceed ${limit} bytes`);
  if (count * bitsPerElement > input.length * 8) {
    throw fail(`${input.length} bytes hold fewer than ${count} packed elements of ${bitsPerElement} bits`);
  }

  const ops = plan.index.length;
  const index = Int32Array.from(plan.index);
  const bits = Uint8Array.from(plan.bits);
  const shift = Uint8Array.from(plan.shift);
  // One spare byte lets every read take a 16-bit window.
  const src = new Uint8Array(input.length + 1);
  src.set(input);
  const out = new Uint8Array(outBytes);
  let pos = 0;
  for (let e = 0, base = 0; e < count; e++, base += size) {
    for (let k = 0; k < ops; k++) {
      const n = bits[k];
      const byte = pos >>> 3;
      const window = (src[byte] << 8) | src[byte + 1];
      const value = (window >>> (16 - (pos & 7) - n)) & ((1 << n) - 1);
      out[base + index[k]] = value << shift[k];
      pos += n;
    }
  }
  return out;
}

/**
 * Pack a chunk (H5Z__nbit_compress): the plan's fields, element after
 * element, into one bit stream. Output: floor(bits / 8) + 1 bytes.
 */
export function nbitEncode(input: Uint8Array, ctx: FilterContext): Uint8Array {
  const h = header(ctx);
  if (!h) return input;
  const { count, size, plan, bitsPerElement } = h;
  if (input.length !== count * size) {
    throw filterError(NAME, ctx, `${input.length} bytes to encode, expected ${count} elements of ${size} bytes`);
  }
  const ops = plan.index.length;
  const index = Int32Array.from(plan.index);
  const bits = Uint8Array.from(plan.bits);
  const shift = Uint8Array.from(plan.shift);
  // The extra byte is libhdf5's: its size is the index of the byte being
  // filled plus one, even when that byte has received no bits.
  const out = new Uint8Array(Math.floor((count * bitsPerElement) / 8) + 1);
  let pos = 0;
  for (let e = 0, base = 0; e < count; e++, base += size) {
    for (let k = 0; k < ops; k++) {
      const n = bits[k];
      const value = (input[base + index[k]] >>> shift[k]) & ((1 << n) - 1);
      // At most 8 bits: they straddle at most two output bytes.
      const byte = pos >>> 3;
      const room = 8 - (pos & 7);
      if (n <= room) out[byte] |= value << (room - n);
      else {
        out[byte] |= value >>> (n - room);
        out[byte + 1] |= value << (8 - (n - room));
      }
      pos += n;
    }
  }
  return out;
}

export const nbitFilter: Filter = {
  id: 5,
  name: NAME,
  decode: nbitDecode,
};
