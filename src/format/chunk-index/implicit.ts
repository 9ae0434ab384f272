/**
 * Implicit chunk index (spec IV.A.2.i, layout v4 index type 2): no index
 * structure at all. libhdf5 uses it for fixed-size datasets allocated early
 * without filters: every chunk of the grid of *maximum* dimensions is
 * allocated, contiguously and in row-major grid order, from the layout's
 * address (H5Dnone.c: address + linear index × chunk bytes).
 */
export function implicitChunkAddress(baseAddress: number, linearIndex: number, chunkBytes: number): number {
  return baseAddress + linearIndex * chunkBytes;
}
