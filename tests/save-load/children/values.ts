/**
 * The value the saver child writes at `<prefix>/k<i>`: a deterministic
 * array (large enough to be chunked and compressed) and the key as a string.
 * check_saves.py computes the same values on the Python side.
 */
export function keyValue(prefix: string, i: number): { data: Float64Array; name: string } {
  const data = new Float64Array(4096);
  for (let j = 0; j < data.length; j++) data[j] = i * 10_000 + j;
  return { data, name: `${prefix}/k${i}` };
}
