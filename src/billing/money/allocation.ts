import { Dec } from './rounding';

/**
 * Splits `total` whole minor units across weights by largest remainder: each share is the floor of
 * its exact pro-rata part, and the units left over go to the largest fractional parts. Ties are
 * broken by `keys` (a content key per item) and only then by position, so the result does not
 * depend on the order of the items and never loses or invents a unit.
 */
export function allocate(total: number, weights: Dec[] | number[], keys?: string[]): number[] {
  const w = weights.map((x) => new Dec(x));
  if (w.some((x) => x.isNegative())) throw new RangeError('weights must be non-negative');
  if (total === 0 || w.length === 0) return w.map(() => 0);
  const sum = w.reduce((a, b) => a.plus(b), new Dec(0));
  if (sum.isZero()) {
    // Nothing to weigh by: split evenly (still largest remainder) so no unit is lost.
    return allocate(
      total,
      w.map(() => 1),
      keys,
    );
  }
  const exact = w.map((x) => x.times(total).div(sum));
  return distribute(total, exact, keys);
}

/**
 * Rounds exact non-negative parts to integers whose sum is `total`, which must lie between the sum
 * of the floors and the sum of the ceilings.
 */
export function distribute(total: number, exact: Dec[], keys?: string[]): number[] {
  const floors = exact.map((x) => x.floor());
  const shares = floors.map((f) => f.toNumber());
  let left = total - shares.reduce((a, b) => a + b, 0);
  if (left < 0 || left > exact.length) throw new RangeError('cannot distribute: total out of range');
  const order = exact
    .map((x, i) => ({ i, frac: x.minus(floors[i]), weight: x, key: keys?.[i] ?? '' }))
    .sort(
      (a, b) => b.frac.comparedTo(a.frac) || b.weight.comparedTo(a.weight) || cmp(a.key, b.key) || a.i - b.i,
    );
  for (const o of order) {
    if (left <= 0) break;
    shares[o.i] += 1;
    left -= 1;
  }
  return shares;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
