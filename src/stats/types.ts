import { StatsInputError } from './errors.js';

/** Direction of the alternative hypothesis, named as in R. "greater": the location of x − y exceeds mu. */
export type Alternative = 'two.sided' | 'less' | 'greater';

export const ALTERNATIVES: readonly Alternative[] = ['two.sided', 'less', 'greater'];

export interface ConfidenceInterval {
  low: number;
  high: number;
  /** Coverage level, e.g. 0.95. One-sided intervals have an infinite bound. */
  level: number;
}

/** The common shape of a hypothesis test result (the fields of R's htest that the analysis layer uses). */
export interface TestResult {
  /** Human-readable method, worded as R words it (e.g. "Wilcoxon signed rank exact test"). */
  method: string;
  alternative: Alternative;
  /** Name of the statistic as R prints it: "V", "t", "S". */
  statisticName: string;
  statistic: number;
  /** p-value for `alternative`. */
  p: number;
  /** p-values for every alternative, computed on the same data. */
  pValues: Record<Alternative, number>;
  /** Observations the test used (pairs after dropping zero differences, for Wilcoxon). */
  n: number;
  /** Hypothesised location (difference) under the null. */
  mu?: number;
  df?: number;
  estimate?: number;
  ci?: ConfidenceInterval;
  /** Whether the p-value comes from an exact null distribution. */
  exact?: boolean;
}

export function resolveAlternative(where: string, alternative: Alternative | undefined): Alternative {
  const alt = alternative ?? 'two.sided';
  if (!ALTERNATIVES.includes(alt)) {
    throw new StatsInputError(`${where}: alternative must be one of ${ALTERNATIVES.join(', ')}, got ${String(alternative)}`);
  }
  return alt;
}
