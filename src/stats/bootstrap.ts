import { mean as ssMean } from 'simple-statistics';
import { quantileSorted } from './descriptives.js';
import { requireFiniteNumbers, requireLevel, requirePositiveInteger, requireSameLength, StatsInputError } from './errors.js';
import { createRng, type Seed } from './random.js';

export interface BootstrapOptions {
  /** Bootstrap replicates. Default 2000. */
  reps?: number;
  /** Confidence level of the percentile interval. Default 0.95. */
  level?: number;
  /** Seed of the resampling stream. Default 1. */
  seed?: Seed;
}

export interface BootstrapCI {
  /** The statistic on the original data. */
  estimate: number;
  /** Percentile interval bounds (R quantile type 7 of the replicates). */
  low: number;
  high: number;
  /** Standard deviation of the replicates. */
  se: number;
  level: number;
  reps: number;
  /** Number of resampling units (clusters, or observations for the plain bootstrap). */
  units: number;
  /** Replicates whose statistic was not finite and was left out (e.g. a slope on a resample with one x level). */
  dropped: number;
}

interface Resolved {
  reps: number;
  level: number;
  seed: Seed;
}

function resolve(where: string, options: BootstrapOptions): Resolved {
  const reps = options.reps ?? 2000;
  requirePositiveInteger(where, 'reps', reps);
  const level = options.level ?? 0.95;
  requireLevel(where, 'level', level);
  return { reps, level, seed: options.seed ?? 1 };
}

function summarise(where: string, estimate: number, replicates: number[], dropped: number, units: number, o: Resolved): BootstrapCI {
  if (replicates.length < 2) {
    throw new StatsInputError(`${where}: fewer than 2 of ${o.reps} bootstrap replicates gave a finite statistic`);
  }
  replicates.sort((a, b) => a - b);
  const alpha = 1 - o.level;
  const m = ssMean(replicates);
  let ss = 0;
  for (const r of replicates) ss += (r - m) * (r - m);
  return {
    estimate,
    low: quantileSorted(replicates, alpha / 2),
    high: quantileSorted(replicates, 1 - alpha / 2),
    se: Math.sqrt(ss / (replicates.length - 1)),
    level: o.level,
    reps: o.reps,
    units,
    dropped,
  };
}

/** Groups item indices by cluster label, in order of first appearance. */
function groupByCluster(where: string, clusters: readonly string[]): number[][] {
  const groups = new Map<string, number[]>();
  clusters.forEach((label, i) => {
    if (typeof label !== 'string') throw new StatsInputError(`${where}: clusters[${i}] must be a string, got ${String(label)}`);
    const group = groups.get(label);
    if (group) group.push(i);
    else groups.set(label, [i]);
  });
  return [...groups.values()];
}

/**
 * Cluster bootstrap of any statistic: resamples whole clusters (e.g. prompts) with replacement,
 * pools their items and applies `statistic`; percentile confidence interval.
 */
export function clusterBootstrap<T>(
  items: readonly T[],
  clusters: readonly string[],
  statistic: (sample: T[]) => number,
  options: BootstrapOptions = {},
): BootstrapCI {
  const where = 'clusterBootstrap';
  requireSameLength(where, 'items', items, 'clusters', clusters);
  if (items.length === 0) throw new StatsInputError(`${where}: needs at least 1 item`);
  const o = resolve(where, options);
  const groups = groupByCluster(where, clusters);
  const estimate = statistic([...items]);
  const rng = createRng(o.seed);
  const replicates: number[] = [];
  let dropped = 0;
  for (let b = 0; b < o.reps; b++) {
    const sample: T[] = [];
    for (let k = 0; k < groups.length; k++) {
      for (const index of groups[rng.int(groups.length)]) sample.push(items[index]);
    }
    const value = statistic(sample);
    if (Number.isFinite(value)) replicates.push(value);
    else dropped++;
  }
  return summarise(where, estimate, replicates, dropped, groups.length, o);
}

export interface ClusterBootstrapOptions extends BootstrapOptions {
  /** Statistic of the pooled values; default the mean (computed from per-cluster sums, without copying). */
  statistic?: (values: number[]) => number;
}

/** Percentile CI of a statistic (default: the mean) of values grouped in clusters, resampling clusters with replacement. */
export function clusterBootstrapCI(values: readonly number[], clusters: readonly string[], options: ClusterBootstrapOptions = {}): BootstrapCI {
  const where = 'clusterBootstrapCI';
  requireFiniteNumbers(where, 'values', values, 1);
  requireSameLength(where, 'values', values, 'clusters', clusters);
  if (options.statistic) return clusterBootstrap(values, clusters, options.statistic, options);
  const o = resolve(where, options);
  const groups = groupByCluster(where, clusters);
  const sums = groups.map((g) => g.reduce((s, i) => s + values[i], 0));
  const counts = groups.map((g) => g.length);
  const rng = createRng(o.seed);
  const replicates = new Array<number>(o.reps);
  for (let b = 0; b < o.reps; b++) {
    let total = 0;
    let count = 0;
    for (let k = 0; k < groups.length; k++) {
      const g = rng.int(groups.length);
      total += sums[g];
      count += counts[g];
    }
    replicates[b] = total / count;
  }
  return summarise(where, ssMean(values as number[]), replicates, 0, groups.length, o);
}

/** Plain (independent-observation) bootstrap percentile CI of a statistic, default the mean. */
export function bootstrapCI(values: readonly number[], options: ClusterBootstrapOptions = {}): BootstrapCI {
  requireFiniteNumbers('bootstrapCI', 'values', values, 1);
  return clusterBootstrapCI(
    values,
    values.map((_, i) => String(i)),
    options,
  );
}

/** Bootstrap percentile CI of the mean of paired differences x − y, resampling pairs. */
export function pairedBootstrapCI(x: readonly number[], y: readonly number[], options: BootstrapOptions = {}): BootstrapCI {
  const where = 'pairedBootstrapCI';
  requireFiniteNumbers(where, 'x', x, 1);
  requireFiniteNumbers(where, 'y', y, 1);
  requireSameLength(where, 'x', x, 'y', y);
  return bootstrapCI(
    x.map((xi, i) => xi - y[i]),
    options,
  );
}
