export type Verdict = 'supported' | 'refuted' | 'inconclusive';

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
  n: number;
  /** mean(a − b) for comparisons; ρ for correlations; slope for dose-response. */
  estimate: number;
  ciLow: number;
  ciHigh: number;
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
  /** Why a test could not be run, when it could not. */
  note?: string;
}

export function emptyTestRow(base: Pick<TestRow, 'hypothesis' | 'metric' | 'test' | 'a' | 'b' | 'where'>, n: number, note: string): TestRow {
  return {
    ...base,
    n,
    estimate: NaN,
    ciLow: NaN,
    ciHigh: NaN,
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
