import {
  arrayType,
  compoundType,
  enumType,
  fixedStringType,
  referenceType,
  vlenType,
  type WritableGroup,
} from '../../src/index.js';

/**
 * The feature sample both writer tests (tests/interop/h5py-write*.test.ts)
 * write into a new file of their format family: groups, every kind of
 * dataset, attributes, links and a committed type. Returns /data/raw.
 */
export function writeSample(f: WritableGroup): WritableGroup {
  f.attrs.set('title', 'written by h5kit');
  f.attrs.set('version', 3);
  f.attrs.set('counts', new Int32Array([1, 2, 3]));
  f.attrs.set('flags', [true, false]);
  f.attrs.set('ratio/percent', 0.5); // attribute names may hold "/" (only link names may not)
  const g = f.createGroup('/data/raw');
  g.createDataset('matrix', { data: Float64Array.from({ length: 12 }, (_, i) => i / 3), shape: [3, 4] });
  g.attrs.set('units', 'm/s');
  f.createDataset('ints', { data: [[1, -2], [3, -4]], dtype: '>i2' });
  f.createDataset('u8', { data: new Uint8Array([0, 255, 7]) });
  f.createDataset('half', { data: new Float32Array([0.5, -2, 65504]), dtype: '<f2' });
  f.createDataset('strings', { data: ['alpha', 'βeta', ''] });
  f.createDataset('fixed', { data: ['ab', 'abcd'], dtype: fixedStringType(4) });
  f.createDataset('scalar', { data: 2.25 });
  f.createDataset('bool', { data: [true, false, true] });
  f.createDataset('int64', { data: new BigInt64Array([1n, -(2n ** 63n), 2n ** 63n - 1n]) });
  f.createDataset('complex', { data: [{ r: 1, i: -1 }, { r: 0.5, i: 2 }], dtype: 'c16' });
  f.createDataset('record', { data: [{ id: 1, pos: new Float32Array([1, 2, 3]) }], dtype: compoundType({ id: '<u4', pos: arrayType('<f4', [3]) }) });
  f.createDataset('color', { data: new Uint8Array([0, 2, 1]), dtype: enumType('u1', { RED: 0, GREEN: 1, BLUE: 2 }) });
  f.createDataset('ragged', { data: [new Int32Array([1]), new Int32Array([2, 3, 4]), new Int32Array([])], dtype: vlenType('<i4') });
  f.createDataset('nothing', { shape: null, dtype: '<f8' });
  f.createDataset('zero', { shape: [0, 3], dtype: '<i4' });
  f.createDataset('compact', { data: new Int16Array([5, 6, 7]), layout: 'compact' });
  const c = f.createDataset('chunked', { shape: [40, 30], dtype: '<f4', chunks: [8, 7], compression: 'gzip', shuffle: true, fletcher32: true, fillValue: -1 });
  c.write(Float32Array.from({ length: 20 * 10 }, (_, i) => i), [[5, 25], [3, 13]]);
  c.write(new Float32Array([42, 43]), [[0, 2], 29]);
  const grow = f.createDataset('growing', { shape: [0], maxshape: [null], dtype: '<i8', chunks: [16] });
  grow.resize([50]);
  grow.write(BigInt64Array.from({ length: 50 }, (_, i) => BigInt(i * i)));
  f.createDataset('lzf', { data: Float64Array.from({ length: 500 }, (_, i) => Math.sin(i)), chunks: [100], compression: 'lzf' });
  f.createDataset('contig_partial', { shape: [6], dtype: '<i4', fillValue: 9 }).write(new Int32Array([1, 2]), [[2, 4]]);
  const t = f.commitType('types/point', compoundType({ x: '<f8', y: '<f8' }));
  f.createDataset('points', { data: [{ x: 1, y: 2 }], committedType: t });
  f.softLink('shortcut', '/data/raw/matrix');
  f.softLink('dangling', '/nowhere');
  f.hardLink('alias', g);
  const many = f.createGroup('many');
  for (let i = 0; i < 150; i++) many.createDataset(`item${String(i).padStart(3, '0')}`, { data: i });
  writeReferences(f);
  writeNewStyleGroups(f);
  return g;
}

/**
 * Groups a symbol table cannot be (in the classic family libhdf5 makes them
 * new-style, in a version 1 header, or 2 when attribute creation order is
 * tracked): link creation order tracked, with attributes in creation order;
 * external links, compact and (past 8 links) dense.
 */
function writeNewStyleGroups(f: WritableGroup): void {
  const ordered = f.createGroup('ordered', { trackOrder: true });
  for (const name of ['zeta', 'alpha', 'mu']) ordered.createGroup(name);
  ordered.attrs.set('z', 1);
  ordered.attrs.set('a', 'two');
  const ext = f.createGroup('external');
  ext.externalLink('far', 'other.h5', '/x');
  ext.createGroup('near').attrs.set('n', 1);
  ext.softLink('soft', '/ordered');
  ext.attrs.set('kind', 'links');
  const many = f.createGroup('external_many');
  for (let i = 0; i < 12; i++) many.externalLink(`e${11 - i}`, 'other.h5', `/y/${i}`);
  many.createGroup('g');
}

/**
 * References to objects of the file being written (their addresses are
 * known only at close): handles, absolute paths (one to a group created
 * after the write), the root, chunked and filtered data written in parts
 * around a resize, a reference fill value, compound members, region
 * references of every selection kind, and attributes holding both.
 */
function writeReferences(f: WritableGroup): void {
  const matrix = f.get('/data/raw/matrix');
  const point = f.get('/types/point');
  const refs = f.createGroup('refs');
  refs.createDataset('objects', { data: [matrix, point, '/data', '/refs/later', f, null], dtype: referenceType() });
  const chunked = refs.createDataset('chunked', { shape: [5], maxshape: [null], dtype: referenceType(), chunks: [2], compression: 'gzip', fillValue: '/data/raw' });
  chunked.write([matrix, matrix], [[0, 2]]);
  chunked.resize([3]);
  chunked.resize([9]);
  chunked.write(['/many/item007'], [[7, 8]]);
  refs.createDataset('records', { data: [{ id: 1, target: matrix }, { id: 2, target: null }], dtype: compoundType({ id: '<i4', target: referenceType() }) });
  refs.createDataset('regions', {
    data: [
      { target: matrix, selection: { type: 'hyperslab', blocks: [[[0, 1], [1, 2]], [[2, 0], [2, 3]]] } },
      { target: '/data/raw/matrix', selection: { type: 'points', points: [[0, 0], [2, 3], [1, 1]] } },
      { target: matrix, selection: { type: 'all' } },
      { target: matrix, selection: { type: 'none' } },
      null,
    ],
    dtype: referenceType('region'),
  });
  refs.attrs.set('object', [refs, '/data/raw'], referenceType());
  refs.attrs.set('region', { target: matrix, selection: { type: 'points', points: [[1, 2]] } }, referenceType('region'));
  refs.createGroup('later');
}
