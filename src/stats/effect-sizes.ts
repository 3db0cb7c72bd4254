import { mean as ssMean, sampleStandardDeviation } from 'simple-statistics';
import { requireFiniteNumbers, requireSameLength } from './errors.js';
import { averageRanks } from './ranks.js';

function differences(where: string, x: readonly number[], y: readonly number[], minLength: number): number[] {
  requireFiniteNumbers(where, 'x', x, minLength);
  requireFiniteNumbers(where, 'y', y, minLength);
  requireSameLength(where, 'x', x, 'y', y);
  return x.map((xi, i) => xi - y[i]);
}

/**
 * Cohen's d_z for paired data: mean(x − y) / sd(x − y).
 * Constant differences give ±Infinity (or 0 when they are all zero).
 */
export function cohensDz(x: readonly number[], y: readonly number[]): number {
  const d = differences('cohensDz', x, y, 2);
  const m = ssMean(d);
  const s = sampleStandardDeviation(d);
  if (s === 0) return m === 0 ? 0 : m > 0 ? Infinity : -Infinity;
  return m / s;
}

/**
 * Matched-pairs rank-biserial correlation r = (T+ − T−) / (T+ + T−), with T± the sums of the ranks
 * of |x − y| over positive and negative differences; zero differences are dropped (as in the
 * Wilcoxon test). In [−1, 1]; 0 when every difference is zero.
 */
export function rankBiserial(x: readonly number[], y: readonly number[]): number {
  const d = differences('rankBiserial', x, y, 1).filter((v) => v !== 0);
  if (d.length === 0) return 0;
  const ranks = averageRanks(d.map(Math.abs));
  let plus = 0;
  let minus = 0;
  for (let i = 0; i < d.length; i++) {
    if (d[i] > 0) plus += ranks[i];
    else minus += ranks[i];
  }
  return (plus - minus) / (plus + minus);
}
