import type { Alternative } from './types.js';

/**
 * The smallest p-value an exact signed-rank test on n untied, non-zero differences can give: every difference
 * on one side, probability 2^−n per tail (R's wilcox.test). Below α no data can reach significance.
 */
export function smallestSignedRankP(n: number, alternative: Alternative = 'two.sided'): number {
  const oneTail = 2 ** -n;
  return alternative === 'two.sided' ? Math.min(1, 2 * oneTail) : oneTail;
}

/** The fewest differences with which the exact signed-rank test can reject at level alpha. */
export function signedRankUnitsNeeded(alpha: number, alternative: Alternative = 'two.sided'): number {
  let n = 1;
  while (smallestSignedRankP(n, alternative) >= alpha) n++;
  return n;
}

/**
 * The smallest p-value an exact Spearman test on n untied points can give: one ordering of the n! (perfect rank
 * agreement), doubled for two sides (R's cor.test). Ties only raise it.
 */
export function smallestSpearmanP(n: number, alternative: Alternative = 'two.sided'): number {
  let orderings = 1;
  for (let k = 2; k <= n; k++) orderings *= k;
  return alternative === 'two.sided' ? Math.min(1, 2 / orderings) : 1 / orderings;
}

/** The fewest points with which the exact Spearman test can reject at level alpha. */
export function spearmanPointsNeeded(alpha: number, alternative: Alternative = 'two.sided'): number {
  let n = 2;
  while (smallestSpearmanP(n, alternative) >= alpha) n++;
  return n;
}
