import { describe, expect, it } from 'vitest';
import { ByteReader } from '../../src/format/byte-reader.js';
import { H5ValueError } from '../../src/errors.js';
import {
  datatypeVersions,
  encodeDatatype,
  readDatatype,
  type Datatype,
  type DatatypeVersionNode,
} from '../../src/format/messages/datatype.js';
import { Rng, ieeeFloat, intType, randomType } from './gen.js';

const SIZES = { offsetSize: 8, lengthSize: 8 };

function roundTrip(t: Datatype, version: 'earliest' | 'latest' | 1 | 2 | 3): Datatype {
  const bytes = encodeDatatype(t, SIZES, { version });
  const r = new ByteReader(bytes, 0, 'datatype', SIZES);
  const back = readDatatype(r);
  expect(r.remaining).toBe(0);
  return back;
}

/** Version 1 compounds express array members natively only from version 2 on; the reader models both as array types. */
function versionsOf(bytes: Uint8Array): number[] {
  return [bytes[0] >> 4];
}

function maxVersion(n: DatatypeVersionNode): number {
  return Math.max(n.version, ...n.children.map(maxVersion));
}

describe('encodeDatatype', () => {
  it('round-trips 3000 random datatypes through readDatatype in both families', () => {
    const r = new Rng(1);
    for (let i = 0; i < 3000; i++) {
      const t = randomType(r, 0, { heap: true, odd: true, vax: true });
      for (const family of ['earliest', 'latest'] as const) expect(roundTrip(t, family)).toEqual(t);
    }
  });

  it('round-trips with every explicit version floor', () => {
    const r = new Rng(2);
    for (let i = 0; i < 500; i++) {
      const t = randomType(r, 0, { heap: true, odd: true });
      for (const v of [1, 2, 3] as const) expect(roundTrip(t, v)).toEqual(t);
    }
  });

  it('writes the version libhdf5 gives each class (1.10 rules)', () => {
    const r = new Rng(3);
    for (let i = 0; i < 2000; i++) {
      const t = randomType(r, 0, { heap: true, odd: true, vax: true });
      const e = datatypeVersions(t, 'earliest');
      const l = datatypeVersions(t, 'latest');
      const check = (n: DatatypeVersionNode) => {
        const c = n.type.class;
        if (c === 'array') expect(n.version).toBeGreaterThanOrEqual(Math.max(2, n.children[0].version));
        if (c === 'vlen') expect(n.version).toBe(n.children[0].version);
        if (c === 'compound') for (const k of n.children) expect(n.version).toBeGreaterThanOrEqual(k.type.class === 'float' ? 1 : k.version);
        if (c === 'float' && n.type.order === 'VAX') expect(n.version).toBe(3);
        else if (!['array', 'vlen', 'compound', 'enum'].includes(c)) expect(n.version).toBe(1);
        n.children.forEach(check);
      };
      check(e);
      check(l);
      // The latest floor reaches every compound, array and enum, unless the top level was already at 3
      // (a VAX float member): H5T_set_version compares the floor with the top-level version only.
      const complexAll = (n: DatatypeVersionNode): boolean =>
        (!['array', 'compound', 'enum'].includes(n.type.class) || n.version === 3) && n.children.every(complexAll);
      const vax = (n: DatatypeVersionNode): boolean => (n.type.class === 'float' && n.type.order === 'VAX') || n.children.some(vax);
      if (!vax(l)) expect(complexAll(l)).toBe(true);
      expect(maxVersion(e)).toBeLessThanOrEqual(3);
      expect(versionsOf(encodeDatatype(t, SIZES, { version: 'latest' }))[0]).toBe(l.version);
    }
  });

  it('upgrades a compound and the members inserted before a newer member (H5T__insert)', () => {
    const i2 = intType(new Rng(4), 2);
    const en: Datatype = { class: 'enum', size: 2, base: { ...i2, signed: true, order: 'LE' }, members: [{ name: 'A', value: 0 }] };
    const arr: Datatype = { class: 'array', size: 8, dims: [2], base: { class: 'integer', size: 4, order: 'LE', signed: true, bitOffset: 0, precision: 32 } };
    const enumFirst = datatypeVersions({ class: 'compound', size: 10, members: [{ name: 'e', offset: 0, type: en }, { name: 'a', offset: 2, type: arr }] });
    const arrayFirst = datatypeVersions({ class: 'compound', size: 10, members: [{ name: 'a', offset: 0, type: arr }, { name: 'e', offset: 8, type: en }] });
    expect([enumFirst.version, enumFirst.children[0].version, enumFirst.children[1].version]).toEqual([2, 2, 2]);
    expect([arrayFirst.version, arrayFirst.children[0].version, arrayFirst.children[1].version]).toEqual([2, 2, 1]);
  });

  it('pads names to 8 bytes below version 3 and packs them from version 3 on', () => {
    const r = new Rng(5);
    for (let i = 0; i < 200; i++) {
      const name = r.name(20);
      const t: Datatype = { class: 'compound', size: 300, members: [{ name, offset: 299, type: { class: 'integer', size: 1, order: 'LE', signed: false, bitOffset: 0, precision: 8 } }] };
      const nameLen = new TextEncoder().encode(name).length + 1;
      const v1 = encodeDatatype(t, SIZES, { version: 'earliest' });
      const v3 = encodeDatatype(t, SIZES, { version: 'latest' });
      // Header 8, name (padded), offset 4 (v1/v2) or 2 (v3: size 300 needs 2 bytes), v1 dimension block 28, member 12.
      expect(v1.length).toBe(8 + Math.ceil(nameLen / 8) * 8 + 4 + 28 + 12);
      expect(v3.length).toBe(8 + nameLen + 2 + 12);
    }
  });

  it('pads opaque tags to a multiple of 8 and stores the padded length in the flags', () => {
    for (let n = 0; n <= 40; n++) {
      const b = encodeDatatype({ class: 'opaque', size: 4, tag: 'x'.repeat(n) }, SIZES);
      expect(b[1]).toBe(Math.ceil(n / 8) * 8);
      expect(b.length).toBe(8 + Math.ceil(n / 8) * 8);
    }
    expect(() => encodeDatatype({ class: 'opaque', size: 4, tag: 'x'.repeat(256) }, SIZES)).toThrow(H5ValueError);
  });

  it('rejects what the format cannot say', () => {
    // VAX order needs version 3, which the version rules give it whatever the floor.
    expect(encodeDatatype({ ...ieeeFloat(4), order: 'VAX' }, SIZES, { version: 1 })[0] >> 4).toBe(3);
    expect(() => encodeDatatype({ ...intType(new Rng(6), 4), order: 'VAX' }, SIZES)).toThrow(H5ValueError);
    expect(() => encodeDatatype({ class: 'array', size: 0, dims: [], base: ieeeFloat(4) }, SIZES)).toThrow(H5ValueError);
    expect(() => encodeDatatype({ class: 'enum', size: 1, base: { ...intType(new Rng(7), 1), signed: false }, members: [{ name: 'x', value: 256 }] }, SIZES)).toThrow(H5ValueError);
  });
});
