/**
 * Correctly rounded sum of doubles (Shewchuk's exact partials, the algorithm
 * behind Python's math.fsum), so summaries match h5py's references exactly.
 */
export function fsum(values: ArrayLike<number>): number {
  const partials: number[] = [];
  let special = 0;
  let infSum = 0;
  for (let i = 0; i < values.length; i++) {
    let x = values[i];
    if (!Number.isFinite(x)) {
      if (Number.isNaN(x)) special = NaN;
      else infSum += x;
      continue;
    }
    let k = 0;
    for (let j = 0; j < partials.length; j++) {
      let y = partials[j];
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) partials[k++] = lo;
      x = hi;
    }
    partials.length = k;
    partials.push(x);
  }
  if (Number.isNaN(special) || Number.isNaN(infSum)) return NaN;
  if (infSum !== 0) return infSum;
  // Round the partials to one double, with the half-way correction of msum.
  let n = partials.length;
  if (n === 0) return 0;
  let hi = partials[--n];
  let lo = 0;
  while (n > 0) {
    const x = hi;
    const y = partials[--n];
    hi = x + y;
    const yr = hi - x;
    lo = y - yr;
    if (lo !== 0) break;
  }
  if (n > 0 && ((lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0))) {
    const y = lo * 2;
    const x = hi + y;
    const yr = x - hi;
    if (y === yr) hi = x;
  }
  return hi;
}
