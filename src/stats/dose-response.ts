import { clusterBootstrap, type BootstrapCI, type BootstrapOptions } from './bootstrap.js';
import { summarize } from './descriptives.js';
import { requireFiniteNumbers, requireSameLength, StatsInputError } from './errors.js';
import { olsSimple, type Coefficient } from './regression.js';

export interface DoseLevel {
  weight: number;
  n: number;
  mean: number;
  /** NaN when the level has a single observation. */
  se: number;
}

export interface DoseResponse {
  /** One entry per distinct weight, ascending. */
  levels: DoseLevel[];
  /** OLS slope of value on weight over all observations, with t-based CI (R's lm + confint). */
  slope: Coefficient;
  intercept: Coefficient;
  /** Cluster-bootstrap percentile CI of the slope, when clusters were given (honest when observations share prompts). */
  slopeBootstrap?: BootstrapCI;
  /** Area under the curve of level means over weight, trapezoid rule. */
  auc: number;
  /** auc divided by the weight range: the average height of the mean curve. */
  meanHeight: number;
  /** Weight with the largest mean (the smallest such weight on ties). */
  bestWeight: number;
  bestMean: number;
}

export interface DoseResponseOptions {
  /** Confidence level of the slope CI. Default 0.95. */
  level?: number;
  /** Cluster label of each observation (e.g. prompt id); adds a cluster-bootstrap CI of the slope. */
  clusters?: readonly string[];
  bootstrap?: BootstrapOptions;
}

function slopeOf(points: { w: number; v: number }[]): number {
  const n = points.length;
  let mw = 0;
  let mv = 0;
  for (const p of points) {
    mw += p.w;
    mv += p.v;
  }
  mw /= n;
  mv /= n;
  let sww = 0;
  let swv = 0;
  for (const p of points) {
    sww += (p.w - mw) * (p.w - mw);
    swv += (p.w - mw) * (p.v - mv);
  }
  return sww === 0 ? NaN : swv / sww;
}

/** Dose-response summary of a metric over LoRA weights: per-level means, OLS slope with CI, AUC and best weight. */
export function doseResponse(weights: readonly number[], values: readonly number[], options: DoseResponseOptions = {}): DoseResponse {
  const where = 'doseResponse';
  requireFiniteNumbers(where, 'weights', weights, 3);
  requireFiniteNumbers(where, 'values', values, 3);
  requireSameLength(where, 'weights', weights, 'values', values);
  const byWeight = new Map<number, number[]>();
  weights.forEach((w, i) => {
    const list = byWeight.get(w);
    if (list) list.push(values[i]);
    else byWeight.set(w, [values[i]]);
  });
  if (byWeight.size < 2) throw new StatsInputError(`${where}: needs at least 2 distinct weights, got ${byWeight.size}`);
  const levels: DoseLevel[] = [...byWeight.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([weight, vs]) => {
      const d = summarize(vs);
      return { weight, n: d.n, mean: d.mean, se: d.se };
    });
  let auc = 0;
  for (let i = 1; i < levels.length; i++) {
    auc += ((levels[i].weight - levels[i - 1].weight) * (levels[i].mean + levels[i - 1].mean)) / 2;
  }
  let best = levels[0];
  for (const l of levels) if (l.mean > best.mean) best = l;
  const fit = olsSimple(weights, values, { level: options.level });
  const result: DoseResponse = {
    levels,
    slope: fit.slope,
    intercept: fit.intercept,
    auc,
    meanHeight: auc / (levels[levels.length - 1].weight - levels[0].weight),
    bestWeight: best.weight,
    bestMean: best.mean,
  };
  if (options.clusters) {
    const points = weights.map((w, i) => ({ w, v: values[i] }));
    result.slopeBootstrap = clusterBootstrap(points, options.clusters, slopeOf, { level: options.level, ...options.bootstrap });
  }
  return result;
}
