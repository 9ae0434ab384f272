// h5kit (its Node build, dist/node/index.js) for every workload. Each workload has an
// untimed prepare() (load inputs), a timed run() and an untimed check() of
// what run() returned (sums and hashes the harness compares across tools).
import { W3_CHUNK, W7_SLICE } from '../lib/config.mjs';
import { arrayCheck, loadF32, loadF64, w5Data, w5Names, walkCheck } from '../lib/data.mjs';
import { h5kitUrl } from '../lib/h5kit-dist.mjs';

const { createFile, openFile } = await import(h5kitUrl('node/index.js'));

export const name = 'h5kit';

const writeOne = (data, path, opts) => {
  const f = createFile(path);
  f.createDataset('data', { data, ...opts });
  f.close();
  return { path };
};

const readAll = (path) => {
  const f = openFile(path);
  const a = f.get('data').read();
  f.close();
  return a;
};


export const workloads = {
  W1: {
    prepare: ({ n }) => loadF64(n),
    run: (data, { path }) => writeOne(data, path, {}),
  },
  W2: { run: (_, { path }) => readAll(path), check: arrayCheck },
  W3: {
    prepare: ({ n }) => loadF32(n),
    run: (data, { path }) => writeOne(data, path, { chunks: [Math.min(W3_CHUNK, data.length)], compression: 'gzip', compressionOpts: 4 }),
  },
  W3s: {
    prepare: ({ n }) => loadF32(n),
    run: (data, { path }) => writeOne(data, path, { chunks: [Math.min(W3_CHUNK, data.length)], compression: 'gzip', compressionOpts: 4, shuffle: true }),
  },
  W4: { run: (_, { path }) => readAll(path), check: arrayCheck },
  W4s: { run: (_, { path }) => readAll(path), check: arrayCheck },
  W5: {
    prepare: ({ groups, per }) => w5Names(groups, per).map((g) => ({ ...g, ds: g.ds.map((d) => ({ ...d, data: w5Data(d.k) })) })),
    run: (layout, { path }) => {
      const f = createFile(path);
      for (const g of layout) {
        const grp = f.createGroup(g.name);
        for (const d of g.ds) {
          const ds = grp.createDataset(d.name, { data: d.data });
          ds.attrs.set('name', d.label);
          ds.attrs.set('index', d.k, '<i8');
        }
      }
      f.close();
      return { path };
    },
  },
  W6: {
    run: (_, { path }) => {
      const f = openFile(path);
      const items = [];
      for (const gname of f.keys()) {
        const g = f.get(gname);
        for (const dname of g.keys()) {
          const d = g.get(dname);
          items.push([d.read(), d.attrs.get('index'), d.attrs.get('name')]);
        }
      }
      f.close();
      return items;
    },
    check: walkCheck,
  },
  W7: {
    run: (_, { path }) => {
      const f = openFile(path);
      const a = f.get('data').read(W7_SLICE);
      f.close();
      return a;
    },
    check: arrayCheck,
  },
  W8: {
    run: (_, { path }) => {
      const f = openFile(path);
      const k = f.keys();
      f.close();
      return { keys: k.length, first: k[0], last: k[k.length - 1] };
    },
  },
};
