/**
 * The n-bit filter's client data for a dataset, as libhdf5's
 * H5Z__set_local_nbit computes it when a dataset is created (layout in
 * nbit.ts and spec-notes/filters-nbit-scaleoffset.md). The datatype is the
 * dataset's type as stored in the file; member order is the order of the
 * datatype message.
 */
import type { ByteOrder, CompoundType, Datatype } from '../format/messages/datatype.js';
import { H5TypeError, H5UnsupportedError } from '../errors.js';

const CLASS_ATOMIC = 1;
const CLASS_ARRAY = 2;
const CLASS_COMPOUND = 3;
const CLASS_NOOP = 4;
/** H5Z_NBIT_MAX_NPARMS: libhdf5 refuses a type whose description needs more values. */
export const NBIT_MAX_PARAMS = 4096;

class Params {
  readonly cd: number[];
  /** need_not_compress in H5Znbit.c: stays true while every field is full precision. */
  asIs = true;

  constructor(
    chunkElements: number,
    /** Prefix of error messages (e.g. `dataset "/a"`). */
    private readonly where: string,
  ) {
    // [0] count and [1] the flag are filled in at the end.
    this.cd = [0, 0, chunkElements];
  }

  atomic(t: { size: number; order: ByteOrder; precision: number; bitOffset: number }, what: string): void {
    // H5Z__set_parms_atomic: only LE and BE orders can be described.
    if (t.order !== 'LE' && t.order !== 'BE') throw new H5UnsupportedError(`${this.where}: nbit filter: ${what} has byte order ${t.order}`);
    if (t.precision === 0 || t.bitOffset + t.precision > t.size * 8) {
      throw new H5TypeError(`${this.where}: nbit filter: ${what} has precision ${t.precision} at offset ${t.bitOffset} in ${t.size} bytes`);
    }
    this.cd.push(CLASS_ATOMIC, t.size, t.order === 'LE' ? 0 : 1, t.precision, t.bitOffset);
    if (t.bitOffset !== 0 || t.precision !== t.size * 8) this.asIs = false;
  }

  noop(size: number): void {
    this.cd.push(CLASS_NOOP, size);
  }

  /** H5Z__set_parms_array: class, size, then the base type's description. */
  array(t: Extract<Datatype, { class: 'array' }>, what: string): void {
    this.cd.push(CLASS_ARRAY, t.size);
    const base = t.base;
    switch (base.class) {
      case 'integer':
      case 'float':
        return this.atomic(base, `the base type of ${what}`);
      case 'array':
        return this.array(base, `the base type of ${what}`);
      case 'compound':
        return this.compound(base, `the base type of ${what}`);
      case 'vlen':
        // libhdf5 rejects an array of variable-length elements ("datatype not supported by nbit").
        throw new H5TypeError(`${this.where}: nbit filter: ${what} is an array of variable-length elements, which libhdf5 cannot describe`);
      default:
        return this.noop(base.size);
    }
  }

  /** H5Z__set_parms_compound: class, size, member count, then offset + description per member. */
  compound(t: CompoundType, what: string): void {
    this.cd.push(CLASS_COMPOUND, t.size, t.members.length);
    t.members.forEach((m, i) => {
      const member = `member "${m.name}" of ${what}`;
      this.cd.push(m.offset);
      const mt = m.type;
      switch (mt.class) {
        case 'integer':
        case 'float':
          return this.atomic(mt, member);
        case 'array':
          return this.array(mt, member);
        case 'compound':
          return this.compound(mt, member);
        case 'vlen': {
          // libhdf5 does not trust the size of a variable-length member and
          // takes the distance to the next member (or the compound's end).
          const next = i + 1 < t.members.length ? t.members[i + 1].offset : t.size;
          if (next <= m.offset) {
            throw new H5UnsupportedError(`${this.where}: nbit filter: ${member} is variable-length and not followed by a member at a higher offset`);
          }
          return this.noop(next - m.offset);
        }
        default:
          return this.noop(mt.size);
      }
    });
  }
}

/**
 * Client data for the n-bit filter on a dataset of `type` whose chunks hold
 * `chunkElements` elements. Types n-bit cannot pack at the top level
 * (strings, enums, opaque, bitfields, references, ...) get the three-value form
 * with the "store as is" flag, like libhdf5. `where` prefixes error messages.
 */
export function nbitClientData(type: Datatype, chunkElements: number, where = 'dataset'): number[] {
  const p = new Params(chunkElements, where);
  switch (type.class) {
    case 'integer':
    case 'float':
      p.atomic(type, 'the dataset type');
      break;
    case 'array':
      p.array(type, 'the dataset type');
      break;
    case 'compound':
      p.compound(type, 'the dataset type');
      break;
    case 'vlen':
      // libhdf5 1.10 stores no client data at all for this, then crashes
      // writing the first chunk: nothing a reader could decode.
      throw new H5TypeError(`${where}: nbit filter: variable-length types cannot be packed`);
    default:
      break;
  }
  if (p.cd.length > NBIT_MAX_PARAMS) {
    throw new H5UnsupportedError(`${where}: nbit filter: the datatype needs ${p.cd.length} parameters, more than libhdf5's ${NBIT_MAX_PARAMS}`);
  }
  p.cd[0] = p.cd.length;
  p.cd[1] = p.asIs ? 1 : 0;
  return p.cd;
}
