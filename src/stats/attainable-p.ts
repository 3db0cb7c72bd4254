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
