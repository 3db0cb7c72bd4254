export type Verdict = 'supported' | 'refuted' | 'inconclusive';

/** Whether a gain is worth its GPU-hours (claims/worth-it.ts). */
export type WorthItVerdict = 'worth it' | 'not worth it' | 'inconclusive';

/** What a test treats as its independent units: prompts (the default), images (pairs), or design cells (Spearman). */
export type TestUnit = 'prompt' | 'image' | 'cell';

/** How a CI was made: t over the test's units (K − 1 df), or a bootstrap that resamples prompts. */
export type CiMethod = 't' | 'prompt bootstrap';

/** One statistical test behind a hypothesis: a row of tests.csv. */
export interface TestRow {
  hypothesis: string;
  metric: string;
  /** e.g. "wilcoxon signed rank exact", "paired t", "TOST paired t", "spearman", "OLS slope". */
  test: string;
  /** Side a and b of a comparison as factor=level;… (empty for correlation and dose-response). */
  a: string;
  b: string;
  /** Every fixed factor level, including the across level, as factor=level;… */
  where: string;
  /** Images (pairs for comparisons) the test drew on. */
  n: number;
  /** The unit of inference: each unit contributes one value to the test. */
  unit: TestUnit;
  /** Number of units K (prompts, pairs or cells) the test ran on. */
  nUnits: number;
  /** mean(a − b) for comparisons (over prompt means at the prompt unit); ρ for correlations; slope for dose-response. */
  estimate: number;
  ciLow: number;
  ciHigh: number;
  /** '' when there is no CI. */
  ciMethod: CiMethod | '';
  /** Coverage of [ciLow, ciHigh], e.g. 0.95 (TOST: 1 − 2α); NaN when there is no CI. */
  ciLevel: number;
  /** The test statistic (TOST: the binding one-sided statistic, the one with the larger p). */
  statistic: number;
  /** Two-sided p (for TOST: the larger one-sided p). */
  p: number;
  /** p corrected within the hypothesis. */
  pAdj: number;
  /** Standardised effect: Cohen's d_z (t), rank-biserial r (Wilcoxon), ρ (Spearman). */
  effect: number;
  effectCiLow: number;
  effectCiHigh: number;
  verdict: Verdict;
  /** estimate ÷ (cost of a − cost of b) in GPU-hours, when the sides differ in one factor with costs in the sweep. */
  perCost?: number;
  perCostCiLow?: number;
  perCostCiHigh?: number;
  /** The costed factor and the cost difference (GPU-hours) behind perCost. */
  costFactor?: string;
  costDifference?: number;
  /** With worth_it: the smallest gain per GPU-hour worth paying for (the claim's min_gain_per_gpu_hour). */
  worthItMinGain?: number;
  /** perCost signed so that a gain moves the metric in its better direction, with its CI (sorted). */
  worthItGain?: number;
  worthItGainCiLow?: number;
  worthItGainCiHigh?: number;
  worthIt?: WorthItVerdict;
  /** Why a test could not be run, when it could not, and anything a reader must know about its data. */
  note?: string;
}

export type TestRowBase = Pick<TestRow, 'hypothesis' | 'metric' | 'test' | 'a' | 'b' | 'where' | 'unit'>;

export function emptyTestRow(base: TestRowBase, n: number, note: string, nUnits = NaN): TestRow {
  return {
    ...base,
    n,
    nUnits,
    estimate: NaN,
    ciLow: NaN,
    ciHigh: NaN,
    ciMethod: '',
    ciLevel: NaN,
    statistic: NaN,
    p: NaN,
    pAdj: NaN,
    effect: NaN,
    effectCiLow: NaN,
    effectCiHigh: NaN,
    verdict: 'inconclusive',
    note,
  };
}

/** Joins notes, skipping empty ones; undefined when none is left. */
export function joinNotes(...notes: (string | undefined)[]): string | undefined {
  const kept = notes.filter((n): n is string => !!n);
  return kept.length ? kept.join('; ') : undefined;
}
