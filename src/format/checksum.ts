import { H5ChecksumError } from '../errors.js';

/**
 * Jenkins lookup3 `hashlittle` with initval 0: the "metadata checksum" of
 * every checksummed structure of the modern format (spec II.A, "Checksum";
 * libhdf5 H5_checksum_metadata).
 */
export function lookup3(data: Uint8Array, initval = 0): number {
  let length = data.length;
  let a = (0xdeadbeef + length + initval) | 0;
  let b = a;
  let c = a;
  let k = 0;
  while (length > 12) {
    a = (a + (data[k] | (data[k + 1] << 8) | (data[k + 2] << 16) | (data[k + 3] << 24))) | 0;
    b = (b + (data[k + 4] | (data[k + 5] << 8) | (data[k + 6] << 16) | (data[k + 7] << 24))) | 0;
    c = (c + (data[k + 8] | (data[k + 9] << 8) | (data[k + 10] << 16) | (data[k + 11] << 24))) | 0;
    // mix(a, b, c)
    a = (a - c) | 0; a ^= rot(c, 4); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rot(a, 6); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rot(b, 8); b = (b + a) | 0;
    a = (a - c) | 0; a ^= rot(c, 16); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rot(a, 19); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rot(b, 4); b = (b + a) | 0;
    length -= 12;
    k += 12;
  }
  // The tail: bytes are added in the same little-endian lanes, high lanes first
  // (the fall-through switch of the reference code).
  switch (length) {
    case 12: c = (c + (data[k + 11] << 24)) | 0; // fallthrough
    case 11: c = (c + (data[k + 10] << 16)) | 0; // fallthrough
    case 10: c = (c + (data[k + 9] << 8)) | 0; // fallthrough
    case 9: c = (c + data[k + 8]) | 0; // fallthrough
    case 8: b = (b + (data[k + 7] << 24)) | 0; // fallthrough
    case 7: b = (b + (data[k + 6] << 16)) | 0; // fallthrough
    case 6: b = (b + (data[k + 5] << 8)) | 0; // fallthrough
    case 5: b = (b + data[k + 4]) | 0; // fallthrough
    case 4: a = (a + (data[k + 3] << 24)) | 0; // fallthrough
    case 3: a = (a + (data[k + 2] << 16)) | 0; // fallthrough
    case 2: a = (a + (data[k + 1] << 8)) | 0; // fallthrough
    case 1:
      a = (a + data[k]) | 0;
      break;
    case 0:
      return c >>> 0;
  }
  // final(a, b, c)
  c ^= b; c = (c - rot(b, 14)) | 0;
  a ^= c; a = (a - rot(c, 11)) | 0;
  b ^= a; b = (b - rot(a, 25)) | 0;
  c ^= b; c = (c - rot(b, 16)) | 0;
  a ^= c; a = (a - rot(c, 4)) | 0;
  b ^= a; b = (b - rot(a, 14)) | 0;
  c ^= b; c = (c - rot(b, 24)) | 0;
  return c >>> 0;
}

function rot(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Checksum policy of one open file. */
export interface ChecksumPolicy {
  /** Salvage mode: report nothing on mismatches (off by default). */
  readonly relaxChecksums?: boolean;
}

/**
 * Verify the lookup3 checksum stored little-endian at `storedAt` (default:
 * the last 4 bytes) over the bytes before it. A mismatch is an
 * H5ChecksumError naming the structure and its address.
 */
export function verifyChecksum(policy: ChecksumPolicy, bytes: Uint8Array, address: number, structure: string, storedAt = bytes.length - 4, covered?: Uint8Array): void {
  if (policy.relaxChecksums) return;
  const n = storedAt;
  const stored = (bytes[n] | (bytes[n + 1] << 8) | (bytes[n + 2] << 16) | (bytes[n + 3] << 24)) >>> 0;
  const computed = lookup3(covered ?? bytes.subarray(0, n));
  if (stored !== computed) {
    throw new H5ChecksumError(structure, address, `checksum mismatch (stored 0x${stored.toString(16).padStart(8, '0')}, computed 0x${computed.toString(16).padStart(8, '0')})`);
  }
}

/** The same check for the common layout: checksum in the last 4 bytes. */
export function verifyTrailingChecksum(policy: ChecksumPolicy, bytes: Uint8Array, address: number, structure: string): void {
  verifyChecksum(policy, bytes, address, structure);
}
