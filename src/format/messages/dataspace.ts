import type { ByteReader, FieldSizes } from '../byte-reader.js';
import { UNDEFINED_ADDRESS } from '../byte-reader.js';
import { ByteWriter, type FormatFamily } from '../byte-writer.js';
import { H5ValueError } from '../../errors.js';

/**
 * Dataspace message (spec IV.A.2.b). `dims` is empty for scalar and null
 * spaces; an unlimited maximum is `null`.
 */
export interface Dataspace {
  readonly kind: 'scalar' | 'simple' | 'null';
  readonly dims: number[];
  readonly maxDims: (number | null)[];
}

const MAX_RANK = 32; // H5S_MAX_RANK

export function readDataspace(r: ByteReader): Dataspace {
  const version = r.u8();
  if (version !== 1 && version !== 2) r.fail(`unknown dataspace version ${version}`);
  const rank = r.u8();
  if (rank > MAX_RANK) r.fail(`rank ${rank} exceeds ${MAX_RANK}`);
  const flags = r.u8();
  let kind: Dataspace['kind'];
  if (version === 1) {
    r.skip(5);
    kind = rank === 0 ? 'scalar' : 'simple';
  } else {
    const t = r.u8();
    kind = t === 0 ? 'scalar' : t === 1 ? 'simple' : t === 2 ? 'null' : r.fail(`unknown dataspace type ${t}`);
  }
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(r.lengthField());
  const maxDims: (number | null)[] = dims.slice();
  if (flags & 1) {
    for (let i = 0; i < rank; i++) {
      const m = r.addressOf(r.sizes.lengthSize);
      maxDims[i] = m === UNDEFINED_ADDRESS ? null : m;
    }
  }
  return { kind: kind === 'simple' && rank === 0 ? 'scalar' : kind, dims, maxDims };
}

export function elementCount(s: Dataspace): number {
  if (s.kind === 'null') return 0;
  let n = 1;
  for (const d of s.dims) n *= d;
  return n;
}

/**
 * Dataspace message version libhdf5 1.10 writes (H5S__set_version): version 1
 * in the earliest family, except a null dataspace, which only version 2 can
 * express (H5S_create gives it version 2); version 2 in the latest family.
 */
export function dataspaceVersionFor(family: FormatFamily, space: Dataspace): 1 | 2 {
  return family === 'latest' || space.kind === 'null' ? 2 : 1;
}

/**
 * Encode a dataspace message body (spec IV.A.2.b) as H5O__sdspace_encode does.
 * libhdf5 1.8+ always keeps maximum dimensions for a simple dataspace (equal
 * to the dimensions unless given), so the "max dims present" flag is always
 * set for rank > 0; `null` maxima (unlimited) are written as all ones.
 */
export function encodeDataspace(space: Dataspace, sizes: FieldSizes, version: 1 | 2): Uint8Array {
  const rank = space.kind === 'simple' ? space.dims.length : 0;
  if (rank > MAX_RANK) throw new H5ValueError(`rank ${rank} exceeds ${MAX_RANK}`);
  if (space.kind === 'simple' && space.maxDims.length !== rank) throw new H5ValueError(`${space.maxDims.length} maximum dimensions for rank ${rank}`);
  if (version === 1 && space.kind === 'null') throw new H5ValueError('a null dataspace needs dataspace message version 2');
  const w = new ByteWriter(sizes, 8 + 2 * rank * sizes.lengthSize);
  w.u8(version).u8(rank).u8(rank > 0 ? 1 : 0);
  // Version 1: one reserved byte and four more; version 2: the dataspace type (0 scalar, 1 simple, 2 null).
  if (version === 1) w.zeros(5);
  else w.u8(space.kind === 'null' ? 2 : rank > 0 ? 1 : 0);
  for (let i = 0; i < rank; i++) w.uint(sizes.lengthSize, space.dims[i]);
  for (let i = 0; i < rank; i++) {
    const m = space.maxDims[i];
    if (m === null) w.allOnes(sizes.lengthSize);
    else {
      if (m < space.dims[i]) throw new H5ValueError(`maximum dimension ${m} below dimension ${space.dims[i]}`);
      w.uint(sizes.lengthSize, m);
    }
  }
  return w.finish();
}
