/**
 * Null distribution of Spearman's S = Σ (rank(x) − rank(y))² for n untied pairs, as R's
 * cor.test(method = "spearman") evaluates it (algorithm AS 89, Best & Roberts 1975):
 * exact enumeration of all n! permutations for n ≤ 9, an Edgeworth series beyond.
 */
import { pnorm } from './normal-distribution.js';

export const SPEARMAN_EXACT_MAX_N = 9;

const countsCache = new Map<number, Float64Array>();

/** counts[s] = number of permutations π of 1..n with Σ (i − π(i))² = s (Heap's algorithm). */
export function spearmanExactCounts(n: number): Float64Array {
  if (!Number.isInteger(n) || n < 1 || n > SPEARMAN_EXACT_MAX_N) {
    throw new RangeError(`spearmanExactCounts: n must be an integer in [1, ${SPEARMAN_EXACT_MAX_N}], got ${n}`);
  }
  const cached = countsCache.get(n);
  if (cached) return cached;
  const max = (n * n * n - n) / 3;
  const counts = new Float64Array(max + 1);
  const perm = Array.from({ length: n }, (_, i) => i);
  const sumSquares = (): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (i - perm[i]) * (i - perm[i]);
    return s;
  };
  counts[sumSquares()]++;
  const c = new Array<number>(n).fill(0);
  let i = 1;
  while (i < n) {
    if (c[i] < i) {
      const j = i % 2 === 0 ? 0 : c[i];
      const tmp = perm[j];
      perm[j] = perm[i];
      perm[i] = tmp;
      counts[sumSquares()]++;
      c[i]++;
      i = 1;
    } else {
      c[i] = 0;
      i++;
    }
  }
  countsCache.set(n, counts);
  return counts;
}

/**
 * P(S ≥ is) (upper) or P(S < is) (lower) for n ≥ 2 untied pairs: R's prho().
 * Exact for n ≤ 9; otherwise the AS 89 Edgeworth series (coefficients from the paper), clamped to [0, 1].
 */
export function spearmanTail(is: number, n: number, lower: boolean): number {
  if (!(Number.isInteger(n) && n >= 2)) throw new RangeError(`spearmanTail: n must be an integer ≥ 2, got ${n}`);
  const initial = lower ? 0 : 1;
  if (is <= 0) return initial;
  const maxS = (n * (n * n - 1)) / 3;
  if (is > maxS) return 1 - initial;
  if (n <= SPEARMAN_EXACT_MAX_N) {
    const counts = spearmanExactCounts(n);
    let total = 0;
    let atLeast = 0;
    for (let s = 0; s < counts.length; s++) {
      total += counts[s];
      if (s >= is) atLeast += counts[s];
    }
    return (lower ? total - atLeast : atLeast) / total;
  }
  const b = 1 / n;
  const x = ((6 * (is - 1) * b) / (n * n - 1) - 1) * Math.sqrt(n - 1);
  let y = x * x;
  const u =
    x *
    b *
    (0.2274 +
      b * (0.2531 + 0.1745 * b) +
      y * (-0.0758 + b * (0.1033 + 0.3932 * b) - y * b * (0.0879 + 0.0151 * b - y * (0.0072 - 0.0831 * b + y * b * (0.0131 - 4.6e-4 * y)))));
  y = u / Math.exp(y / 2);
  const p = (lower ? -y : y) + pnorm(x, lower);
  return Math.min(1, Math.max(0, p));
}
