import { requireFiniteNumbers, requireLevel, requireSameLength, StatsInputError } from './errors.js';
import { pt, qt } from './t-distribution.js';
import type { ConfidenceInterval } from './types.js';

export interface Coefficient {
  estimate: number;
  se: number;
  t: number;
  /** Two-sided p-value of H0: coefficient = 0. */
  p: number;
  ci: ConfidenceInterval;
}

export interface SimpleRegression {
  n: number;
  df: number;
  intercept: Coefficient;
  slope: Coefficient;
  /** Residual standard error (R's sigma). */
  sigma: number;
  rSquared: number;
}

/**
 * Ordinary least squares y = a + b·x, with the standard errors, t tests and confidence intervals
 * R reports from summary(lm(y ~ x)) and confint().
 */
export function olsSimple(x: readonly number[], y: readonly number[], options: { level?: number } = {}): SimpleRegression {
  const where = 'olsSimple';
  requireFiniteNumbers(where, 'x', x, 3);
  requireFiniteNumbers(where, 'y', y, 3);
  requireSameLength(where, 'x', x, 'y', y);
  const level = options.level ?? 0.95;
  requireLevel(where, 'level', level);
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) throw new StatsInputError(`${where}: x has no variation (all values ${x[0]}); the slope is undefined`);
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let rss = 0;
  for (let i = 0; i < n; i++) {
    const r = y[i] - intercept - slope * x[i];
    rss += r * r;
  }
  const df = n - 2;
  const sigma2 = rss / df;
  const q = qt(1 - (1 - level) / 2, df);
  const coefficient = (estimate: number, se: number): Coefficient => {
    const t = estimate / se;
    return {
      estimate,
      se,
      t,
      p: 2 * pt(-Math.abs(t), df),
      ci: { low: estimate - q * se, high: estimate + q * se, level },
    };
  };
  return {
    n,
    df,
    intercept: coefficient(intercept, Math.sqrt(sigma2 * (1 / n + (mx * mx) / sxx))),
    slope: coefficient(slope, Math.sqrt(sigma2 / sxx)),
    sigma: Math.sqrt(sigma2),
    rSquared: syy === 0 ? NaN : 1 - rss / syy,
  };
}
