import { ByteReader } from './byte-reader.js';
import { verifyChecksum } from './checksum.js';
import type { FileContext } from './file-context.js';
import { globalHeapObject } from './global-heap.js';
import { readSerializedSelection, type SerializedSelection } from './dataspace-selection.js';

/**
 * The mappings of a virtual dataset (layout message v4 class 3, spec
 * IV.A.2.i): a global heap object listing, per mapping, the source file and
 * dataset names and the source and virtual selections, ending in a checksum.
 */
export interface VirtualMapping {
  /** Source file name as stored: "." means this file; may hold printf-style %b. */
  readonly file: string;
  readonly dataset: string;
  readonly source: SerializedSelection;
  readonly virtual: SerializedSelection;
}

export function readVirtualMappings(ctx: FileContext, heapAddress: number, index: number): VirtualMapping[] {
  const b = globalHeapObject(ctx, heapAddress, index);
  const r = new ByteReader(b, heapAddress, 'virtual dataset mapping', ctx.sizes);
  const version = r.u8();
  if (version !== 0) r.fail(`unknown encoding version ${version}`);
  const n = r.lengthField();
  const out: VirtualMapping[] = [];
  for (let i = 0; i < n; i++) {
    if (r.remaining < 4) r.fail(`${n} mappings declared, data ends after ${i}`);
    const file = r.cString();
    const dataset = r.cString();
    const source = readSerializedSelection(r);
    const virtual = readSerializedSelection(r);
    out.push({ file, dataset, source, virtual });
  }
  r.need(4);
  verifyChecksum(ctx, b, heapAddress, 'virtual dataset mapping', r.pos);
  return out;
}
