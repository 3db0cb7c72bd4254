import { smallestSpearmanP, spearman, spearmanPointsNeeded } from '../../stats/index.js';
import type { ScoreRow } from '../../run/scores-csv.js';
import type { CorrelationClaim } from '../hypothesis-schema.js';
import { formatSelector, levelOf, matchesSelector } from '../selection.js';
import { emptyTestRow, joinNotes, type TestRow } from '../test-row.js';
import { acrossSelectors, applyCorrection, directionVerdict, guarded, metricRows, type ClaimContext } from './shared.js';
import { acrossFactors } from '../validate-claims.js';

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

/**
 * A factor the cells are pooled over whose levels differ between cells (a sweep's exclude:, e.g. intermediate
 * checkpoints of one LoRA only): a cell mean would mix levels the others lack, so the correlation would compare
 * unlike things. Returns why, naming the factor and two cells that differ, or undefined when every cell pools alike.
 */
function unevenPooling(rows: ScoreRow[], over: string[], factors: string[]): string | undefined {
  const pooled = factors.filter((f) => !over.includes(f));
  const seen = new Map<string, { levels: Record<string, string>; sets: Map<string, Set<string>> }>();
  for (const r of rows) {
    if (over.some((f) => levelOf(r, f) === '')) continue;
    const levels = Object.fromEntries(over.map((f) => [f, levelOf(r, f)!]));
    const key = JSON.stringify(levels);
    const cell = seen.get(key) ?? { levels, sets: new Map(pooled.map((f) => [f, new Set<string>()])) };
    for (const f of pooled) if (r.levels[f]) cell.sets.get(f)!.add(r.levels[f]);
    seen.set(key, cell);
  }
  const cells = [...seen.values()];
  const label = (c: (typeof cells)[number], f: string) =>
    `${Object.entries(c.levels)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')} has ${f} ${[...c.sets.get(f)!].sort().join(', ') || '(none)'}`;
  for (const f of pooled) {
    const text = (c: (typeof cells)[number]) => [...c.sets.get(f)!].sort().join('|');
    const other = cells.find((c) => text(c) !== text(cells[0]));
    if (other) return `the cells pool over ${f}, whose levels differ between them (${label(cells[0], f)}; ${label(other, f)}): fix ${f} in where:`;
  }
  return undefined;
}

export function evaluateCorrelation(claim: CorrelationClaim, ctx: ClaimContext): TestRow[] {
  const { table } = ctx;
  const where = claim.where ?? {};
  const over = claim.correlation.over;
  const ys = metricRows(claim, table).filter((r) => matchesSelector(r, where, table.loraFactors, table.lineage));
  const xs =
    claim.correlation.with === 'model_distance'
      ? []
      : metricRows(claim, table, claim.correlation.with).filter((r) => matchesSelector(r, where, table.loraFactors, table.lineage));
  const rows = acrossSelectors(ys, acrossFactors(claim)).map((level): TestRow => {
    const fixed = { ...where, ...level };
    const base = {
      hypothesis: claim.id,
      metric: claim.metric,
      a: claim.correlation.with,
      b: claim.metric,
      where: formatSelector(fixed),
      unit: 'cell' as const,
    };
    const yMeans = cellMeans(
      ys.filter((r) => matchesSelector(r, fixed, table.loraFactors, table.lineage)),
      over,
    );
    const xMeans = cellMeans(
      xs.filter((r) => matchesSelector(r, fixed, table.loraFactors, table.lineage)),
      over,
    );
    const uneven = unevenPooling(
      ys.filter((r) => matchesSelector(r, fixed, table.loraFactors, table.lineage)),
      over,
      table.factors,
    );
    if (uneven) return emptyTestRow({ ...base, test: 'spearman' }, yMeans.size, uneven, yMeans.size);
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
      return emptyTestRow({ ...base, test }, points.length, why, points.length);
    }
    // As for signed-rank tests: a test that no data could make significant is not run, and says so.
    const smallest = smallestSpearmanP(points.length);
    if (smallest >= claim.alpha) {
      const needed = spearmanPointsNeeded(claim.alpha);
      return emptyTestRow(
        { ...base, test },
        points.length,
        `${points.length} points: the smallest possible p of Spearman's test is ${Number(smallest.toPrecision(3))}; ${needed} are needed`,
        points.length,
      );
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
        nUnits: points.length,
        estimate: result.rho,
        ciLow: NaN,
        ciHigh: NaN,
        ciMethod: '',
        ciLevel: NaN,
        statistic: result.statistic,
        p: result.p,
        pAdj: NaN,
        effect: result.rho,
        effectCiLow: NaN,
        effectCiHigh: NaN,
        verdict: 'inconclusive',
        note: joinNotes(
          unavailable ? `${unavailable} point(s) without ${claim.correlation.with} left out` : undefined,
          "no CI for ρ: it is tested by its p-value only, as R's cor.test does for Spearman",
        ),
      };
    });
  });
  return applyCorrection(rows, claim, (r) => directionVerdict(r.pAdj < claim.alpha, r.estimate, claim.expect));
}
