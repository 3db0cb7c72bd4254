import { requireFiniteNumbers, requireSameLength, StatsInputError } from './errors.js';
import { pnorm } from './normal-distribution.js';
import { type Alternative, resolveAlternative, type TestResult } from './types.js';

export interface KendallOptions {
  alternative?: Alternative;
  /** As R's `exact` (default: n < 50): the exact null distribution, used only when there are no ties. */
  exact?: boolean;
  /** As R's `continuity` (default false): continuity correction of the normal approximation. */
  continuity?: boolean;
}

export interface KendallResult extends TestResult {
  /** "T" (exact: concordant pairs) or "z" (normal approximation), as R names it. */
  statisticName: 'T' | 'z';
  /** Kendall's τ-b. */
  estimate: number;
  tau: number;
  ties: boolean;
  /** Set when an exact p-value was asked for but ties forced the normal approximation, as R warns. */
  warning?: string;
}

/** Kendall's τ-b: Σ sign(xi − xj)·sign(yi − yj) over pairs, scaled by the pairs untied in x and in y (R's cor(method = "kendall")). */
export function kendallTauB(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  let untiedX = 0;
  let untiedY = 0;
  const n = x.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const sx = Math.sign(x[i] - x[j]);
      const sy = Math.sign(y[i] - y[j]);
      s += sx * sy;
      untiedX += sx * sx;
      untiedY += sy * sy;
    }
  }
  return s / Math.sqrt(untiedX * untiedY);
}

/** Number of permutations of n with k inversions (the Mahonian numbers), for k = 0 … n(n − 1)/2, as doubles. */
function inversionCounts(n: number): Float64Array {
  let row = new Float64Array([1]);
  for (let m = 2; m <= n; m++) {
    const next = new Float64Array((m * (m - 1)) / 2 + 1);
    for (let k = 0; k < next.length; k++) {
      let s = 0;
      for (let i = 0; i < m && i <= k; i++) if (k - i < row.length) s += row[k - i];
      next[k] = s;
    }
    row = next;
  }
  return row;
}

/** P(T ≤ q) under independence for n observations without ties (R's C_pKendall). */
export function pkendall(q: number, n: number): number {
  const max = (n * (n - 1)) / 2;
  const k = Math.floor(q + 1e-7);
  if (k < 0) return 0;
  if (k > max) return 1;
  const counts = inversionCounts(n);
  let p = 0;
  for (let j = 0; j <= k; j++) p += counts[j];
  let factorial = 1;
  for (let m = 2; m <= n; m++) factorial *= m;
  return p / factorial;
}

function tieGroupSizes(values: ArrayLike<number>): number[] {
  const counts = new Map<number, number>();
  for (let i = 0; i < values.length; i++) counts.set(values[i], (counts.get(values[i]) ?? 0) + 1);
  return [...counts.values()].filter((c) => c > 1);
}

const sumOf = (ts: number[], f: (t: number) => number) => ts.reduce((s, t) => s + f(t), 0);

/**
 * Kendall's rank correlation test with the semantics of R's cor.test(x, y, method = "kendall"): τ-b as the
 * estimate; the exact null distribution of the concordant-pair count T when n < 50 and neither variable has ties;
 * otherwise the normal approximation of S with the variance corrected for ties in both variables.
 */
export function kendall(x: readonly number[], y: readonly number[], options: KendallOptions = {}): KendallResult {
  const where = 'kendall';
  requireFiniteNumbers(where, 'x', x, 2);
  requireFiniteNumbers(where, 'y', y, 2);
  requireSameLength(where, 'x', x, 'y', y);
  const alternative = resolveAlternative(where, options.alternative);
  const n = x.length;
  const tau = kendallTauB(x, y);
  if (!Number.isFinite(tau)) throw new StatsInputError(`${where}: ${new Set(x).size === 1 ? 'x' : 'y'} is constant; Kendall's tau is undefined`);
  const ties = Math.min(new Set(x).size, new Set(y).size) < n;
  const exact = options.exact ?? n < 50;
  const base = { method: "Kendall's rank correlation tau", alternative, n, estimate: tau, tau, ties, mu: 0 };

  if (exact && !ties) {
    const q = Math.round(((tau + 1) * n * (n - 1)) / 4);
    const upper = 1 - pkendall(q - 1, n);
    const lower = pkendall(q, n);
    const two = Math.min(2 * (q > (n * (n - 1)) / 4 ? upper : lower), 1);
    const pValues = { 'two.sided': two, greater: upper, less: lower };
    return { ...base, statisticName: 'T', statistic: q, p: pValues[alternative], pValues, exact: true };
  }
  const xt = tieGroupSizes(x);
  const yt = tieGroupSizes(y);
  const t0 = (n * (n - 1)) / 2;
  const t1 = sumOf(xt, (t) => t * (t - 1)) / 2;
  const t2 = sumOf(yt, (t) => t * (t - 1)) / 2;
  let s = tau * Math.sqrt((t0 - t1) * (t0 - t2));
  const v0 = n * (n - 1) * (2 * n + 5);
  const vt = sumOf(xt, (t) => t * (t - 1) * (2 * t + 5));
  const vu = sumOf(yt, (t) => t * (t - 1) * (2 * t + 5));
  const v1 = sumOf(xt, (t) => t * (t - 1)) * sumOf(yt, (t) => t * (t - 1));
  const v2 = sumOf(xt, (t) => t * (t - 1) * (t - 2)) * sumOf(yt, (t) => t * (t - 1) * (t - 2));
  const varS = (v0 - vt - vu) / 18 + v1 / (2 * n * (n - 1)) + v2 / (9 * n * (n - 1) * (n - 2));
  if (options.continuity) s = Math.sign(s) * (Math.abs(s) - 1);
  const z = s / Math.sqrt(varS);
  const pValues = { 'two.sided': 2 * Math.min(pnorm(z), pnorm(z, false)), greater: pnorm(z, false), less: pnorm(z) };
  return {
    ...base,
    statisticName: 'z',
    statistic: z,
    p: pValues[alternative],
    pValues,
    exact: false,
    ...(exact && ties ? { warning: 'Cannot compute exact p-value with ties' } : {}),
  };
}
