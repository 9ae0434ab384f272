// h5wasm's Node build (`h5wasm/node`: libhdf5 compiled to WASM with NODERAWFS,
// so paths are host paths).
import h5wasm from 'h5wasm/node';
import { W3_CHUNK, W7_SLICE } from '../lib/config.mjs';
import { arrayCheck, loadF32, loadF64, w5Data, w5Names, walkCheck } from '../lib/data.mjs';

await h5wasm.ready;

export const name = 'h5wasm';

const writeOne = (data, path, opts) => {
  const f = new h5wasm.File(path, 'w');
  f.create_dataset({ name: 'data', data, ...opts });
  f.close();
  return { path };
};

const readAll = (path) => {
  const f = new h5wasm.File(path, 'r');
  const a = f.get('data').value;
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
    run: (data, { path }) => writeOne(data, path, { chunks: [Math.min(W3_CHUNK, data.length)], compression: 'gzip', compression_opts: 4 }),
  },
  // W3s: h5wasm's create_dataset takes a single filter, so gzip + shuffle cannot be written.
  W4: { run: (_, { path }) => readAll(path), check: arrayCheck },
  W4s: { run: (_, { path }) => readAll(path), check: arrayCheck },
  W5: {
    prepare: ({ groups, per }) => w5Names(groups, per).map((g) => ({ ...g, ds: g.ds.map((d) => ({ ...d, data: w5Data(d.k) })) })),
    run: (layout, { path }) => {
      const f = new h5wasm.File(path, 'w');
      for (const g of layout) {
        const grp = f.create_group(g.name);
        for (const d of g.ds) {
          const ds = grp.create_dataset({ name: d.name, data: d.data });
          ds.create_attribute('name', d.label);
          ds.create_attribute('index', BigInt64Array.of(BigInt(d.k)), [], '<q');
        }
      }
      f.close();
      return { path };
    },
  },
  W6: {
    run: (_, { path }) => {
      const f = new h5wasm.File(path, 'r');
      const items = [];
      for (const gname of f.keys()) {
        const g = f.get(gname);
        for (const dname of g.keys()) {
          const d = g.get(dname);
          items.push([d.value, d.get_attribute('index', false), d.get_attribute('name', false)]);
        }
      }
      f.close();
      return items;
    },
    check: walkCheck,
  },
  W7: {
    run: (_, { path }) => {
      const f = new h5wasm.File(path, 'r');
      const a = f.get('data').slice(W7_SLICE);
      f.close();
      return a;
    },
    check: arrayCheck,
  },
  W8: {
    run: (_, { path }) => {
      const f = new h5wasm.File(path, 'r');
      const k = f.keys();
      f.close();
      return { keys: k.length, first: k[0], last: k[k.length - 1] };
    },
  },
};
