import { mean as ssMean, sampleVariance } from 'simple-statistics';
import { requireFiniteNumbers, StatsInputError } from './errors.js';

/** Arithmetic mean. */
export function mean(values: readonly number[]): number {
  requireFiniteNumbers('mean', 'values', values, 1);
  return ssMean(values as number[]);
}

/** Sample variance (denominator n − 1), as R's var(). */
export function variance(values: readonly number[]): number {
  requireFiniteNumbers('variance', 'values', values, 2);
  return sampleVariance(values as number[]);
}

/** Sample standard deviation (denominator n − 1), as R's sd(). */
export function sd(values: readonly number[]): number {
  requireFiniteNumbers('sd', 'values', values, 2);
  return Math.sqrt(sampleVariance(values as number[]));
}

/** Standard error of the mean, sd / √n. */
export function se(values: readonly number[]): number {
  requireFiniteNumbers('se', 'values', values, 2);
  return Math.sqrt(sampleVariance(values as number[]) / values.length);
}

/** Quantile by linear interpolation between order statistics (R's quantile type 7, its default) of an ascending array. */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 1)) throw new StatsInputError(`quantile: p must be in [0, 1], got ${String(p)}`);
  const n = sorted.length;
  if (n === 0) throw new StatsInputError('quantile: needs at least 1 value, got 0');
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** Quantile, R's quantile(type = 7). */
export function quantile(values: readonly number[], p: number): number {
  requireFiniteNumbers('quantile', 'values', values, 1);
  return quantileSorted(
    [...values].sort((a, b) => a - b),
    p,
  );
}

export function median(values: readonly number[]): number {
  requireFiniteNumbers('median', 'values', values, 1);
  return quantile(values, 0.5);
}

export interface Summary {
  n: number;
  mean: number;
  /** NaN when n = 1. */
  sd: number;
  /** NaN when n = 1. */
  se: number;
  min: number;
  median: number;
  max: number;
}

/** n, mean, SD, SE, min, median, max of a sample; SD and SE are NaN for a single value. */
export function summarize(values: readonly number[]): Summary {
  requireFiniteNumbers('summarize', 'values', values, 1);
  const n = values.length;
  const sorted = [...values].sort((a, b) => a - b);
  const s = n > 1 ? Math.sqrt(sampleVariance(values as number[])) : NaN;
  return {
    n,
    mean: ssMean(values as number[]),
    sd: s,
    se: s / Math.sqrt(n),
    min: sorted[0],
    median: quantileSorted(sorted, 0.5),
    max: sorted[n - 1],
  };
}
