// jsfive (read-only, pure JS): it parses an ArrayBuffer of the whole file, so
// reading the file into memory is part of every timed read. Numeric data
// come back as plain JS Arrays; it has no partial reads (W7 decodes the whole
// dataset and slices it in JS).
import { readFileSync } from 'node:fs';
import * as hdf5 from 'jsfive';
import { W7_SIDE, W7_SLICE } from '../lib/config.mjs';
import { sha1, sum, walkCheck } from '../lib/data.mjs';

export const name = 'jsfive';

const openPath = (path) => {
  const b = readFileSync(path);
  const ab = b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b.buffer : b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  return new hdf5.File(ab, path);
};

const typedCheck = (Ctor) => (a) => {
  const t = Ctor.from(a);
  return { n: t.length, sum: sum(t), sha1: sha1(t) };
};

export const workloads = {
  W2: { run: (_, { path }) => openPath(path).get('data').value, check: typedCheck(Float64Array) },
  W4: { run: (_, { path }) => openPath(path).get('data').value, check: typedCheck(Float32Array) },
  W4s: { run: (_, { path }) => openPath(path).get('data').value, check: typedCheck(Float32Array) },
  W6: {
    run: (_, { path }) => {
      const f = openPath(path);
      const items = [];
      for (const gname of f.keys) {
        const g = f.get(gname);
        for (const dname of g.keys) {
          const d = g.get(dname);
          const attrs = d.attrs;
          items.push([d.value, attrs.index, attrs.name]);
        }
      }
      return items;
    },
    check: walkCheck,
  },
  W7: {
    run: (_, { path }) => {
      const all = openPath(path).get('data').value;
      const [[r0, r1], [c0, c1]] = W7_SLICE;
      const out = new Float32Array((r1 - r0) * (c1 - c0));
      let o = 0;
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out[o++] = all[r * W7_SIDE + c];
      return out;
    },
    check: typedCheck(Float32Array),
  },
  W8: {
    run: (_, { path }) => {
      const k = openPath(path).keys;
      return { keys: k.length, first: k[0], last: k[k.length - 1] };
    },
  },
};
