import { describe, expect, it } from 'vitest';
import { ByteReader, type FieldSizes } from '../../src/format/byte-reader.js';
import type { FormatFamily } from '../../src/format/byte-writer.js';
import { MessageFlag, MessageType, type HeaderMessage, type ObjectHeader } from '../../src/format/object-header.js';
import { attributeMessageVersionFor, encodeAttributeMessage, readAttributeMessage } from '../../src/format/messages/attribute.js';
import { dataLayoutVersionFor, encodeDataLayout, readDataLayout } from '../../src/format/messages/data-layout.js';
import { dataspaceVersionFor, encodeDataspace, readDataspace } from '../../src/format/messages/dataspace.js';
import { encodeDatatype, readDatatype } from '../../src/format/messages/datatype.js';
import {
  encodeFillValue,
  encodeFillValueOld,
  fillValueVersionFor,
  readFillValue,
  readFillValueOld,
  writesOldFillValue,
} from '../../src/format/messages/fill-value.js';
import { encodeFilterPipeline, filterPipelineVersionFor, readFilterPipeline } from '../../src/format/messages/filter-pipeline.js';
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
import { encodeLinkMessage, readLinkMessage } from '../../src/format/messages/link.js';
import { encodeSharedPointer, readSharedPointer } from '../../src/format/messages/shared-message.js';
import { followShared, messageName } from '../../src/model/header-messages.js';
import { objectHeaders, openFixture } from './walk.js';

/**
 * Byte identity with libhdf5 1.10.8: every message of the h5py-made files in
 * tests/fixtures/messages (gen_messages.py) is decoded with h5kit's reader and
 * re-encoded with the version h5kit's rules choose for the file's family; the
 * bytes must equal libhdf5's. In version 1 object headers libhdf5 pads message
 * bodies to a multiple of 8 bytes: there the encoding must equal the body up
 * to that zero padding.
 */

const FILES: [string, FormatFamily][] = [
  ['earliest.h5', 'earliest'],
  ['latest.h5', 'latest'],
  ['sohm.h5', 'latest'],
];

interface Outcome {
  got: Uint8Array;
  /** The version byte the family rule predicts, when the message has one that varies. */
  versionRule?: number;
}

function reader(data: Uint8Array, sizes: FieldSizes): ByteReader {
  return new ByteReader(data, 0, 'test message', sizes);
}

function reencode(m: HeaderMessage, h: ObjectHeader, family: FormatFamily, sizes: FieldSizes): Outcome | undefined {
  const d = m.data;
  const r = reader(d, sizes);
  if (m.flags & MessageFlag.Shared) return { got: encodeSharedPointer(readSharedPointer(r), sizes) };
  switch (m.type) {
    case MessageType.Dataspace: {
      const s = readDataspace(r);
      const v = dataspaceVersionFor(family, s);
      return { got: encodeDataspace(s, sizes, v), versionRule: v };
    }
    case MessageType.Datatype:
      return { got: encodeDatatype(readDatatype(r), sizes, { version: family }) };
    case MessageType.FillValueOld: {
      const newer = h.messages.find((x) => x.type === MessageType.FillValue);
      expect(newer && !(newer.flags & MessageFlag.Shared) && writesOldFillValue(family, readFillValue(reader(newer.data, sizes)))).toBe(true);
      return { got: encodeFillValueOld(readFillValueOld(r)) };
    }
    case MessageType.FillValue: {
      const f = readFillValue(r);
      const old = h.messages.some((x) => x.type === MessageType.FillValueOld);
      expect(writesOldFillValue(family, f)).toBe(old);
      const v = fillValueVersionFor(family);
      return { got: encodeFillValue(f, v), versionRule: v };
    }
    case MessageType.DataLayout: {
      const l = readDataLayout(r);
      const v = dataLayoutVersionFor(family, l);
      return { got: encodeDataLayout(l, sizes, { version: v }), versionRule: v };
    }
    case MessageType.FilterPipeline: {
      const v = filterPipelineVersionFor(family);
      return { got: encodeFilterPipeline(readFilterPipeline(r), v), versionRule: v };
    }
    case MessageType.Attribute: {
      const a = readAttributeMessage(r);
      const v = attributeMessageVersionFor(family, a);
      return { got: encodeAttributeMessage(a, sizes, v, { family }), versionRule: v };
    }
    case MessageType.Link: {
      // The reader drops the name's character set; it is an input of the encoder.
      const flags = d[1];
      const csetAt = 2 + (flags & 0x08 ? 1 : 0) + (flags & 0x04 ? 8 : 0);
      return { got: encodeLinkMessage(readLinkMessage(r), sizes, { charset: flags & 0x10 && d[csetAt] === 1 ? 'utf8' : 'ascii' }) };
    }
    case MessageType.LinkInfo: {
      // Likewise the maximum creation index the reader skips.
      const maxCreationIndex = d[1] & 1 ? reader(d, sizes).skip(2).u64big() : undefined;
      return { got: encodeLinkInfo({ ...readLinkInfo(r), maxCreationIndex }, sizes) };
    }
    case MessageType.AttributeInfo: {
      const maxCreationIndex = d[1] & 1 ? reader(d, sizes).skip(2).u16() : undefined;
      return { got: encodeAttributeInfo({ ...readAttributeInfo(r), maxCreationIndex }, sizes) };
    }
    case MessageType.GroupInfo: {
      let est: { estimatedEntries: number; estimatedNameLength: number } | undefined;
      if (d[1] & 2) {
        const er = reader(d, sizes).skip(2 + (d[1] & 1 ? 4 : 0));
        est = { estimatedEntries: er.u16(), estimatedNameLength: er.u16() };
      }
      return { got: encodeGroupInfo({ ...readGroupInfo(r), ...est }) };
    }
    case MessageType.SymbolTable:
      return { got: encodeSymbolTableMessage(readSymbolTableMessage(r), sizes) };
    case MessageType.ModificationTime:
      return { got: encodeModificationTime(readModificationTime(r)) };
    case MessageType.Comment:
      return { got: encodeComment(readComment(r)) };
    case MessageType.ExternalFileList:
      return { got: encodeExternalFileList(readExternalFileList(r), sizes) };
    case MessageType.Continuation: {
      const c = readContinuation(r);
      return { got: encodeContinuation(c.address, c.length, sizes) };
    }
    default:
      return undefined;
  }
}

/** Equal, or (version 1 headers) equal up to libhdf5's zero padding of the body to 8 bytes. */
function matches(expected: Uint8Array, got: Uint8Array, headerVersion: number): boolean {
  if (got.length > expected.length) return false;
  for (let i = 0; i < got.length; i++) if (got[i] !== expected[i]) return false;
  if (got.length === expected.length) return true;
  if (headerVersion !== 1 || expected.length !== Math.ceil(got.length / 8) * 8) return false;
  for (let i = got.length; i < expected.length; i++) if (expected[i] !== 0) return false;
  return true;
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');

describe.each(FILES)('libhdf5 1.10 messages in %s (%s family)', (file, family) => {
  const f = openFixture(file);
  const sizes = f.context.sizes;
  const results: { where: string; type: number; ok: boolean; detail: string; version?: [number, number] }[] = [];
  const check = (where: string, m: HeaderMessage, header: ObjectHeader, headerVersion: number) => {
    let out: Outcome | undefined;
    try {
      out = reencode(m, header, family, sizes);
    } catch (e) {
      results.push({ where, type: m.type, ok: false, detail: String(e) });
      return;
    }
    if (!out) return;
    const ok = matches(m.data, out.got, headerVersion);
    results.push({
      where, type: m.type, ok,
      detail: ok ? '' : `libhdf5 ${hex(m.data)}\n   h5kit ${hex(out.got)}`,
      version: out.versionRule !== undefined ? [m.data[0], out.versionRule] : undefined,
    });
  };
  for (const { path, header } of objectHeaders(f)) {
    header.messages.forEach((m, i) => {
      const shared = (m.flags & MessageFlag.Shared) !== 0;
      check(`${path} #${i} ${messageName(m.type)}${shared ? ' (shared pointer)' : ''}`, m, header, header.version);
      if (!shared) return;
      // A message in the shared-message heap is stored whole, unpadded: encode its body too.
      const ptr = readSharedPointer(reader(m.data, sizes));
      if (ptr.where !== 'sohm-heap') return;
      const body = followShared(f.context, ptr, m.type, f.sharedMessages, m.address);
      check(`${path} #${i} ${messageName(m.type)} (SOHM heap body)`, { ...body, flags: 0 }, header, 2);
    });
  }

  it('covers the messages the writer emits', () => {
    const types = new Set(results.map((r) => r.type));
    const want = family === 'earliest' && file === 'earliest.h5'
      ? [MessageType.Dataspace, MessageType.Datatype, MessageType.FillValueOld, MessageType.FillValue, MessageType.DataLayout, MessageType.FilterPipeline, MessageType.Attribute, MessageType.SymbolTable, MessageType.Continuation, MessageType.Comment, MessageType.ModificationTime, MessageType.ExternalFileList]
      : file === 'latest.h5'
        ? [MessageType.Dataspace, MessageType.Datatype, MessageType.FillValue, MessageType.DataLayout, MessageType.FilterPipeline, MessageType.Attribute, MessageType.Link, MessageType.LinkInfo, MessageType.GroupInfo, MessageType.AttributeInfo, MessageType.Comment, MessageType.ExternalFileList]
        : [MessageType.Dataspace, MessageType.Datatype, MessageType.FillValue, MessageType.DataLayout, MessageType.FilterPipeline];
    for (const t of want) expect(types.has(t), messageName(t)).toBe(true);
    expect(results.length).toBeGreaterThan(file === 'sohm.h5' ? 20 : 300);
    if (file === 'sohm.h5') expect(results.filter((r) => r.where.endsWith('(SOHM heap body)')).length).toBeGreaterThanOrEqual(5);
  });

  it('re-encodes every message byte for byte', () => {
    const bad = results.filter((r) => !r.ok);
    expect(bad.map((b) => `${b.where}\n   ${b.detail}`).join('\n')).toBe('');
  });

  it('predicts the message version libhdf5 chose', () => {
    const bad = results.filter((r) => r.version && r.version[0] !== r.version[1]);
    expect(bad.map((b) => `${b.where}: file has ${b.version![0]}, rule says ${b.version![1]}`)).toEqual([]);
  });

  it('counts (for the report)', () => {
    const byType = new Map<string, number>();
    for (const r of results) byType.set(messageName(r.type), (byType.get(messageName(r.type)) ?? 0) + 1);
    expect(byType.size).toBeGreaterThan(0);
  });
});
