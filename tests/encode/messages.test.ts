import { describe, expect, it } from 'vitest';
import { H5ValueError } from '../../src/errors.js';
import { ByteReader, UNDEFINED_ADDRESS, type FieldSizes } from '../../src/format/byte-reader.js';
import { ByteWriter } from '../../src/format/byte-writer.js';
import { attributeMessageVersionFor, encodeAttributeMessage, readAttributeMessage } from '../../src/format/messages/attribute.js';
import { DEFAULT_CHUNK_INDEX, encodeDataLayout, readDataLayout, type ChunkIndex, type DataLayout } from '../../src/format/messages/data-layout.js';
import { dataspaceVersionFor, encodeDataspace, readDataspace, type Dataspace } from '../../src/format/messages/dataspace.js';
import { encodeFillValue, encodeFillValueOld, readFillValue, readFillValueOld, type FillValue } from '../../src/format/messages/fill-value.js';
import { LIBHDF5_FILTER_NAMES, encodeFilterPipeline, readFilterPipeline, type FilterDescription } from '../../src/format/messages/filter-pipeline.js';
import {
  encodeAttributeInfo,
  encodeComment,
  encodeContinuation,
  encodeExternalFileList,
  encodeGroupInfo,
  encodeLinkInfo,
  encodeModificationTime,
  encodeSymbolTableMessage,
  readAttributeInfo,
  readComment,
  readContinuation,
  readExternalFileList,
  readGroupInfo,
  readLinkInfo,
  readModificationTime,
  readSymbolTableMessage,
} from '../../src/format/messages/info.js';
import { encodeLinkMessage, readLinkMessage, type LinkMessage } from '../../src/format/messages/link.js';
import { encodeSharedPointer, readSharedPointer, type SharedPointer } from '../../src/format/messages/shared-message.js';
import { Rng, randomType } from './gen.js';

const ALL_SIZES: FieldSizes[] = [
  { offsetSize: 8, lengthSize: 8 },
  { offsetSize: 4, lengthSize: 4 },
  { offsetSize: 2, lengthSize: 8 },
  { offsetSize: 8, lengthSize: 2 },
];

function rd(b: Uint8Array, sizes: FieldSizes): ByteReader {
  return new ByteReader(b, 0, 'test', sizes);
}

/** Decode with `read`, requiring every byte to be consumed. */
function whole<T>(b: Uint8Array, sizes: FieldSizes, read: (r: ByteReader) => T): T {
  const r = rd(b, sizes);
  const v = read(r);
  expect(r.remaining).toBe(0);
  return v;
}

const maxOf = (n: number) => (n >= 7 ? Number.MAX_SAFE_INTEGER : 2 ** (8 * n) - 2);
function addr(r: Rng, s: FieldSizes): number {
  return r.bool(0.2) ? UNDEFINED_ADDRESS : r.int(0, Math.min(maxOf(s.offsetSize), 2 ** 40));
}
function len(r: Rng, s: FieldSizes): number {
  return r.int(0, Math.min(maxOf(s.lengthSize), 2 ** 40));
}

describe('ByteWriter', () => {
  it('writes what ByteReader reads, for random fields of every width', () => {
    const r = new Rng(10);
    for (const sizes of ALL_SIZES) {
      const w = new ByteWriter(sizes, 8);
      const ops: [string, number | bigint][] = [];
      for (let i = 0; i < 2000; i++) {
        const k = r.pick(['u8', 'u16', 'u32', 'u64', 'uint', 'offset', 'length', 'cstr', 'align']);
        switch (k) {
          case 'u8': { const v = r.int(0, 255); w.u8(v); ops.push([k, v]); break; }
          case 'u16': { const v = r.int(0, 0xffff); w.u16(v); ops.push([k, v]); break; }
          case 'u32': { const v = r.int(0, 0xffffffff); w.u32(v); ops.push([k, v]); break; }
          case 'u64': { const v = r.bigBits(64); w.u64(v); ops.push([k, v]); break; }
          case 'uint': { const n = r.int(1, 7); const v = r.int(0, 2 ** Math.min(53, 8 * n) - 1); w.uint(n, v); ops.push([`uint${n}`, v]); break; }
          case 'offset': { const v = addr(r, sizes); w.offset(v); ops.push([k, v]); break; }
          case 'length': { const v = len(r, sizes); w.length(v); ops.push([k, v]); break; }
          case 'cstr': { const s = r.name(); w.cString(s); ops.push([`cstr:${s}`, 0]); break; }
          case 'align': { const n = r.pick([2, 4, 8]); w.align(n); ops.push([`align${n}`, 0]); break; }
        }
      }
      const b = w.finish();
      const rr = rd(b, sizes);
      for (const [k, v] of ops) {
        if (k === 'u8') expect(rr.u8()).toBe(v);
        else if (k === 'u16') expect(rr.u16()).toBe(v);
        else if (k === 'u32') expect(rr.u32()).toBe(v);
        else if (k === 'u64') expect(rr.u64big()).toBe(v);
        else if (k.startsWith('uint')) expect(rr.uint(Number(k.slice(4)))).toBe(v);
        else if (k === 'offset') expect(rr.offset()).toBe(v);
        else if (k === 'length') expect(rr.lengthField()).toBe(v);
        else if (k.startsWith('cstr:')) expect(rr.cString()).toBe(k.slice(5));
        else if (k.startsWith('align')) {
          const n = Number(k.slice(5));
          const before = rr.pos;
          rr.align(n);
          expect(b.subarray(before, rr.pos).every((x) => x === 0)).toBe(true);
        }
      }
      expect(rr.remaining).toBe(0);
    }
  });

  it('patches, grows, and refuses values that do not fit', () => {
    const w = new ByteWriter(undefined, 1);
    w.u32(0).bytes(new Uint8Array(1000).fill(7)).patchU32(0, 0xdeadbeef);
    const b = w.finish();
    expect(b.length).toBe(1004);
    expect(rd(b, ALL_SIZES[0]).u32()).toBe(0xdeadbeef);
    expect(() => new ByteWriter().uint(2, 0x10000)).toThrow(H5ValueError);
    expect(() => new ByteWriter().uint(8, 1n << 64n)).toThrow(H5ValueError);
    expect(new ByteWriter().uint(3, -1).finish()).toEqual(new Uint8Array([255, 255, 255]));
    expect(new ByteWriter({ offsetSize: 4, lengthSize: 8 }).offset(UNDEFINED_ADDRESS).finish()).toEqual(new Uint8Array([255, 255, 255, 255]));
  });
});

function randomSpace(r: Rng): Dataspace {
  const kind = r.pick(['scalar', 'simple', 'simple', 'simple', 'null'] as const);
  if (kind !== 'simple') return { kind, dims: [], maxDims: [] };
  const rank = r.int(1, 6);
  const dims = Array.from({ length: rank }, () => r.pick([0, 1, r.int(0, 1000), r.int(0, 2 ** 40)]));
  const maxDims = dims.map((d) => (r.bool(0.3) ? null : r.bool(0.5) ? d : d + r.int(0, 1000)));
  return { kind, dims, maxDims };
}

describe('encodeDataspace', () => {
  it('round-trips random dataspaces in versions 1 and 2', () => {
    const r = new Rng(11);
    for (let i = 0; i < 2000; i++) {
      const s = randomSpace(r);
      const sizes = { offsetSize: 8, lengthSize: 8 };
      for (const v of [1, 2] as const) {
        if (v === 1 && s.kind === 'null') {
          expect(() => encodeDataspace(s, sizes, 1)).toThrow(H5ValueError);
          continue;
        }
        const b = encodeDataspace(s, sizes, v);
        expect(b[0]).toBe(v);
        expect(whole(b, sizes, readDataspace)).toEqual(s);
      }
      expect(dataspaceVersionFor('earliest', s)).toBe(s.kind === 'null' ? 2 : 1);
      expect(dataspaceVersionFor('latest', s)).toBe(2);
    }
  });
});

function randomIndex(r: Rng, s: FieldSizes): ChunkIndex {
  switch (r.int(0, 5)) {
    case 0:
      return { type: 'btree-v1' };
    case 1:
      return r.bool() ? { type: 'single' } : { type: 'single', filteredSize: len(r, s), filterMask: r.int(0, 0xffffffff) };
    case 2:
      return { type: 'implicit' };
    case 3:
      return { type: 'fixed-array', pageBits: r.int(0, 255) };
    case 4:
      return { type: 'extensible-array', maxBits: r.int(0, 64), indexElements: r.int(0, 255), minPointers: r.int(0, 255), minElements: r.int(0, 255), pageBits: r.int(0, 255) };
    default:
      return { type: 'btree-v2', nodeSize: r.int(0, 0xffffffff), splitPercent: r.int(0, 100), mergePercent: r.int(0, 100) };
  }
}

describe('encodeDataLayout', () => {
  it('round-trips random layouts in versions 3 and 4', () => {
    const r = new Rng(12);
    let n = 0;
    for (let i = 0; i < 3000; i++) {
      const sizes = r.pick(ALL_SIZES);
      let l: DataLayout;
      const version = r.pick([3, 4]);
      switch (r.int(0, 3)) {
        case 0:
          l = { version, class: 'compact', data: r.bytes(r.int(0, 100)) };
          break;
        case 1:
          l = { version, class: 'contiguous', address: addr(r, sizes), size: len(r, sizes) };
          break;
        case 2: {
          const index = version === 3 ? ({ type: 'btree-v1' } as const) : randomIndex(r, sizes);
          if (index.type === 'btree-v1' && version === 4) continue;
          l = {
            version, class: 'chunked', address: addr(r, sizes), index,
            chunkDims: Array.from({ length: r.int(1, 5) }, () => r.pick([1, r.int(1, 300), r.int(1, 2 ** 32 - 1)])),
            elementSize: r.pick([1, 8, r.int(1, 100000)]),
            dontFilterPartialEdgeChunks: version === 4 && r.bool(0.3),
          };
          break;
        }
        default:
          if (version === 3) continue;
          l = { version, class: 'virtual', heapAddress: addr(r, sizes), heapIndex: r.int(0, 0xffffffff) };
      }
      const b = encodeDataLayout(l, sizes);
      expect(whole(b, sizes, readDataLayout)).toEqual(l);
      n++;
    }
    expect(n).toBeGreaterThan(2000);
  });

  it('sizes v4 chunk dimensions by the largest one, element size included', () => {
    const sizes = ALL_SIZES[0];
    for (const [dims, elem, enc] of [[[5, 5], 8, 1], [[255], 1, 1], [[256], 1, 2], [[4], 70000, 3], [[2 ** 24], 1, 4], [[2 ** 32 - 1], 1, 4]] as const) {
      const b = encodeDataLayout({ version: 4, class: 'chunked', address: 0, chunkDims: [...dims], elementSize: elem, index: DEFAULT_CHUNK_INDEX.fixedArray, dontFilterPartialEdgeChunks: false }, sizes);
      expect(b[4]).toBe(enc);
    }
  });

  it('refuses combinations the format cannot express', () => {
    const s = ALL_SIZES[0];
    const chunked = { version: 3, class: 'chunked' as const, address: 0, chunkDims: [2], elementSize: 4, dontFilterPartialEdgeChunks: false };
    expect(() => encodeDataLayout({ ...chunked, index: DEFAULT_CHUNK_INDEX.btreeV2 }, s)).toThrow(H5ValueError);
    expect(() => encodeDataLayout({ ...chunked, version: 4, index: { type: 'btree-v1' } }, s)).toThrow(H5ValueError);
    expect(() => encodeDataLayout({ version: 3, class: 'virtual', heapAddress: 0, heapIndex: 0 }, s)).toThrow(H5ValueError);
    expect(() => encodeDataLayout({ version: 1, class: 'contiguous', address: 0, size: -1 }, s)).toThrow(H5ValueError);
    // Versions 1 and 2 are written as 3, as libhdf5 does.
    expect(encodeDataLayout({ version: 1, class: 'contiguous', address: 0, size: 8 }, s)[0]).toBe(3);
  });
});

describe('encodeFillValue', () => {
  it('round-trips random fill values in versions 2 and 3, and the old message', () => {
    const r = new Rng(13);
    for (let i = 0; i < 2000; i++) {
      const defined = r.bool(0.8);
      const value = defined && r.bool(0.6) ? r.bytes(r.int(1, 40)) : undefined;
      const f: FillValue = { allocTime: r.int(1, 3), fillTime: r.int(0, 2), defined, value };
      const none = { offsetSize: 8, lengthSize: 8 };
      for (const v of [2, 3] as const) {
        const b = encodeFillValue(f, v);
        expect(b[0]).toBe(v);
        expect(whole(b, none, readFillValue)).toEqual(f);
      }
      const old = whole(encodeFillValueOld(f), none, readFillValueOld);
      expect(old.value).toEqual(f.value);
    }
  });
});

describe('encodeFilterPipeline', () => {
  it('round-trips random pipelines in versions 1 and 2', () => {
    const r = new Rng(14);
    const none = { offsetSize: 8, lengthSize: 8 };
    for (let i = 0; i < 1500; i++) {
      const filters: FilterDescription[] = Array.from({ length: r.int(0, 6) }, () => {
        const id = r.pick([1, 2, 3, 4, 5, 6, r.int(7, 255), r.int(256, 65535), 32000]);
        const name = r.bool(0.3) ? '' : LIBHDF5_FILTER_NAMES[id] ?? r.name(r.pick([3, 7, 8, 9, 30]));
        return { id, name, flags: r.int(0, 1), clientData: Array.from({ length: r.int(0, 7) }, () => r.int(0, 0xffffffff)) };
      });
      for (const v of [1, 2] as const) {
        const got = whole(encodeFilterPipeline(filters, v), none, readFilterPipeline);
        // Version 2 drops names of predefined filters; a missing name of a libhdf5 filter is written as the registered one.
        const want = filters.map((f) => ({ ...f, name: v === 2 && f.id < 256 ? '' : f.name || LIBHDF5_FILTER_NAMES[f.id] || '' }));
        expect(got).toEqual(want);
      }
    }
  });
});

describe('encodeAttributeMessage', () => {
  it('round-trips random attributes in versions 1, 2 and 3', () => {
    const r = new Rng(15);
    const sizes = { offsetSize: 8, lengthSize: 8 };
    for (let i = 0; i < 1500; i++) {
      const type = r.bool(0.15) ? ({ where: 'object-header', address: r.int(0, 2 ** 40) } as SharedPointer) : randomType(r, 0, { heap: true, odd: true });
      const space = r.bool(0.05) ? ({ where: 'sohm-heap', heapId: r.bytes(8) } as SharedPointer) : randomSpace(r);
      const attr = { name: r.name(20), type, space, data: r.bytes(r.int(0, 50)), charset: r.pick(['ascii', 'utf8'] as const) };
      for (const family of ['earliest', 'latest'] as const) {
        const v = attributeMessageVersionFor(family, attr);
        const b = encodeAttributeMessage(attr, sizes, v, { family });
        const back = whole(b, sizes, readAttributeMessage);
        expect(b[0]).toBe(v);
        expect({ ...back, dataAddress: undefined, creationOrder: undefined }).toEqual({ ...attr, charset: v === 3 ? attr.charset : 'ascii', dataAddress: undefined, creationOrder: undefined });
      }
    }
  });

  it('picks versions as H5A__set_version does', () => {
    const s: Dataspace = { kind: 'scalar', dims: [], maxDims: [] };
    const t = randomType(new Rng(16));
    const shared: SharedPointer = { where: 'object-header', address: 100 };
    expect(attributeMessageVersionFor('earliest', { type: t, space: s, charset: 'ascii' })).toBe(1);
    expect(attributeMessageVersionFor('earliest', { type: shared, space: s, charset: 'ascii' })).toBe(2);
    expect(attributeMessageVersionFor('earliest', { type: t, space: s, charset: 'utf8' })).toBe(3);
    expect(attributeMessageVersionFor('latest', { type: t, space: s, charset: 'ascii' })).toBe(3);
    expect(() => encodeAttributeMessage({ name: 'a', type: shared, space: s, data: new Uint8Array(), charset: 'ascii' }, { offsetSize: 8, lengthSize: 8 }, 1)).toThrow(H5ValueError);
  });
});

function randomLink(r: Rng, s: FieldSizes): LinkMessage {
  const name = r.bool(0.05) ? 'n'.repeat(r.pick([255, 256, 70000])) : r.name(30);
  const creationOrder = r.bool(0.5) ? r.int(0, 2 ** 40) : undefined;
  switch (r.int(0, 3)) {
    case 0:
      return { kind: 'hard', name, creationOrder, address: addr(r, s) };
    case 1:
      return { kind: 'soft', name, creationOrder, target: r.name(40) };
    case 2:
      return { kind: 'external', name, creationOrder, file: r.name(20), target: r.name(40) };
    default:
      return { kind: 'user-defined', name, creationOrder, linkType: r.int(65, 255), data: r.bytes(r.int(0, 30)) };
  }
}

describe('link and group messages', () => {
  it('round-trips random link messages', () => {
    const r = new Rng(17);
    for (let i = 0; i < 2000; i++) {
      const s = r.pick(ALL_SIZES);
      const l = randomLink(r, s);
      const b = encodeLinkMessage(l, s, { charset: r.pick(['ascii', 'utf8'] as const) });
      expect(whole(b, s, readLinkMessage)).toEqual(l);
    }
  });

  it('round-trips link info, attribute info and group info', () => {
    const r = new Rng(18);
    for (let i = 0; i < 1000; i++) {
      const s = r.pick(ALL_SIZES);
      const tracked = r.bool();
      const indexed = tracked && r.bool();
      const info = {
        creationOrderTracked: tracked, creationOrderIndexed: indexed,
        fractalHeapAddress: addr(r, s), nameIndexAddress: addr(r, s), creationOrderIndexAddress: indexed ? addr(r, s) : -1,
      };
      expect(whole(encodeLinkInfo({ ...info, maxCreationIndex: r.int(0, 2 ** 40) }, s), s, readLinkInfo)).toEqual(info);
      expect(whole(encodeAttributeInfo({ ...info, maxCreationIndex: r.int(0, 0xffff) }, s), s, readAttributeInfo)).toEqual(info);
      const gi = r.bool() ? { maxCompact: 8, minDense: 6 } : { maxCompact: r.int(0, 0xffff), minDense: r.int(0, 0xffff) };
      const est = r.bool() ? {} : { estimatedEntries: r.int(0, 0xffff), estimatedNameLength: r.int(0, 0xffff) };
      const gb = encodeGroupInfo({ ...gi, ...est });
      expect(rd(gb, s).skip(2).remaining).toBe((gi.maxCompact !== 8 || gi.minDense !== 6 ? 4 : 0) + ('estimatedEntries' in est && (est.estimatedEntries !== 4 || est.estimatedNameLength !== 8) ? 4 : 0));
      expect(readGroupInfo(rd(gb, s))).toEqual(gi);
    }
  });

  it('round-trips symbol table, modification time, comment, external files, continuation and shared pointers', () => {
    const r = new Rng(19);
    for (let i = 0; i < 1000; i++) {
      const s = r.pick(ALL_SIZES);
      const st = { btreeAddress: addr(r, s), heapAddress: addr(r, s) };
      expect(whole(encodeSymbolTableMessage(st, s), s, readSymbolTableMessage)).toEqual(st);
      const t = r.int(0, 0xffffffff);
      expect(whole(encodeModificationTime(t), s, readModificationTime)).toBe(t);
      const c = r.bool(0.1) ? '' : r.name(60);
      expect(whole(encodeComment(c), s, (x) => {
        const v = readComment(x);
        x.skip(1);
        return v;
      })).toBe(c);
      const efl = {
        heapAddress: addr(r, s),
        slots: Array.from({ length: r.int(1, 4) }, (_, k) => ({ nameOffset: len(r, s), fileOffset: len(r, s), size: k === 0 && r.bool(0.3) ? Number.MAX_SAFE_INTEGER : len(r, s) })),
      };
      expect(whole(encodeExternalFileList(efl, s), s, readExternalFileList)).toEqual(efl);
      const cont = { address: addr(r, s), length: len(r, s) };
      expect(whole(encodeContinuation(cont.address, cont.length, s), s, readContinuation)).toEqual(cont);
      const p: SharedPointer = r.bool() ? { where: 'object-header', address: addr(r, s) } : { where: 'sohm-heap', heapId: r.bytes(8) };
      const pb = encodeSharedPointer(p, s);
      expect(pb[0]).toBe(p.where === 'object-header' ? 2 : 3);
      expect(whole(pb, s, readSharedPointer)).toEqual(p);
    }
  });
});
