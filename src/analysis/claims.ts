import {
  clusterBootstrap,
  cohensDz,
  deriveSeed,
  doseResponse,
  mean,
  nonInferiority,
  pairedT,
  pAdjust,
  rankBiserial,
  spearman,
  StatsInputError,
  tostPaired,
  wilcoxonSignedRank,
} from '../stats/index.js';
import type { ScoreRow } from '../report/scores-csv.js';
import type { Claim, CompareClaim, CorrelationClaim, DoseResponseClaim, EquivalenceClaim, NonInferiorityClaim, Selector } from './hypothesis-schema.js';
import { metricFor } from '../../metrics/registry.js';
import type { ScoreTable } from './score-table.js';
import { formatSelector, levelOf, matchesSelector, pairRows, type Pair } from './selection.js';
import { emptyTestRow, type TestRow, type Verdict } from './test-row.js';
import { acrossFactors } from './validate-claims.js';

export interface ClaimContext {
  table: ScoreTable;
  seed: number;
  reps: number;
  /** 1 − cos between two models' weight-0 centroids, when the run's store is available. */
  modelDistance?: (a: string, b: string) => number | undefined;
}

function metricRows(claim: Claim, table: ScoreTable, metric = claim.metric): ScoreRow[] {
  return table.rows.filter((r) => r.metric === metric && (!claim.model || r.model === claim.model) && Number.isFinite(r.value));
}

/** Every combination of the across factors' levels present among rows, as selectors (one {} when none). */
function acrossSelectors(rows: ScoreRow[], factors: string[]): Selector[] {
  if (factors.length === 0) return [{}];
  const seen = new Map<string, Selector>();
  for (const r of rows) {
    if (factors.some((f) => levelOf(r, f) === '')) continue;
    const sel = Object.fromEntries(factors.map((f) => [f, levelOf(r, f)!]));
    seen.set(JSON.stringify(sel), sel);
  }
  return [...seen.values()];
}

/** Bootstrap CI of a paired effect, resampling pairs within prompt clusters. */
function effectCI(pairs: Pair[], effect: (x: number[], y: number[]) => number, seed: number, reps: number): { low: number; high: number } {
  try {
    const ci = clusterBootstrap(
      pairs,
      pairs.map((p) => p.prompt),
      (sample) =>
        effect(
          sample.map((p) => p.a),
          sample.map((p) => p.b),
        ),
      { seed, reps },
    );
    return { low: ci.low, high: ci.high };
  } catch {
    return { low: NaN, high: NaN };
  }
}

/** Runs one test; data a test cannot take (constant differences, all ties) leave the row inconclusive with the reason. */
function guarded(base: Pick<TestRow, 'hypothesis' | 'metric' | 'test' | 'a' | 'b' | 'where'>, n: number, run: () => TestRow): TestRow {
  try {
    return run();
  } catch (e) {
    if (e instanceof StatsInputError) return emptyTestRow(base, n, e.message);
    throw e;
  }
}

function directionVerdict(
  significant: boolean,
  direction: number,
  expect: 'less' | 'greater' | 'different' | 'positive' | 'negative' | 'increasing' | 'decreasing',
): Verdict {
  if (!significant || direction === 0 || !Number.isFinite(direction)) return 'inconclusive';
  if (expect === 'different') return 'supported';
  const wantsPositive = expect === 'greater' || expect === 'positive' || expect === 'increasing';
  return direction > 0 === wantsPositive ? 'supported' : 'refuted';
}

function applyCorrection(rows: TestRow[], claim: Claim, verdictOf: (row: TestRow) => Verdict): TestRow[] {
  const tested = rows.filter((r) => Number.isFinite(r.p));
  const adjusted = pAdjust(
    tested.map((r) => r.p),
    claim.correction,
  );
  tested.forEach((r, i) => {
    r.pAdj = adjusted[i];
    r.verdict = verdictOf(r);
  });
  return rows;
}

interface PairedSides {
  a: Selector;
  b: Selector;
  fixed: Selector;
  pairs: Pair[];
}

function pairedSides(claim: Claim, table: ScoreTable, a: Selector, b: Selector): PairedSides[] {
  const rows = metricRows(claim, table);
  const where = claim.where ?? {};
  const inScope = rows.filter((r) => matchesSelector(r, where, table.loraFactors));
  return acrossSelectors(inScope, acrossFactors(claim)).map((level) => {
    const fixed = { ...where, ...level };
    const pinned = new Set([...Object.keys(fixed), ...Object.keys(a), ...Object.keys(b)]);
    const keyFactors = table.factors.filter((f) => !pinned.has(f));
    const sideA = inScope.filter((r) => matchesSelector(r, { ...fixed, ...a }, table.loraFactors));
    const sideB = inScope.filter((r) => matchesSelector(r, { ...fixed, ...b }, table.loraFactors));
    return { a, b, fixed, pairs: pairRows(sideA, sideB, keyFactors) };
  });
}

export function evaluateCompare(claim: CompareClaim, ctx: ClaimContext): TestRow[] {
  const rows = pairedSides(claim, ctx.table, claim.compare.a, claim.compare.b).map((side): TestRow => {
    const base = { hypothesis: claim.id, metric: claim.metric, a: formatSelector(side.a), b: formatSelector(side.b), where: formatSelector(side.fixed) };
    const n = side.pairs.length;
    if (n < 3) return emptyTestRow({ ...base, test: claim.test === 't' ? 'paired t' : 'wilcoxon signed rank' }, n, `only ${n} pair(s) share a prompt and seed`);
    const x = side.pairs.map((p) => p.a);
    const y = side.pairs.map((p) => p.b);
    const seed = deriveSeed(ctx.seed, `${claim.id}:${base.where}`);
    return guarded({ ...base, test: claim.test === 't' ? 'paired t' : 'wilcoxon signed rank' }, n, () => {
      const diffCI = effectCI(side.pairs, (xs, ys) => mean(xs.map((v, i) => v - ys[i])), seed, ctx.reps);
      if (claim.test === 't') {
        const t = pairedT(x, y);
        const ci = effectCI(side.pairs, cohensDz, seed + 1, ctx.reps);
        return {
          ...base,
          test: 'paired t',
          n,
          estimate: t.estimate,
          ciLow: t.ci.low,
          ciHigh: t.ci.high,
          statistic: t.statistic,
          p: t.p,
          pAdj: NaN,
          effect: cohensDz(x, y),
          effectCiLow: ci.low,
          effectCiHigh: ci.high,
          verdict: 'inconclusive',
        };
      }
      const w = wilcoxonSignedRank(x, y);
      const ci = effectCI(side.pairs, rankBiserial, seed + 1, ctx.reps);
      return {
        ...base,
        test: w.exact ? 'wilcoxon signed rank exact' : 'wilcoxon signed rank (normal approximation)',
        n,
        estimate: mean(x.map((v, i) => v - y[i])),
        ciLow: diffCI.low,
        ciHigh: diffCI.high,
        statistic: w.statistic,
        p: w.p,
        pAdj: NaN,
        effect: rankBiserial(x, y),
        effectCiLow: ci.low,
        effectCiHigh: ci.high,
        verdict: 'inconclusive',
      };
    });
  });
  return applyCorrection(rows, claim, (r) => directionVerdict(r.pAdj < claim.alpha, r.test === 'paired t' ? r.estimate : r.effect, claim.expect));
}

/** What a margin test (equivalence, non-inferiority) returns for one set of pairs. */
interface MarginTest {
  /** p of the claim's own test. */
  p: number;
  statistic: number;
  /** CI of the mean difference, when the test has one. */
  ci?: { low: number; high: number };
  /** p of the test that would refute the claim. */
  opposingP: number;
}

/**
 * The shared frame of margin claims: pair the sides, run the test per across level, correct both the claim's and
 * the opposing p-values within the hypothesis, and give verdicts: supported when the claim's p_adj < alpha, refuted
 * when `refutes` says the corrected opposing test shows the contrary.
 */
function evaluateMarginClaim(
  claim: Claim & { test: 't' | 'wilcoxon' },
  ctx: ClaimContext,
  sides: { a: Selector; b: Selector },
  test: string,
  run: (x: number[], y: number[]) => MarginTest,
  refutes: (row: TestRow, opposingPAdj: number) => boolean,
): TestRow[] {
  const opposing = new Map<TestRow, number>();
  const rows = pairedSides(claim, ctx.table, sides.a, sides.b).map((side): TestRow => {
    const base = { hypothesis: claim.id, metric: claim.metric, a: formatSelector(side.a), b: formatSelector(side.b), where: formatSelector(side.fixed) };
    const n = side.pairs.length;
    if (n < 3) return emptyTestRow({ ...base, test }, n, `only ${n} pair(s) share a prompt and seed`);
    const x = side.pairs.map((p) => p.a);
    const y = side.pairs.map((p) => p.b);
    return guarded({ ...base, test }, n, () => {
      const result = run(x, y);
      const seed = deriveSeed(ctx.seed, `${claim.id}:${base.where}`);
      const diffCI = result.ci ?? effectCI(side.pairs, (xs, ys) => mean(xs.map((v, i) => v - ys[i])), seed, ctx.reps);
      const dz = effectCI(side.pairs, cohensDz, seed + 1, ctx.reps);
      const row: TestRow = {
        ...base,
        test,
        n,
        estimate: mean(x.map((v, i) => v - y[i])),
        ciLow: diffCI.low,
        ciHigh: diffCI.high,
        statistic: result.statistic,
        p: result.p,
        pAdj: NaN,
        effect: cohensDz(x, y),
        effectCiLow: dz.low,
        effectCiHigh: dz.high,
        verdict: 'inconclusive',
      };
      opposing.set(row, result.opposingP);
      return row;
    });
  });
  const opposingAdj = pAdjust(
    rows.map((r) => opposing.get(r) ?? 1),
    claim.correction,
  );
  const refuted = new Map(rows.map((r, i) => [r, refutes(r, opposingAdj[i])]));
  return applyCorrection(rows, claim, (r) => (r.pAdj < claim.alpha ? 'supported' : refuted.get(r) ? 'refuted' : 'inconclusive'));
}

const pairedTest = (kind: 't' | 'wilcoxon', x: number[], y: number[], options: { mu?: number; alternative?: 'less' | 'greater' } = {}) =>
  kind === 't' ? pairedT(x, y, options) : wilcoxonSignedRank(x, y, options);

/** Equivalence by TOST; refuted when a difference is shown (two-sided) and the estimate lies outside the margin. */
export function evaluateEquivalence(claim: EquivalenceClaim, ctx: ClaimContext): TestRow[] {
  const margin = claim.equivalence.margin;
  return evaluateMarginClaim(
    claim,
    ctx,
    claim.equivalence,
    `TOST paired ${claim.test} (margin ±${margin})`,
    (x, y) => {
      const tost = tostPaired(x, y, { margin, alpha: claim.alpha, test: claim.test });
      return {
        p: tost.p,
        statistic: Math.max(tost.lowerTest.statistic, -tost.upperTest.statistic),
        ci: tost.ci,
        opposingP: pairedTest(claim.test, x, y).p,
      };
    },
    (row, opposingPAdj) => opposingPAdj < claim.alpha && Math.abs(row.estimate) > margin,
  );
}

/**
 * Non-inferiority of a (new) against b (reference): a may be worse by less than the margin. Supported when the
 * one-sided test rejects "worse by at least the margin"; refuted when the opposite one-sided test shows a worse
 * by more than the margin.
 */
export function evaluateNonInferiority(claim: NonInferiorityClaim, ctx: ClaimContext): TestRow[] {
  const { margin } = claim.non_inferiority;
  const higherIsBetter = claim.non_inferiority.higher_is_better ?? metricFor(claim.metric)?.higherIsBetter ?? true;
  return evaluateMarginClaim(
    claim,
    ctx,
    claim.non_inferiority,
    `non-inferiority paired ${claim.test} (margin ${margin}, ${higherIsBetter ? 'higher' : 'lower'} is better)`,
    (x, y) => {
      const result = nonInferiority(x, y, { margin, higherIsBetter, alpha: claim.alpha, test: claim.test });
      const worse = { mu: higherIsBetter ? -margin : margin, alternative: higherIsBetter ? ('less' as const) : ('greater' as const) };
      return { p: result.p, statistic: result.detail.statistic, opposingP: pairedTest(claim.test, x, y, worse).p };
    },
    (_row, opposingPAdj) => opposingPAdj < claim.alpha,
  );
}

/** Mean of the metric per combination of `over` levels within a scope. */
function cellMeans(rows: ScoreRow[], over: string[]): Map<string, { levels: Record<string, string>; mean: number }> {
  const groups = new Map<string, { levels: Record<string, string>; sum: number; n: number }>();
  for (const r of rows) {
    if (over.some((f) => levelOf(r, f) === '')) continue;
    const levels = Object.fromEntries(over.map((f) => [f, levelOf(r, f)!]));
    const key = JSON.stringify(levels);
    const g = groups.get(key) ?? { levels, sum: 0, n: 0 };
    g.sum += r.value;
    g.n++;
    groups.set(key, g);
  }
  return new Map([...groups].map(([k, g]) => [k, { levels: g.levels, mean: g.sum / g.n }]));
}

export function evaluateCorrelation(claim: CorrelationClaim, ctx: ClaimContext): TestRow[] {
  const { table } = ctx;
  const where = claim.where ?? {};
  const over = claim.correlation.over;
  const ys = metricRows(claim, table).filter((r) => matchesSelector(r, where, table.loraFactors));
  const xs =
    claim.correlation.with === 'model_distance'
      ? []
      : metricRows(claim, table, claim.correlation.with).filter((r) => matchesSelector(r, where, table.loraFactors));
  const rows = acrossSelectors(ys, acrossFactors(claim)).map((level): TestRow => {
    const fixed = { ...where, ...level };
    const base = { hypothesis: claim.id, metric: claim.metric, a: claim.correlation.with, b: claim.metric, where: formatSelector(fixed) };
    const yMeans = cellMeans(
      ys.filter((r) => matchesSelector(r, fixed, table.loraFactors)),
      over,
    );
    const xMeans = cellMeans(
      xs.filter((r) => matchesSelector(r, fixed, table.loraFactors)),
      over,
    );
    const points: [number, number][] = [];
    let unavailable = 0;
    for (const [key, y] of yMeans) {
      const x = claim.correlation.with === 'model_distance' ? ctx.modelDistance?.(y.levels[over[0]], y.levels[over[1]]) : xMeans.get(key)?.mean;
      if (x === undefined || !Number.isFinite(x)) unavailable++;
      else points.push([x, y.mean]);
    }
    const test = 'spearman';
    if (points.length < 3) {
      const why =
        claim.correlation.with === 'model_distance' && !ctx.modelDistance
          ? 'model_distance needs the run folder with its store.sqlite'
          : `only ${points.length} point(s) with both values (${unavailable} without ${claim.correlation.with})`;
      return emptyTestRow({ ...base, test }, points.length, why);
    }
    return guarded({ ...base, test }, points.length, () => {
      const result = spearman(
        points.map((p) => p[0]),
        points.map((p) => p[1]),
      );
      return {
        ...base,
        test: `spearman (${result.pMethod})`,
        n: points.length,
        estimate: result.rho,
        ciLow: NaN,
        ciHigh: NaN,
        statistic: result.statistic,
        p: result.p,
        pAdj: NaN,
        effect: result.rho,
        effectCiLow: NaN,
        effectCiHigh: NaN,
        verdict: 'inconclusive',
        note: unavailable ? `${unavailable} point(s) without ${claim.correlation.with} left out` : undefined,
      };
    });
  });
  return applyCorrection(rows, claim, (r) => directionVerdict(r.pAdj < claim.alpha, r.estimate, claim.expect));
}

export function evaluateDoseResponse(claim: DoseResponseClaim, ctx: ClaimContext): TestRow[] {
  const { table } = ctx;
  const factor = claim.dose_response.factor;
  const where = claim.where ?? {};
  const scope = metricRows(claim, table).filter((r) => matchesSelector(r, where, table.loraFactors));
  const rows = acrossSelectors(scope, acrossFactors(claim)).map((level): TestRow => {
    const fixed = { ...where, ...level };
    const inCell = scope.filter((r) => matchesSelector(r, fixed, table.loraFactors));
    const base = { hypothesis: claim.id, metric: claim.metric, a: '', b: '', where: formatSelector(fixed) };
    const weights = inCell.map((r) => Number(r.levels[factor]));
    if (new Set(weights).size < 2) return emptyTestRow({ ...base, test: 'OLS slope' }, inCell.length, `needs at least two ${factor} levels`);
    return guarded({ ...base, test: 'OLS slope' }, inCell.length, () => {
      const dr = doseResponse(
        weights,
        inCell.map((r) => r.value),
        { clusters: inCell.map((r) => r.prompt), bootstrap: { seed: deriveSeed(ctx.seed, `${claim.id}:${base.where}`), reps: ctx.reps } },
      );
      return {
        ...base,
        test: `OLS slope over ${factor} (AUC ${dr.auc.toPrecision(4)}, best ${factor} ${dr.bestWeight})`,
        n: inCell.length,
        estimate: dr.slope.estimate,
        ciLow: dr.slopeBootstrap?.low ?? dr.slope.ci.low,
        ciHigh: dr.slopeBootstrap?.high ?? dr.slope.ci.high,
        statistic: dr.slope.t,
        p: dr.slope.p,
        pAdj: NaN,
        effect: NaN,
        effectCiLow: NaN,
        effectCiHigh: NaN,
        verdict: 'inconclusive',
      };
    });
  });
  // Significance needs the corrected OLS p and, when prompts repeat, a prompt-cluster bootstrap CI that excludes 0.
  return applyCorrection(rows, claim, (r) => directionVerdict(r.pAdj < claim.alpha && (r.ciLow > 0 || r.ciHigh < 0), r.estimate, claim.expect));
}
