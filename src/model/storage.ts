import { H5FormatError, H5UnsupportedError } from '../errors.js';
import { batchInputBuffer, decodeChunks } from '../filters/pipeline.js';
import { NeedInflate, type DeferredInflate } from '../filters/deferred-inflate.js';
import { builtinDecoder, getFilter } from '../filters/registry.js';
import { MAX_FILTER_OUTPUT } from '../filters/util.js';
import { isUndefinedAddress } from '../format/byte-reader.js';
import type { FileContext } from '../format/file-context.js';
import type { DataLayout } from '../format/messages/data-layout.js';
import type { FillValue } from '../format/messages/fill-value.js';
import type { FilterDescription } from '../format/messages/filter-pipeline.js';
import type { ExternalFileList } from '../format/messages/info.js';
import type { ByteSource } from '../io/source.js';
import { LocalHeap } from '../format/local-heap.js';
import { findChunks } from './chunk-index.js';
import type { VirtualLayout } from './virtual.js';
import { chunkRunInSelection, copyBox, fillElements, partInChunk, product, type ChunkPart, type Hyperslab } from './selection.js';

/** Everything needed to read a dataset's raw element bytes. */
export interface StorageInfo {
  readonly ctx: FileContext;
  /** e.g. `dataset "/a/b"`, for error messages. */
  readonly where: string;
  readonly elementSize: number;
  readonly dims: readonly number[];
  readonly maxDims: readonly (number | null)[];
  readonly layout: DataLayout;
  readonly filters: readonly FilterDescription[];
  readonly fill?: FillValue;
  readonly external?: ExternalFileList;
  /** Opens an external raw data file by the name stored in the file. */
  readonly openExternal?: (name: string) => ByteSource;
  /** The mappings of a virtual dataset (layout class 3). */
  readonly virtual?: VirtualLayout;
  /** Called once per chunk decoded (tests count decodes with it). */
  readonly onChunk?: (offset: readonly number[]) => void;
}

/** Largest selection h5kit materialises in one call (bytes). */
const MAX_SELECTION_BYTES = 2 ** 32;

/**
 * Raw bytes (file datatype, C order) of a hyperslab. `owned` is false when the
 * result is a view into the source that must not be modified.
 */
export function readHyperslab(info: StorageInfo, slab: Hyperslab): { bytes: Uint8Array; owned: boolean } {
  const esz = info.elementSize;
  const n = product(slab.count);
  const total = n * esz;
  if (total > MAX_SELECTION_BYTES) {
    throw new H5UnsupportedError(`${info.where}: selection of ${total} bytes is larger than h5kit reads in one call; read it in slices`);
  }
  const layout = info.layout;
  const whole = isWhole(info.dims, slab);
  switch (layout.class) {
    case 'compact': {
      const need = product(info.dims) * esz;
      if (layout.data.length < need) {
        throw new H5FormatError('data layout message', -1, `${info.where}: compact data holds ${layout.data.length} bytes, the dataspace needs ${need}`);
      }
      if (whole) return { bytes: layout.data.subarray(0, need), owned: false };
      const out = new Uint8Array(total);
      copyBox(layout.data, info.dims, slab.start, slab.step, out, slab.count, zeros(slab.count.length), slab.count, esz);
      return { bytes: out, owned: true };
    }
    case 'contiguous':
      if (info.external && info.external.slots.length) return readExternal(info, slab, total);
      return readContiguous(info, layout.address, slab, total, whole);
    case 'chunked':
      return { bytes: readChunked(info, layout, slab, total), owned: true };
    case 'virtual':
      if (!info.virtual) throw new H5UnsupportedError(`${info.where}: virtual dataset without a source resolver`);
      return { bytes: info.virtual.read(info.dims, slab, esz, info.fill?.value), owned: true };
  }
}

function zeros(n: number): number[] {
  return new Array(n).fill(0);
}

function isWhole(dims: readonly number[], slab: Hyperslab): boolean {
  for (let d = 0; d < dims.length; d++) {
    if (slab.start[d] !== 0 || slab.count[d] !== dims[d] || (slab.step[d] !== 1 && dims[d] > 1)) return false;
  }
  return true;
}

function filled(info: StorageInfo, total: number): Uint8Array {
  const out = new Uint8Array(total);
  fillElements(out, info.fill?.value);
  return out;
}

function readContiguous(info: StorageInfo, address: number, slab: Hyperslab, total: number, whole: boolean) {
  if (isUndefinedAddress(address) || total === 0) return { bytes: filled(info, total), owned: true };
  const esz = info.elementSize;
  const rank = info.dims.length;
  if (whole) {
    const bytes = info.ctx.bytes(address, total, `${info.where} contiguous data`);
    return { bytes, owned: info.ctx.source.freshReads === true && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength };
  }
  // Read row by row along the last dimension: only the bytes the selection spans.
  const out = new Uint8Array(total);
  const last = rank - 1;
  const rowCount = slab.count[last];
  const rowBytes = rowCount * esz;
  const rowSpan = ((rowCount - 1) * slab.step[last] + 1) * esz;
  const strides = info.dims.map((_, d) => product(info.dims.slice(d + 1)));
  const idx = zeros(last);
  for (let o = 0; o < total; o += rowBytes) {
    let e = slab.start[last];
    for (let d = 0; d < last; d++) e += (slab.start[d] + idx[d] * slab.step[d]) * strides[d];
    const row = info.ctx.bytes(address + e * esz, rowSpan, `${info.where} contiguous data`);
    if (slab.step[last] === 1) out.set(row, o);
    else copyBox(row, [rowSpan / esz], [0], [slab.step[last]], out.subarray(o, o + rowBytes), [rowCount], [0], [rowCount], esz);
    for (let d = last - 1; d >= 0; d--) {
      if (++idx[d] < slab.count[d]) break;
      idx[d] = 0;
    }
  }
  return { bytes: out, owned: true };
}

function readExternal(info: StorageInfo, slab: Hyperslab, total: number) {
  const ext = info.external!;
  if (!info.openExternal) {
    throw new H5UnsupportedError(`${info.where}: data is stored in external files; open the file with a resolver for them (h5kit/node does this relative to the file)`);
  }
  const heap = LocalHeap.read(info.ctx, ext.heapAddress);
  const esz = info.elementSize;
  const size = product(info.dims) * esz;
  const all = new Uint8Array(size);
  let pos = 0;
  for (const slot of ext.slots) {
    if (pos >= size) break;
    const name = heap.string(slot.nameOffset);
    const src = info.openExternal(name);
    const want = Math.min(slot.size, size - pos);
    const avail = Math.max(0, Math.min(want, src.size - slot.fileOffset));
    if (avail > 0) all.set(src.read(slot.fileOffset, avail), pos);
    pos += want;
  }
  if (isWhole(info.dims, slab)) return { bytes: all, owned: true };
  const out = new Uint8Array(total);
  copyBox(all, info.dims, slab.start, slab.step, out, slab.count, zeros(slab.count.length), slab.count, esz);
  return { bytes: out, owned: true };
}

type ChunkedLayout = Extract<DataLayout, { class: 'chunked' }>;

function readChunked(info: StorageInfo, layout: ChunkedLayout, slab: Hyperslab, total: number): Uint8Array {
  const out = filled(info, total);
  if (total === 0) return out;
  const rank = info.dims.length;
  const cd = layout.chunkDims;
  if (cd.length !== rank) {
    throw new H5FormatError('data layout message', -1, `${info.where}: chunk rank ${cd.length} differs from dataspace rank ${rank}`);
  }
  if (cd.some((c) => c <= 0)) throw new H5FormatError('data layout message', -1, `${info.where}: zero chunk dimension`);
  const esz = info.elementSize;
  const lo: number[] = [];
  const hi: number[] = [];
  for (let d = 0; d < rank; d++) {
    const first = slab.start[d];
    const lastIdx = slab.start[d] + (slab.count[d] - 1) * slab.step[d];
    lo.push(Math.floor(first / cd[d]) * cd[d]);
    hi.push(Math.floor(lastIdx / cd[d]) * cd[d]);
  }
  const chunkBytes = product(cd) * esz;
  const chunks = findChunks(info.ctx, layout, info.dims, info.maxDims, lo, hi);
  const touched: { c: (typeof chunks)[number]; part: NonNullable<ReturnType<typeof partInChunk>> }[] = [];
  for (const c of chunks) {
    const part = partInChunk(slab, cd, c.offset);
    if (part) touched.push({ c, part });
  }
  // Chunks are decoded in batches (a filter with decodeMany, such as h5kit/node's deflate, works on a
  // batch in parallel), each batch at most BATCH_BYTES decoded so memory stays bounded.
  const perBatch = Math.max(1, Math.floor(BATCH_BYTES / Math.max(1, chunkBytes)));
  for (let b = 0; b < touched.length; b += perBatch) {
    const batch = touched.slice(b, b + perBatch);
    info.ctx.want(batch.map(({ c }) => ({ address: c.address, length: c.size })));
    const dests = batch.map(({ part }) => destinationOf(part, cd, slab, out, esz));
    const data = readChunks(info, layout, batch.map((t) => t.c), chunkBytes, dests);
    batch.forEach(({ part }, k) => {
      // A filter that decoded straight into the output left nothing to copy.
      const d = dests[k];
      if (d && data[k].buffer === d.buffer && data[k].byteOffset === d.byteOffset) return;
      copyBox(data[k], cd, part.inChunk, slab.step, out, slab.count, part.selStart, part.count, esz);
    });
  }
  return out;
}

/** The bytes of `out` a whole chunk maps to when they are one run in chunk order (chunkRunInSelection), else undefined. */
function destinationOf(part: ChunkPart, cd: readonly number[], slab: Hyperslab, out: Uint8Array, esz: number): Uint8Array | undefined {
  const at = chunkRunInSelection(part, cd, slab);
  return at === undefined ? undefined : out.subarray(at * esz, (at + product(cd)) * esz);
}

/** Decoded bytes per batch of chunks read together. */
const BATCH_BYTES = 64 << 20;

function isPartialEdge(info: StorageInfo, cd: readonly number[], offset: readonly number[]): boolean {
  for (let d = 0; d < cd.length; d++) if (offset[d] + cd[d] > info.dims[d]) return true;
  return false;
}

/** Read one chunk and undo its filters (spec IV.A.2.l: applied in reverse pipeline order on read). */
export function readChunk(
  info: StorageInfo,
  layout: ChunkedLayout,
  address: number,
  size: number,
  filterMask: number,
  chunkBytes: number,
  offset: readonly number[],
): Uint8Array {
  return readChunks(info, layout, [{ address, size, filterMask, offset }], chunkBytes)[0];
}

/**
 * The stored bytes of a batch's filtered chunks. From a source that copies
 * anyway (a file), several chunks go into one buffer the pipeline asks for
 * (batchInputBuffer: h5kit/node's deflate offers shared memory its worker
 * threads read without a copy); else each is a plain read. The batch buffer
 * is only asked for when the chunks fit in the file: a corrupt size cannot
 * make it larger than the file.
 */
function readStored(info: StorageInfo, chunks: readonly { address: number; size: number }[], wheres: readonly string[]): Uint8Array[] {
  let total = 0;
  for (const c of chunks) total += c.size;
  const ctx = info.ctx;
  const batch = chunks.length > 1 && ctx.source.readInto && total <= ctx.source.size ? batchInputBuffer(info.filters, total) : undefined;
  if (!batch) return chunks.map((c, k) => ctx.bytes(c.address, c.size, wheres[k]));
  let at = 0;
  return chunks.map((c, k) => {
    const view = ctx.bytesInto(c.address, batch.subarray(at, at + c.size), wheres[k]);
    at += c.size;
    return view;
  });
}

/** Smallest chunk (decoded bytes) worth a DecompressionStream: below, a stream's set-up costs more than h5kit's inflate (measured: 0.23 vs 0.07 ms for 4 KiB). */
const MIN_DEFERRED_INFLATE = 64 * 1024;

/**
 * Async reads (FileContext.deferredInflate): chunks whose first decoding
 * stage is the built-in deflate take their inflated bytes from the session,
 * with that stage marked as done in their mask; chunks not inflated yet are
 * queued and the run stops with NeedInflate (the driver inflates them and
 * runs again). A deflate filter registered by the user is left to decode.
 */
function takeInflated(
  session: DeferredInflate,
  pipeline: readonly FilterDescription[],
  chunks: readonly { address: number }[],
  stored: Uint8Array[],
  masks: number[],
  chunkBytes: number,
): void {
  if (chunkBytes < MIN_DEFERRED_INFLATE || getFilter(1) !== builtinDecoder(1)) return;
  let queued = false;
  chunks.forEach((c, k) => {
    let first = pipeline.length - 1;
    while (first >= 0 && masks[k] & (1 << first)) first--;
    if (first < 0 || pipeline[first].id !== 1) return;
    const done = session.result(c.address);
    if (done) {
      stored[k] = done;
      masks[k] |= 1 << first;
    } else if (done === undefined) {
      // The chunk's size when deflate is its only remaining stage or shuffle alone follows; else unknown.
      const rest = pipeline.slice(0, first).filter((_, i) => !(masks[k] & (1 << i)));
      const expected = rest.every((f) => f.id === 2) ? chunkBytes : -1;
      queued = session.request(c.address, stored[k], expected >= 0 ? expected : MAX_FILTER_OUTPUT, expected) || queued;
    }
  });
  if (queued) throw new NeedInflate(session);
}

/** Read several chunks of one dataset and undo their filters, the filtered ones in one batch. */
export function readChunks(
  info: StorageInfo,
  layout: ChunkedLayout,
  chunks: readonly { address: number; size: number; filterMask: number; offset: readonly number[] }[],
  chunkBytes: number,
  into?: readonly (Uint8Array | undefined)[],
): Uint8Array[] {
  const out: Uint8Array[] = new Array(chunks.length);
  const filtered: number[] = [];
  const wheres: string[] = [];
  chunks.forEach((c, k) => {
    info.onChunk?.(c.offset);
    const where = `${info.where} chunk at [${c.offset.join(',')}]`;
    // Partial edge chunks are stored unfiltered when the layout says so (layout v4 flag bit 0).
    if (info.filters.length === 0 || (layout.dontFilterPartialEdgeChunks && isPartialEdge(info, layout.chunkDims, c.offset))) {
      const bytes = info.ctx.bytes(c.address, c.size, where);
      if (bytes.length < chunkBytes) throw new H5FormatError('chunk', c.address, `${where}: ${bytes.length} bytes stored, ${chunkBytes} expected`);
      out[k] = bytes;
      return;
    }
    filtered.push(k);
    wheres.push(where);
  });
  const filteredChunks = filtered.map((k) => chunks[k]);
  const stored = readStored(info, filteredChunks, wheres);
  const masks = filteredChunks.map((c) => c.filterMask);
  if (info.ctx.deferredInflate) takeInflated(info.ctx.deferredInflate, info.filters, filteredChunks, stored, masks, chunkBytes);
  if (filtered.length) {
    const chunk = { elementSize: info.elementSize, chunkBytes, where: info.where };
    const decoded = decodeChunks(info.filters, stored, masks, chunk, wheres, into && filtered.map((k) => into[k]));
    filtered.forEach((k, j) => (out[k] = decoded[j]));
  }
  return out;
}
