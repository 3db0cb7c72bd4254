import { mean as ssMean, sampleVariance } from 'simple-statistics';
import { requireFinite, requireFiniteNumbers, requireLevel, requireSameLength, StatsInputError } from './errors.js';
import { pt, qt } from './t-distribution.js';
import { type Alternative, type ConfidenceInterval, resolveAlternative, type TestResult } from './types.js';

export interface PairedTOptions {
  /** Null mean of x − y (R's mu). Default 0. */
  mu?: number;
  alternative?: Alternative;
  /** Confidence level of `ci`. Default 0.95. */
  level?: number;
}

export interface PairedTResult extends TestResult {
  statisticName: 't';
  df: number;
  /** Mean difference, mean(x − y). */
  estimate: number;
  /** Confidence interval of the mean difference, one-sided for one-sided alternatives (as R). */
  ci: ConfidenceInterval;
  /** Standard error of the mean difference. */
  se: number;
  /** Standard deviation of the differences. */
  sd: number;
}

/** Paired t test of x − y, as R's t.test(x, y, paired = TRUE, mu, alternative, conf.level). */
export function pairedT(x: readonly number[], y: readonly number[], options: PairedTOptions = {}): PairedTResult {
  const where = 'pairedT';
  requireFiniteNumbers(where, 'x', x, 2);
  requireFiniteNumbers(where, 'y', y, 2);
  requireSameLength(where, 'x', x, 'y', y);
  return tTestOnDifferences(
    x.map((xi, i) => xi - y[i]),
    options,
    where,
    'Paired t-test',
  );
}

/** One-sample t test on differences d, as R's t.test(d, mu = …). */
export function oneSampleT(d: readonly number[], options: PairedTOptions = {}): PairedTResult {
  return tTestOnDifferences(d, options, 'oneSampleT', 'One Sample t-test');
}

function tTestOnDifferences(d: readonly number[], options: PairedTOptions, where: string, method: string): PairedTResult {
  requireFiniteNumbers(where, 'differences', d, 2);
  const alternative = resolveAlternative(where, options.alternative);
  const mu = options.mu ?? 0;
  requireFinite(where, 'mu', mu);
  const level = options.level ?? 0.95;
  requireLevel(where, 'level', level);

  const n = d.length;
  const m = ssMean(d as number[]);
  const variance = sampleVariance(d as number[]);
  const se = Math.sqrt(variance / n);
  if (se < 10 * Number.EPSILON * Math.abs(m) || se === 0) {
    throw new StatsInputError(`${where}: the differences are essentially constant (all ≈ ${m}); the t statistic is undefined`);
  }
  const df = n - 1;
  const t = (m - mu) / se;
  const pValues = {
    'two.sided': 2 * Math.min(pt(t, df), pt(t, df, false)),
    less: pt(t, df),
    greater: pt(t, df, false),
  };
  let ci: ConfidenceInterval;
  if (alternative === 'two.sided') {
    const q = qt(1 - (1 - level) / 2, df);
    ci = { low: mu + (t - q) * se, high: mu + (t + q) * se, level };
  } else if (alternative === 'less') {
    ci = { low: -Infinity, high: mu + (t + qt(level, df)) * se, level };
  } else {
    ci = { low: mu + (t - qt(level, df)) * se, high: Infinity, level };
  }
  return {
    method,
    alternative,
    statisticName: 't',
    statistic: t,
    df,
    p: pValues[alternative],
    pValues,
    n,
    mu,
    estimate: m,
    ci,
    se,
    sd: Math.sqrt(variance),
    exact: true,
  };
}
