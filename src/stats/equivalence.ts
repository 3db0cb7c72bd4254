import { requireFiniteNumbers, requireLevel, requireSameLength, StatsInputError } from './errors.js';
import { pairedT, type PairedTResult } from './paired-t.js';
import type { ConfidenceInterval } from './types.js';
import { wilcoxonSignedRank, type WilcoxonResult } from './wilcoxon.js';

export type PairedTestKind = 't' | 'wilcoxon';

/** Equivalence bounds for the location of x − y: a symmetric margin δ > 0 means (−δ, δ). */
export type Margin = number | { lower: number; upper: number };

export interface TostOptions {
  margin: Margin;
  /** Each one-sided test is run at level alpha; equivalence is declared when p < alpha. Default 0.05. */
  alpha?: number;
  test?: PairedTestKind;
}

export interface TostResult {
  method: string;
  test: PairedTestKind;
  lowerBound: number;
  upperBound: number;
  /** max of the two one-sided p-values. */
  p: number;
  alpha: number;
  /** True when both one-sided tests reject, i.e. the location is shown to lie inside the bounds. */
  equivalent: boolean;
  /** H0: location ≤ lowerBound vs "greater". */
  lowerTest: PairedTResult | WilcoxonResult;
  /** H0: location ≥ upperBound vs "less". */
  upperTest: PairedTResult | WilcoxonResult;
  /** Mean difference and its (1 − 2α) confidence interval (t variant only; TOST is equivalent to this CI lying inside the bounds). */
  estimate?: number;
  ci?: ConfidenceInterval;
}

function resolveMargin(where: string, margin: Margin): { lower: number; upper: number } {
  if (typeof margin === 'number') {
    if (!(Number.isFinite(margin) && margin > 0)) throw new StatsInputError(`${where}: margin must be a finite number > 0, got ${String(margin)}`);
    return { lower: -margin, upper: margin };
  }
  if (!margin || !Number.isFinite(margin.lower) || !Number.isFinite(margin.upper) || !(margin.lower < margin.upper)) {
    throw new StatsInputError(`${where}: margin bounds must be finite with lower < upper, got ${JSON.stringify(margin)}`);
  }
  return margin;
}

function runPaired(test: PairedTestKind, x: readonly number[], y: readonly number[], mu: number, alternative: 'less' | 'greater', level: number) {
  return test === 't' ? pairedT(x, y, { mu, alternative, level }) : wilcoxonSignedRank(x, y, { mu, alternative });
}

/**
 * Two one-sided tests (TOST) for equivalence of paired samples: H0 location ≤ lower or ≥ upper,
 * tested as two one-sided paired t tests (or Wilcoxon signed-rank tests with R's mu shift); p = max.
 */
export function tostPaired(x: readonly number[], y: readonly number[], options: TostOptions): TostResult {
  const where = 'tostPaired';
  requireFiniteNumbers(where, 'x', x, 2);
  requireFiniteNumbers(where, 'y', y, 2);
  requireSameLength(where, 'x', x, 'y', y);
  const { lower, upper } = resolveMargin(where, options.margin);
  const alpha = options.alpha ?? 0.05;
  requireLevel(where, 'alpha', alpha);
  if (alpha >= 0.5) throw new StatsInputError(`${where}: alpha must be < 0.5, got ${alpha}`);
  const test = options.test ?? 't';
  if (test !== 't' && test !== 'wilcoxon') throw new StatsInputError(`${where}: test must be "t" or "wilcoxon", got ${String(test)}`);
  const lowerTest = runPaired(test, x, y, lower, 'greater', 1 - alpha);
  const upperTest = runPaired(test, x, y, upper, 'less', 1 - alpha);
  const p = Math.max(lowerTest.p, upperTest.p);
  const result: TostResult = {
    method: test === 't' ? 'TOST equivalence test (paired t)' : 'TOST equivalence test (Wilcoxon signed rank)',
    test,
    lowerBound: lower,
    upperBound: upper,
    p,
    alpha,
    equivalent: p < alpha,
    lowerTest,
    upperTest,
  };
  if (test === 't') {
    const twoSided = pairedT(x, y, { level: 1 - 2 * alpha });
    result.estimate = twoSided.estimate;
    result.ci = twoSided.ci;
  }
  return result;
}

export interface NonInferiorityOptions {
  /** How much worse (> 0) the new condition x may be than the reference y and still count as not inferior. */
  margin: number;
  /** Direction of the metric; default true (larger is better). */
  higherIsBetter?: boolean;
  alpha?: number;
  test?: PairedTestKind;
}

export interface NonInferiorityResult {
  method: string;
  test: PairedTestKind;
  margin: number;
  higherIsBetter: boolean;
  p: number;
  alpha: number;
  /** True when H0 (x is worse than y by at least the margin) is rejected. */
  nonInferior: boolean;
  detail: PairedTResult | WilcoxonResult;
}

/**
 * One-sided non-inferiority test of paired x (new) against y (reference): for higher-is-better
 * metrics H0: location(x − y) ≤ −margin vs "greater"; for lower-is-better H0: location ≥ +margin vs "less".
 */
export function nonInferiority(x: readonly number[], y: readonly number[], options: NonInferiorityOptions): NonInferiorityResult {
  const where = 'nonInferiority';
  const margin = options.margin;
  if (!(Number.isFinite(margin) && margin > 0)) throw new StatsInputError(`${where}: margin must be a finite number > 0, got ${String(margin)}`);
  const alpha = options.alpha ?? 0.05;
  requireLevel(where, 'alpha', alpha);
  const test = options.test ?? 't';
  if (test !== 't' && test !== 'wilcoxon') throw new StatsInputError(`${where}: test must be "t" or "wilcoxon", got ${String(test)}`);
  const higherIsBetter = options.higherIsBetter ?? true;
  const detail = higherIsBetter ? runPaired(test, x, y, -margin, 'greater', 1 - alpha) : runPaired(test, x, y, margin, 'less', 1 - alpha);
  return {
    method: `Non-inferiority test (${test === 't' ? 'paired t' : 'Wilcoxon signed rank'}), margin ${margin}`,
    test,
    margin,
    higherIsBetter,
    p: detail.p,
    alpha,
    nonInferior: detail.p < alpha,
    detail,
  };
}
