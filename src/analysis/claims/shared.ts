import { clusterBootstrap, pAdjust, StatsInputError } from '../../stats/index.js';
import type { ScoreRow } from '../../run/scores-csv.js';
import type { Claim, Selector } from '../hypothesis-schema.js';
import type { ScoreTable } from '../../run/score-table.js';
import { levelOf, matchesSelector, pairRows, type Pair } from '../selection.js';
import { emptyTestRow, type TestRow, type Verdict } from '../test-row.js';
import { acrossFactors } from '../validate-claims.js';

export interface ClaimContext {
  table: ScoreTable;
  seed: number;
  reps: number;
  /** 1 − cos between two models' weight-0 centroids, when the run's store is available. */
  modelDistance?: (a: string, b: string) => number | undefined;
}

export function metricRows(claim: Claim, table: ScoreTable, metric = claim.metric): ScoreRow[] {
  return table.rows.filter((r) => r.metric === metric && (!claim.model || r.model === claim.model) && Number.isFinite(r.value));
}

/** Every combination of the across factors' levels present among rows, as selectors (one {} when none). */
export function acrossSelectors(rows: ScoreRow[], factors: string[]): Selector[] {
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
export function effectCI(pairs: Pair[], effect: (x: number[], y: number[]) => number, seed: number, reps: number): { low: number; high: number } {
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
export function guarded(base: Pick<TestRow, 'hypothesis' | 'metric' | 'test' | 'a' | 'b' | 'where'>, n: number, run: () => TestRow): TestRow {
  try {
    return run();
  } catch (e) {
    if (e instanceof StatsInputError) return emptyTestRow(base, n, e.message);
    throw e;
  }
}

export function directionVerdict(
  significant: boolean,
  direction: number,
  expect: 'less' | 'greater' | 'different' | 'positive' | 'negative' | 'increasing' | 'decreasing',
): Verdict {
  if (!significant || direction === 0 || !Number.isFinite(direction)) return 'inconclusive';
  if (expect === 'different') return 'supported';
  const wantsPositive = expect === 'greater' || expect === 'positive' || expect === 'increasing';
  return direction > 0 === wantsPositive ? 'supported' : 'refuted';
}

export function applyCorrection(rows: TestRow[], claim: Claim, verdictOf: (row: TestRow) => Verdict): TestRow[] {
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

export interface PairedSides {
  a: Selector;
  b: Selector;
  fixed: Selector;
  pairs: Pair[];
}

export function pairedSides(claim: Claim, table: ScoreTable, a: Selector, b: Selector): PairedSides[] {
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
