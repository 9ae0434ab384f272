// Read-only bench entry: open bytes in memory and read a dataset (what a
// viewer needs), nothing else from h5kit.
import { open, Dataset } from '../../dist/index.js';

export function readDataset(bytes, path, selection) {
  const obj = open(bytes).get(path);
  if (!(obj instanceof Dataset)) throw new Error(`${path} is not a dataset`);
  return obj.read(selection);
}
