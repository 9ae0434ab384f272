import { H5ValueError } from '../errors.js';
import { decodeChunk } from '../filters/pipeline.js';
import { encodeChunks } from '../filters/pipeline-encode.js';
import { chunkParts, chunkRunInSelection, copyBox, fillElements, product, stridesOf, type Hyperslab } from '../model/selection.js';
import type { Allocator } from './allocator.js';
import type { DraftDataset } from './draft.js';

/**
 * Writes a dataset's raw data as it arrives: compact data stays in memory
 * (it lives in the object header), contiguous data goes to its reserved
 * extent, chunks are filtered and appended to the sink one by one, so a
 * chunked dataset never holds all its chunks in memory.
 */
export class RawDataWriter {
  constructor(
    private readonly ds: DraftDataset,
    private readonly alloc: Allocator,
    private readonly where: string,
  ) {}

  private get esz(): number {
    return this.ds.type.size;
  }

  /** `bytes` holds the selected elements (file type, C order of `slab.count`). */
  write(slab: Hyperslab, bytes: Uint8Array): void {
    const dims = this.ds.space.dims;
    if (bytes.length !== product(slab.count) * this.esz) {
      throw new H5ValueError(`${this.where}: ${bytes.length} bytes for ${product(slab.count)} elements of ${this.esz} bytes`);
    }
    switch (this.ds.layout) {
      case 'compact': {
        const buf = (this.ds.compact ??= this.filledBuffer(product(dims)));
        copyBox(bytes, slab.count, zeros(dims.length), ones(dims.length), buf, dims, slab.start, slab.count, this.esz, slab.step);
        return;
      }
      case 'contiguous':
        return this.writeContiguous(slab, bytes);
      case 'chunked':
        return this.writeChunked(slab, bytes);
    }
  }

  private filledBuffer(n: number): Uint8Array {
    const b = new Uint8Array(n * this.esz);
    fillElements(b, this.ds.fill);
    return b;
  }

  private writeContiguous(slab: Hyperslab, bytes: Uint8Array): void {
    const dims = this.ds.space.dims;
    const esz = this.esz;
    const total = product(dims) * esz;
    if (this.ds.contiguousAddress === undefined) {
      this.ds.contiguousAddress = this.alloc.alloc(total);
      const whole = slab.start.every((s, d) => s === 0 && slab.count[d] === dims[d] && (slab.step[d] === 1 || dims[d] <= 1));
      // Storage is allocated at the first write; what that write does not cover holds the fill value.
      if (!whole && this.ds.fill && !this.ds.fill.every((b) => b === 0)) {
        const step = Math.max(esz, Math.floor((1 << 20) / esz) * esz);
        for (let at = 0; at < total; at += step) {
          const part = this.filledBuffer(Math.min(step, total - at) / esz);
          this.alloc.sink.write(this.ds.contiguousAddress + at, part);
        }
      }
    }
    const base = this.ds.contiguousAddress;
    const rank = dims.length;
    if (rank === 0) {
      this.alloc.sink.write(base, bytes);
      return;
    }
    // One write per run of the last dimension (contiguous when its step is 1).
    const strides = stridesOf(dims);
    const last = rank - 1;
    const rowCount = slab.count[last];
    const idx = zeros(last);
    let src = 0;
    for (;;) {
      let e = slab.start[last];
      for (let d = 0; d < last; d++) e += (slab.start[d] + idx[d] * slab.step[d]) * strides[d];
      if (slab.step[last] === 1) {
        this.alloc.sink.write(base + e * esz, bytes.subarray(src, src + rowCount * esz));
      } else {
        for (let i = 0; i < rowCount; i++) {
          this.alloc.sink.write(base + (e + i * slab.step[last]) * esz, bytes.subarray(src + i * esz, src + (i + 1) * esz));
        }
      }
      src += rowCount * esz;
      let d = last - 1;
      while (d >= 0) {
        if (++idx[d] < slab.count[d]) break;
        idx[d] = 0;
        d--;
      }
      if (d < 0 || rowCount === 0) return;
    }
  }

  private writeChunked(slab: Hyperslab, bytes: Uint8Array): void {
    const cd = this.ds.chunks!;
    const esz = this.esz;
    const chunkBytes = product(cd) * esz;
    const info = { elementSize: esz, chunkBytes, where: this.where };
    // Chunks are filtered in batches (a filter with encodeMany, such as h5kit/node's deflate, compresses a
    // batch in parallel), each batch at most BATCH_BYTES of unfiltered data.
    const perBatch = Math.max(1, Math.floor(BATCH_BYTES / Math.max(1, chunkBytes)));
    const pending: { key: string; chunk: Uint8Array }[] = [];
    const flush = () => {
      if (!pending.length) return;
      const encoded = this.ds.filters.length ? encodeChunks(this.ds.filters, pending.map((p) => p.chunk), info) : pending.map((p) => ({ data: p.chunk, filterMask: 0 }));
      pending.forEach((p, k) => this.storeChunk(p.key, encoded[k].data, encoded[k].filterMask));
      pending.length = 0;
    };
    for (const part of chunkParts(slab, cd)) {
      const key = part.chunkOffset.map((o, d) => o / cd[d]).join(',');
      const prev = this.ds.chunkIndex.get(key);
      const covers = part.count.every((c, d) => c === cd[d] && slab.step[d] === 1);
      let chunk: Uint8Array;
      // A whole chunk that is one run of the caller's bytes is filtered from there, uncopied
      // (filters never modify their input; unfiltered chunks are copied by the sink's write).
      const run = covers ? chunkRunInSelection(part, cd, slab) : undefined;
      if (run !== undefined) {
        pending.push({ key, chunk: bytes.subarray(run * esz, run * esz + chunkBytes) });
        if (pending.length >= perBatch) flush();
        continue;
      }
      if (covers) chunk = new Uint8Array(chunkBytes);
      else if (prev) {
        const stored = this.alloc.sink.read(prev.address, prev.size).slice();
        chunk = decodeChunk(this.ds.filters, stored, prev.filterMask, info).slice();
      } else chunk = this.filledBuffer(product(cd));
      copyBox(bytes, slab.count, part.selStart, ones(cd.length), chunk, cd, part.inChunk, part.count, esz, slab.step);
      pending.push({ key, chunk });
      if (pending.length >= perBatch) flush();
    }
    flush();
  }

  /**
   * Put a filtered chunk in the file: in place when it fits where the chunk
   * was, else appended (the old space is left unused). A chunk of the
   * committed file being edited is never overwritten: the new copy is
   * appended (copy on write).
   */
  private storeChunk(key: string, data: Uint8Array, filterMask: number): void {
    const prev = this.ds.chunkIndex.get(key);
    const committed = this.ds.committedChunks?.delete(key) ?? false;
    const address = prev && !committed && data.length <= prev.size ? prev.address : this.alloc.alloc(data.length);
    this.alloc.sink.write(address, data);
    this.ds.chunkIndex.set(key, { address, size: data.length, filterMask });
  }

  /**
   * Store a chunk's bytes as they are (already filtered, `filterMask` bit i
   * set when filter i was skipped): h5py's `write_direct_chunk`. Repack
   * copies chunks this way without recompressing. Stored as any filtered
   * chunk (storeChunk): a chunk of an edited file's committed state is never
   * overwritten.
   */
  writeDirect(offset: readonly number[], data: Uint8Array, filterMask: number): void {
    const cd = this.ds.chunks;
    if (this.ds.layout !== 'chunked' || !cd) throw new H5ValueError(`${this.where}: direct chunk writes need a chunked layout`);
    const dims = this.ds.space.dims;
    const maxDims = this.ds.space.maxDims;
    if (offset.length !== cd.length || offset.some((o, d) => !Number.isInteger(o) || o < 0 || o % cd[d] !== 0 || (maxDims[d] !== null && o >= Math.max(dims[d], maxDims[d] as number)))) {
      throw new H5ValueError(`${this.where}: chunk origin ${JSON.stringify(offset)} is not a chunk of shape ${JSON.stringify(dims)} (chunks ${JSON.stringify(cd)})`);
    }
    if (!Number.isInteger(filterMask) || filterMask < 0 || filterMask > 0xffffffff) throw new H5ValueError(`${this.where}: bad filter mask ${filterMask}`);
    if (!this.ds.filters.length && data.length !== product(cd) * this.esz) {
      throw new H5ValueError(`${this.where}: an unfiltered chunk holds ${product(cd) * this.esz} bytes, got ${data.length}`);
    }
    this.storeChunk(offset.map((o, d) => o / cd[d]).join(','), data, filterMask);
  }

  /** Drop chunks wholly outside a new, smaller extent (libhdf5 deletes them on shrink). */
  pruneChunks(dims: readonly number[]): void {
    const cd = this.ds.chunks;
    if (!cd) return;
    for (const key of [...this.ds.chunkIndex.keys()]) {
      const g = key.split(',').map(Number);
      if (g.some((c, d) => c * cd[d] >= dims[d])) this.ds.chunkIndex.delete(key);
    }
  }
}

/** Unfiltered bytes per batch of chunks filtered together. */
const BATCH_BYTES = 64 << 20;

function zeros(n: number): number[] {
  return new Array(n).fill(0);
}

function ones(n: number): number[] {
  return new Array(n).fill(1);
}

