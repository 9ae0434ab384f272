// Read-only bench entry: what a viewer needs (open bytes in memory and read a
// dataset), from h5kit's read-only entry point 'h5kit/read'.
import { open, Dataset } from '../../dist/read.js';

export function readDataset(bytes, path, selection) {
  const obj = open(bytes).get(path);
  if (!(obj instanceof Dataset)) throw new Error(`${path} is not a dataset`);
  return obj.read(selection);
}
