import type { ByteReader } from '../byte-reader.js';
import { UNDEFINED_ADDRESS } from '../byte-reader.js';

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
