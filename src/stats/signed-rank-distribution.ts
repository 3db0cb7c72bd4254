/**
 * Exact null distribution of the Wilcoxon signed-rank statistic V (sum of the ranks of the positive
 * differences among n untied, non-zero differences): every subset of {1..n} is equally likely.
 */

const countsCache = new Map<number, Float64Array>();
const MAX_N = 1000;

/** counts[k] = number of subsets of {1, …, n} whose sum is k; exact as doubles while n ≤ 52. */
export function signedRankCounts(n: number): Float64Array {
  if (!Number.isInteger(n) || n < 0 || n > MAX_N) {
    throw new RangeError(`signedRankCounts: n must be an integer in [0, ${MAX_N}], got ${n}`);
  }
  const cached = countsCache.get(n);
  if (cached) return cached;
  const max = (n * (n + 1)) / 2;
  const counts = new Float64Array(max + 1);
  counts[0] = 1;
  for (let k = 1; k <= n; k++) {
    const top = (k * (k + 1)) / 2;
    for (let s = top; s >= k; s--) counts[s] += counts[s - k];
  }
  countsCache.set(n, counts);
  return counts;
}

/**
 * P(V ≤ q) (lowerTail) or P(V > q) for n untied non-zero differences, as R's psignrank:
 * q is rounded to the nearest integer after adding 1e-7, and the smaller tail is summed directly.
 */
export function psignrank(q: number, n: number, lowerTail = true): number {
  if (Number.isNaN(q)) return NaN;
  const max = (n * (n + 1)) / 2;
  const x = Math.round(q + 1e-7);
  if (x < 0) return lowerTail ? 0 : 1;
  if (x >= max) return lowerTail ? 1 : 0;
  const counts = signedRankCounts(n);
  const total = 2 ** n;
  let sum = 0;
  if (x <= max / 2) {
    for (let i = 0; i <= x; i++) sum += counts[i];
    const p = sum / total;
    return lowerTail ? p : 0.5 - p + 0.5;
  }
  // P(V > x) = P(V < max − x) by symmetry
  for (let i = 0; i < max - x; i++) sum += counts[i];
  const p = sum / total;
  return lowerTail ? 0.5 - p + 0.5 : p;
}
