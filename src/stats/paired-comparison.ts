import { cohensDz, rankBiserial } from './effect-sizes.js';
import { requireFiniteNumbers, requireSameLength, StatsInputError } from './errors.js';
import { pairedT, type PairedTResult } from './paired-t.js';
import type { Alternative, ConfidenceInterval } from './types.js';
import { wilcoxonSignedRank, type WilcoxonResult } from './wilcoxon.js';

export interface PairedComparisonOptions {
  alternative?: Alternative;
  /** Confidence level of the mean-difference CI. Default 0.95. */
  level?: number;
}

export interface PairedComparison {
  n: number;
  /** mean(x − y). */
  meanDifference: number;
  /** t-based CI of the mean difference; null when the differences are constant. */
  ci: ConfidenceInterval | null;
  /** null when every difference is zero (no signed-rank test exists). */
  wilcoxon: WilcoxonResult | null;
  /** null when the differences are (essentially) constant; R's t.test refuses them too. */
  t: PairedTResult | null;
  cohensDz: number;
  rankBiserial: number;
  /** Why a test is missing, when one is. */
  note?: string;
}

/**
 * Everything the analysis layer reports for one paired comparison on shared pair keys:
 * Wilcoxon signed-rank and paired t tests, the mean difference with its CI, d_z and rank-biserial r.
 * Degenerate data (constant or all-zero differences) give null tests and a note instead of an error.
 */
export function comparePaired(x: readonly number[], y: readonly number[], options: PairedComparisonOptions = {}): PairedComparison {
  const where = 'comparePaired';
  requireFiniteNumbers(where, 'x', x, 2);
  requireFiniteNumbers(where, 'y', y, 2);
  requireSameLength(where, 'x', x, 'y', y);
  const d = x.map((xi, i) => xi - y[i]);
  const meanDifference = d.reduce((s, v) => s + v, 0) / d.length;
  const notes: string[] = [];
  const t = orNull(() => pairedT(x, y, options), notes);
  const wilcoxon = orNull(() => wilcoxonSignedRank(x, y, { alternative: options.alternative }), notes);
  const result: PairedComparison = {
    n: d.length,
    meanDifference,
    ci: t ? t.ci : null,
    wilcoxon,
    t,
    cohensDz: cohensDz(x, y),
    rankBiserial: rankBiserial(x, y),
  };
  if (notes.length > 0) result.note = notes.join('; ');
  return result;
}

/** Runs a test; a StatsInputError about degenerate data becomes null plus a note. */
function orNull<T>(run: () => T, notes: string[]): T | null {
  try {
    return run();
  } catch (error) {
    if (error instanceof StatsInputError) {
      notes.push(error.message);
      return null;
    }
    throw error;
  }
}
