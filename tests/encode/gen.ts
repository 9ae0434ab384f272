import type { CompoundMember, Datatype, FloatType, IntegerType } from '../../src/format/messages/datatype.js';

/** A small seeded PRNG (mulberry32): generated cases are the same on every run. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.int(0, 255);
    return b;
  }
  /** A random bigint of `bits` bits (non-negative). */
  bigBits(bits: number): bigint {
    let v = 0n;
    for (let i = 0; i < bits; i += 16) v = (v << 16n) | BigInt(this.int(0, 0xffff));
    return v & ((1n << BigInt(bits)) - 1n);
  }
  /** A name of 1..n characters, sometimes non-ASCII, never containing NUL. */
  name(n = 12): string {
    const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_ .-';
    const extra = ['é', 'ß', 'λ', '中', '😀'];
    let s = '';
    const len = this.int(1, n);
    for (let i = 0; i < len; i++) s += this.bool(0.08) ? this.pick(extra) : alphabet[this.int(0, alphabet.length - 1)];
    return s;
  }
}

const FLOAT_FIELDS: Record<number, [number, number, number, number, number, number]> = {
  2: [15, 10, 5, 0, 10, 15],
  4: [31, 23, 8, 0, 23, 127],
  8: [63, 52, 11, 0, 52, 1023],
};

export function intType(r: Rng, size = r.pick([1, 2, 4, 8]), full = true): IntegerType {
  const bits = size * 8;
  const precision = full ? bits : r.int(1, bits);
  const bitOffset = full ? 0 : r.int(0, bits - precision);
  return { class: 'integer', size, order: r.bool(0.3) ? 'BE' : 'LE', signed: r.bool(), bitOffset, precision };
}

export function ieeeFloat(size: 2 | 4 | 8, order: 'LE' | 'BE' = 'LE'): FloatType {
  const f = FLOAT_FIELDS[size];
  return {
    class: 'float', size, order, bitOffset: 0, precision: size * 8,
    signLocation: f[0], exponentLocation: f[1], exponentSize: f[2], mantissaLocation: f[3], mantissaSize: f[4], exponentBias: f[5],
    mantissaNormalization: 2,
  };
}

/** Non-IEEE float layouts libhdf5 can describe: bfloat16, x87 80-bit in 16 bytes, IEEE quad, reduced precision. */
export function customFloats(): FloatType[] {
  const base = { class: 'float' as const, bitOffset: 0, order: 'LE' as const };
  return [
    { ...base, size: 2, precision: 16, signLocation: 15, exponentLocation: 7, exponentSize: 8, mantissaLocation: 0, mantissaSize: 7, exponentBias: 127, mantissaNormalization: 2 },
    { ...base, size: 16, precision: 80, signLocation: 79, exponentLocation: 64, exponentSize: 15, mantissaLocation: 0, mantissaSize: 64, exponentBias: 16383, mantissaNormalization: 0 },
    { ...base, size: 16, precision: 128, signLocation: 127, exponentLocation: 112, exponentSize: 15, mantissaLocation: 0, mantissaSize: 112, exponentBias: 16383, mantissaNormalization: 2 },
    { ...base, size: 4, precision: 24, signLocation: 23, exponentLocation: 16, exponentSize: 7, mantissaLocation: 0, mantissaSize: 16, exponentBias: 63, mantissaNormalization: 2, order: 'BE' },
    { ...base, size: 3, precision: 24, signLocation: 23, exponentLocation: 16, exponentSize: 7, mantissaLocation: 0, mantissaSize: 16, exponentBias: 63, mantissaNormalization: 2 },
  ];
}

export interface TypeGenOptions {
  /** Allow classes needing global heap / references (vlen, reference). */
  heap?: boolean;
  /** Allow non-standard numeric layouts (bit offsets, custom floats). */
  odd?: boolean;
  /** Allow VAX-ordered floats (encodable, not decodable as values). */
  vax?: boolean;
}

/** A random datatype, as the reader would return it (enum values: number up to 4 bytes, bigint above). */
export function randomType(r: Rng, depth = 0, o: TypeGenOptions = {}): Datatype {
  const leaf = depth >= 3;
  const classes: Datatype['class'][] = ['integer', 'integer', 'float', 'float', 'string', 'bitfield', 'time', 'opaque', 'enum'];
  if (o.heap) classes.push('reference', 'vlen');
  if (!leaf) classes.push('compound', 'compound', 'array');
  const cls = r.pick(classes);
  switch (cls) {
    case 'integer':
      return intType(r, r.pick(o.odd ? [1, 2, 3, 4, 8, 16] : [1, 2, 4, 8]), !(o.odd && r.bool(0.3)));
    case 'float': {
      if (o.odd && r.bool(0.3)) return r.pick(customFloats());
      const t = ieeeFloat(r.pick([2, 4, 8] as const), r.bool(0.3) ? 'BE' : 'LE');
      return o.vax && t.size !== 2 && r.bool(0.2) ? { ...t, order: 'VAX' } : t;
    }
    case 'string':
      return { class: 'string', size: r.int(1, 20), padding: r.pick(['nullterm', 'nullpad', 'spacepad'] as const), charset: r.pick(['ascii', 'utf8'] as const) };
    case 'bitfield': {
      const size = r.pick([1, 2, 4, 8]);
      const full = !(o.odd && r.bool(0.3));
      const precision = full ? size * 8 : r.int(1, size * 8);
      return { class: 'bitfield', size, order: r.bool(0.3) ? 'BE' : 'LE', bitOffset: full ? 0 : r.int(0, size * 8 - precision), precision };
    }
    case 'time':
      return { class: 'time', size: r.pick([4, 8]), order: r.bool(0.3) ? 'BE' : 'LE', precision: r.pick([32, 64]) };
    case 'opaque':
      return { class: 'opaque', size: r.int(1, 12), tag: r.bool(0.3) ? '' : r.name(r.pick([7, 8, 9, 20])) };
    case 'reference':
      return r.bool() ? { class: 'reference', size: 8, refType: 'object' } : { class: 'reference', size: 12, refType: 'region' };
    case 'enum': {
      const base = intType(r, r.pick([1, 2, 4, 8]));
      const n = r.int(1, 5);
      const names = new Set<string>();
      while (names.size < n) names.add(r.name(r.pick([3, 8, 9])));
      const bits = BigInt(base.size * 8);
      const members = [...names].map((name) => {
        let v = r.bigBits(base.size * 8);
        if (base.signed && v >= 1n << (bits - 1n)) v -= 1n << bits;
        return { name, value: base.size <= 4 ? Number(v) : v };
      });
      return { class: 'enum', size: base.size, base, members };
    }
    case 'vlen': {
      if (r.bool(0.4)) {
        return {
          class: 'vlen', size: 16, kind: 'string', padding: r.pick(['nullterm', 'nullpad', 'spacepad'] as const), charset: r.pick(['ascii', 'utf8'] as const),
          base: { class: 'integer', size: 1, order: 'LE', signed: false, bitOffset: 0, precision: 8 },
        };
      }
      // Sequences: padding and charset are not stored, the reader reports the defaults.
      return { class: 'vlen', size: 16, kind: 'sequence', padding: 'nullterm', charset: 'ascii', base: randomType(r, depth + 1, o) };
    }
    case 'array': {
      const base = randomType(r, depth + 1, { ...o, heap: o.heap && r.bool(0.3) });
      const dims = Array.from({ length: r.int(1, 3) }, () => r.int(1, 4));
      return { class: 'array', size: dims.reduce((a, b) => a * b, base.size), dims, base };
    }
    case 'compound': {
      const n = r.int(1, 5);
      const members: CompoundMember[] = [];
      const names = new Set<string>();
      let at = r.bool(0.2) ? r.int(0, 4) : 0;
      for (let i = 0; i < n; i++) {
        let name = r.name(r.pick([3, 8, 9]));
        while (names.has(name)) name += '_';
        names.add(name);
        const type = randomType(r, depth + 1, o);
        members.push({ name, offset: at, type });
        at += type.size + (r.bool(0.2) ? r.int(1, 3) : 0);
      }
      // Sometimes reversed offsets: members need not be in offset order.
      if (r.bool(0.2)) members.reverse();
      return { class: 'compound', size: at + (r.bool(0.2) ? r.int(1, 300) : 0), members };
    }
  }
  throw new Error(cls);
}
