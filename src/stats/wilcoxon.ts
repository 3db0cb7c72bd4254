import { requireFinite, requireFiniteNumbers, requireSameLength, StatsInputError } from './errors.js';
import { pnorm } from './normal-distribution.js';
import { averageRanks, tieGroupSizes } from './ranks.js';
import { psignrank } from './signed-rank-distribution.js';
import { type Alternative, resolveAlternative, type TestResult } from './types.js';

export interface WilcoxonOptions {
  /** Null location of x − y (R's mu); differences are shifted by −mu before zeros are dropped and ranks taken. Default 0. */
  mu?: number;
  alternative?: Alternative;
  /** Exact null distribution; default n < 50 (n after dropping zeros). Ignored, as in R, when there are ties or zeros. */
  exact?: boolean;
  /** Continuity correction in the normal approximation. Default true. */
  correct?: boolean;
}

export interface WilcoxonResult extends TestResult {
  statisticName: 'V';
  /** Number of differences equal to mu (dropped before ranking). */
  zeros: number;
  /** Whether some |differences| were tied. */
  ties: boolean;
  /** Standardised statistic of the normal approximation for `alternative` (absent when exact). */
  z?: number;
}

/**
 * Paired Wilcoxon signed-rank test of x − y, with the semantics of R's
 * wilcox.test(x, y, paired = TRUE, mu, alternative, exact, correct).
 */
export function wilcoxonSignedRank(x: readonly number[], y: readonly number[], options: WilcoxonOptions = {}): WilcoxonResult {
  const where = 'wilcoxonSignedRank';
  requireFiniteNumbers(where, 'x', x, 1);
  requireFiniteNumbers(where, 'y', y, 1);
  requireSameLength(where, 'x', x, 'y', y);
  return signedRankTest(
    x.map((xi, i) => xi - y[i]),
    options,
    where,
  );
}

/** One-sample Wilcoxon signed-rank test on differences d (R's wilcox.test(d, mu = …)). */
export function wilcoxonSignedRankOneSample(d: readonly number[], options: WilcoxonOptions = {}): WilcoxonResult {
  const where = 'wilcoxonSignedRankOneSample';
  requireFiniteNumbers(where, 'd', d, 1);
  return signedRankTest(d, options, where);
}

function signedRankTest(differences: readonly number[], options: WilcoxonOptions, where: string): WilcoxonResult {
  const alternative = resolveAlternative(where, options.alternative);
  const mu = options.mu ?? 0;
  requireFinite(where, 'mu', mu);
  const correct = options.correct ?? true;

  const shifted = differences.map((d) => d - mu);
  const nonZero = shifted.filter((d) => d !== 0);
  const zeros = shifted.length - nonZero.length;
  const n = nonZero.length;
  if (n === 0) {
    throw new StatsInputError(`${where}: every difference equals mu (${mu}); the signed-rank test is undefined (R returns NaN)`);
  }
  const ranks = averageRanks(nonZero.map(Math.abs));
  let v = 0;
  for (let i = 0; i < n; i++) if (nonZero[i] > 0) v += ranks[i];
  const tieSizes = tieGroupSizes(ranks);
  const ties = tieSizes.some((t) => t > 1);
  const wantExact = options.exact ?? n < 50;
  const base = { statisticName: 'V' as const, statistic: v, n, mu, alternative, zeros, ties };

  if (wantExact && !ties && zeros === 0) {
    const pLess = psignrank(v, n);
    const pGreater = psignrank(v - 1, n, false);
    const pTwo = Math.min(1, 2 * (v > (n * (n + 1)) / 4 ? pGreater : pLess));
    const pValues = { 'two.sided': pTwo, less: pLess, greater: pGreater };
    return { ...base, method: 'Wilcoxon signed rank exact test', exact: true, p: pValues[alternative], pValues };
  }

  const centred = v - (n * (n + 1)) / 4;
  const tieTerm = tieSizes.reduce((acc, t) => acc + (t * t * t - t), 0) / 48;
  const sigma = Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24 - tieTerm);
  const zFor = (alt: Alternative): number => {
    const correction = !correct ? 0 : alt === 'two.sided' ? Math.sign(centred) * 0.5 : alt === 'greater' ? 0.5 : -0.5;
    return (centred - correction) / sigma;
  };
  const zTwo = zFor('two.sided');
  const pValues = {
    'two.sided': 2 * Math.min(pnorm(zTwo), pnorm(zTwo, false)),
    less: pnorm(zFor('less')),
    greater: pnorm(zFor('greater'), false),
  };
  const method = correct ? 'Wilcoxon signed rank test with continuity correction' : 'Wilcoxon signed rank test';
  return { ...base, method, exact: false, p: pValues[alternative], pValues, z: zFor(alternative) };
}
