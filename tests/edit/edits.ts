import { compoundType, type EditableDataset, type EditableFile, type EditableGroup } from '../../src/index.js';

/**
 * The edit sequence the fault-injection and step-by-step tests run on the
 * gen_edit.py fixtures (same tree in both families). Each edit is what one
 * commit makes visible.
 */
export interface Edit {
  readonly name: string;
  readonly run: (f: EditableFile) => void;
  /** Paths whose h5py description the edit changes (checked by the step-by-step test). */
  readonly changes: readonly string[];
}

export const EDITS: readonly Edit[] = [
  {
    name: 'new attribute on the root',
    run: (f) => f.attrs.set('edited', 1),
    changes: ['/'],
  },
  {
    name: 'replace an attribute by one of another type and size, delete one (dense in latest)',
    run: (f) => {
      const g = f.get('attrs20') as EditableGroup;
      g.attrs.set('a05', 'now a much longer string than the integer it replaces');
      g.attrs.delete('a00');
    },
    changes: ['/attrs20'],
  },
  {
    name: 'add a chunked gzip dataset to the 1100-link group, delete a link of it',
    run: (f) => {
      f.createDataset('big/zz_new', { data: Float32Array.from({ length: 300 }, (_, i) => i / 3), chunks: [64], compression: 'gzip', shuffle: true, fletcher32: true });
      f.delete('big/s0000');
    },
    changes: ['/big', '/big/s0000', '/big/zz_new'],
  },
  {
    name: 'move a group between groups, add a soft link (compact 8 -> 7, dense 9 -> 11)',
    run: (f) => {
      f.move('/eight/g0', '/nine/moved');
      f.softLink('/nine/soft2', '/eight');
    },
    changes: ['/eight', '/eight/g0', '/nine', '/nine/moved', '/nine/soft2'],
  },
  {
    name: 'attribute on an object with two hard links (both parents copied)',
    run: (f) => f.get('shared/leaf').attrs.set('note2', new Int32Array([4, 5])),
    changes: ['/alias_leaf'],
  },
  {
    name: 'delete one of two hard links (the object is copied with reference count 1)',
    run: (f) => f.delete('alias_leaf'),
    changes: ['/', '/alias_leaf', '/shared/leaf'],
  },
  {
    name: 'new group and attributes in a track_order group (dense links and attributes, creation order)',
    run: (f) => {
      const o = f.get('ordered') as EditableGroup;
      o.createGroup('new_ordered', { trackOrder: true }).attrs.set('k', 'v');
      o.attrs.set('o3', 'replaced');
      o.attrs.set('added', 2.5);
    },
    changes: ['/ordered', '/ordered/new_ordered'],
  },
  {
    name: 'datasets of every kind in a new group; a hard link to an existing dataset',
    run: (f) => {
      const g = f.createGroup('made/here');
      g.createDataset('strings', { data: ['x', 'yy', 'ζζζ'] });
      g.createDataset('records', { data: [{ a: 1, b: 2.5 }], dtype: compoundType({ a: '<i4', b: '<f8' }) });
      const grow = g.createDataset('grow', { shape: [0, 3], maxshape: [null, 3], dtype: '<i2', chunks: [4, 3], compression: 'gzip' });
      grow.resize([5, 3]);
      grow.write(Int16Array.from({ length: 15 }, (_, i) => i - 7));
      g.createDataset('compact', { data: new Uint8Array([1, 2, 3]), layout: 'compact' });
      g.createDataset('filled', { shape: [4], dtype: '<f4', fillValue: -1 });
      const t = g.commitType('pair', compoundType({ p: '<u2', q: '<u2' }));
      g.createDataset('pairs', { data: [{ p: 1, q: 2 }], committedType: t });
      g.hardLink('contig_again', '/data/contig');
    },
    changes: ['/', '/made', '/made/here', '/made/here/compact', '/made/here/contig_again', '/made/here/filled', '/made/here/grow', '/made/here/pair', '/made/here/pairs', '/made/here/records', '/made/here/strings'],
  },
  {
    name: 'write into existing datasets: chunked and filtered (partial chunks), contiguous, compact',
    run: (f) => {
      (f.get('data/chunked') as EditableDataset).write(Float32Array.from({ length: 20 * 15 }, (_, i) => -i), [[10, 30], [5, 20]]);
      (f.get('data/contig') as EditableDataset).write(new Float64Array([7, 8]), [[3, 5]]);
      (f.get('data/compact') as EditableDataset).write(new Int16Array([-1, -2, -3, -4, -5, -6]));
    },
    changes: ['/data/chunked', '/data/compact', '/data/contig'],
  },
  {
    name: 'resize an existing resizable dataset, write the new part',
    run: (f) => {
      const g = f.get('data/growing') as EditableDataset;
      g.resize([150]);
      g.write(BigInt64Array.from({ length: 60 }, (_, i) => BigInt(-i)), [[90, 150]]);
    },
    changes: ['/data/growing'],
  },
  {
    name: 'delete six of eleven links (dense below min dense 6 becomes compact)',
    run: (f) => {
      for (const n of ['n1', 'n2', 'n3', 'n4', 'n5', 'n6']) f.delete(`nine/${n}`);
    },
    changes: ['/nine', '/nine/n1', '/nine/n2', '/nine/n3', '/nine/n4', '/nine/n5', '/nine/n6'],
  },
];
