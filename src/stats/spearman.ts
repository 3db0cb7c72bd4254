import { requireFiniteNumbers, requirePositiveInteger, requireSameLength, StatsInputError } from './errors.js';
import { createRng, type Seed } from './random.js';
import { averageRanks, hasTies } from './ranks.js';
import { SPEARMAN_EXACT_MAX_N, spearmanTail } from './spearman-distribution.js';
import { pt } from './t-distribution.js';
import { type Alternative, resolveAlternative, type TestResult } from './types.js';

/** How the p-value was obtained. */
export type SpearmanPMethod = 'exact permutation' | 'AS 89 Edgeworth series' | 't approximation' | 'Monte Carlo permutation';

export interface SpearmanOptions {
  alternative?: Alternative;
  /** As R's `exact` (default true): use the AS 89 null distribution when there are no ties and n ≤ 1290. */
  exact?: boolean;
  /** When set, the p-value comes from this many seeded random permutations of y instead. */
  permutations?: number;
  seed?: Seed;
}

export interface SpearmanResult extends TestResult {
  statisticName: 'S';
  /** Spearman's ρ (Pearson correlation of the average ranks). */
  estimate: number;
  rho: number;
  /** S = (n³ − n)(1 − ρ)/6, R's statistic. */
  statistic: number;
  pMethod: SpearmanPMethod;
  ties: boolean;
  /** Set when the requested exact p-value could not be computed (ties), as R warns. */
  warning?: string;
}

const EXACT_MAX_N = 1290; // R's limit for AS 89 (n(n² − 1) must not overflow a 32-bit int)

/**
 * Spearman rank correlation test with the semantics of R's cor.test(x, y, method = "spearman"):
 * exact permutation distribution for n ≤ 9, AS 89 Edgeworth series for 10 ≤ n ≤ 1290 without ties,
 * and the t approximation with ties or larger n. Optionally a seeded Monte-Carlo permutation p-value.
 */
export function spearman(x: readonly number[], y: readonly number[], options: SpearmanOptions = {}): SpearmanResult {
  const where = 'spearman';
  requireFiniteNumbers(where, 'x', x, 2);
  requireFiniteNumbers(where, 'y', y, 2);
  requireSameLength(where, 'x', x, 'y', y);
  const alternative = resolveAlternative(where, options.alternative);
  const n = x.length;
  const rx = averageRanks(x);
  const ry = averageRanks(y);
  const rho = pearson(rx, ry);
  if (!Number.isFinite(rho)) {
    throw new StatsInputError(`${where}: ${constantName(rx, ry)} is constant; Spearman's rho is undefined`);
  }
  const ties = hasTies(x) || hasTies(y);
  const q = ((n * n * n - n) * (1 - rho)) / 6;
  const base = { method: "Spearman's rank correlation rho", alternative, statisticName: 'S' as const, statistic: q, n, estimate: rho, rho, ties, mu: 0 };

  if (options.permutations !== undefined) {
    requirePositiveInteger(where, 'permutations', options.permutations);
    const pValues = monteCarloP(rx, ry, rho, options.permutations, options.seed ?? 1);
    return { ...base, p: pValues[alternative], pValues, pMethod: 'Monte Carlo permutation', exact: false };
  }

  const wantExact = options.exact ?? true;
  const useExactDistribution = wantExact && !ties && n <= EXACT_MAX_N;
  if (!useExactDistribution && n < 3) {
    throw new StatsInputError(`${where}: the t approximation needs at least 3 pairs, got ${n}`);
  }
  const tail = (lower: boolean): number => {
    if (useExactDistribution) return spearmanTail(Math.round(q) + 2 * Number(lower), n, lower);
    const den = (n * (n * n - 1)) / 6;
    const r = 1 - q / den;
    return pt(r / Math.sqrt((1 - r * r) / (n - 2)), n - 2, !lower);
  };
  const pValues = {
    'two.sided': Math.min(1, 2 * (q > (n * n * n - n) / 6 ? tail(false) : tail(true))),
    greater: tail(true),
    less: tail(false),
  };
  const pMethod: SpearmanPMethod = useExactDistribution ? (n <= SPEARMAN_EXACT_MAX_N ? 'exact permutation' : 'AS 89 Edgeworth series') : 't approximation';
  const result: SpearmanResult = { ...base, p: pValues[alternative], pValues, pMethod, exact: useExactDistribution && n <= SPEARMAN_EXACT_MAX_N };
  if (wantExact && ties) result.warning = 'Cannot compute exact p-value with ties; used the t approximation';
  return result;
}

function constantName(rx: number[], ry: number[]): string {
  return rx.every((r) => r === rx[0]) ? 'x' : ry.every((r) => r === ry[0]) ? 'y' : 'x or y';
}

function pearson(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** (count + 1)/(B + 1) permutation p-values, permuting the ranks of y with a seeded generator. */
function monteCarloP(rx: number[], ry: number[], observed: number, permutations: number, seed: Seed): Record<Alternative, number> {
  const rng = createRng(seed);
  const n = rx.length;
  const centredX = rx.map((r) => r - (n + 1) / 2);
  const perm = [...ry];
  const tolerance = 1e-12;
  let ge = 0;
  let le = 0;
  let absGe = 0;
  const saa = centredX.reduce((s, v) => s + v * v, 0);
  const meanY = perm.reduce((s, v) => s + v, 0) / n;
  const sbb = perm.reduce((s, v) => s + (v - meanY) * (v - meanY), 0);
  const scale = Math.sqrt(saa * sbb);
  for (let b = 0; b < permutations; b++) {
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const tmp = perm[i];
      perm[i] = perm[j];
      perm[j] = tmp;
    }
    let sab = 0;
    for (let i = 0; i < n; i++) sab += centredX[i] * perm[i];
    const r = sab / scale;
    if (r >= observed - tolerance) ge++;
    if (r <= observed + tolerance) le++;
    if (Math.abs(r) >= Math.abs(observed) - tolerance) absGe++;
  }
  const p = (count: number) => (count + 1) / (permutations + 1);
  return { 'two.sided': p(absGe), greater: p(ge), less: p(le) };
}
