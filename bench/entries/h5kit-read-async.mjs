// Read-only bench entry for a viewer that reads through openAsync (a URL or
// a Blob): the readers of rare structures are a separate chunk it fetches
// only when a file needs them (src/on-demand/).
import { openAsync } from '../../dist/read.js';

export async function readDataset(source, path, selection) {
  const file = await openAsync(source);
  return file.read(path, selection);
}
