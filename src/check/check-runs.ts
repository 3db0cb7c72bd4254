import { loadScoreTable, type ScoreTable } from '../run/score-table.js';
import { formatSelector, pairRows } from '../analysis/selection.js';
import { UserError } from '../errors.js';
import type { ScoreRow } from '../run/scores-csv.js';
import { mean, nonInferiority, pairedT, pAdjust, StatsInputError } from '../stats/index.js';
import { metricFor, metricRegistry } from '../../metrics/registry.js';

export type CheckStatus = 'pass' | 'regression' | 'inconclusive';

/** One metric in one group of cells, current run against its baseline. */
export interface CheckResult {
  metric: string;
  group: string;
  n: number;
  /** mean(current − baseline). */
  difference: number;
  margin: number;
  higherIsBetter: boolean;
  /** Holm-corrected p of "current is worse by at least the margin" (small = shown non-inferior). */
  pNonInferior: number;
  /** Holm-corrected p of "current is worse by more than the margin" (small = shown to regress). */
  pRegression: number;
  status: CheckStatus;
  reason: string;
}

export interface CheckOptions {
  run: string;
  baseline: string;
  /** Metrics to check; default every registered metric present in both runs. */
  metrics?: string[];
  /** Per-metric margins overriding the registry's regression margins. */
  margins?: Record<string, number>;
  /** Factors whose levels form the groups; default every factor (one group per cell). */
  by?: string[];
  alpha?: number;
}

export interface CheckReport {
  results: CheckResult[];
  /** Exit status: a regression anywhere fails the check. */
  passed: boolean;
}

function groupKey(row: ScoreRow, by: string[]): string {
  return JSON.stringify(by.map((f) => row.levels[f] ?? ''));
}

/**
 * The regression gate: pairs every image of a run with the same cell, prompt and seed in a baseline run and tests,
 * per metric and group, whether the run is worse than the baseline by more than the metric's margin (one-sided paired
 * t tests, Holm-corrected within each metric). A regression shown beyond the margin fails the check; a group where
 * neither non-inferiority nor a regression can be shown is inconclusive and reported, not failed.
 */
export function checkRuns(options: CheckOptions): CheckReport {
  const current = loadScoreTable(options.run);
  const baseline = loadScoreTable(options.baseline);
  const missingFactors = current.factors.filter((f) => !baseline.factors.includes(f));
  if (missingFactors.length) throw new UserError(`${baseline.source}: has no factor ${missingFactors.join(', ')} (the run has ${current.factors.join(', ')})`);
  const alpha = options.alpha ?? 0.05;
  const by = options.by ?? current.factors;
  for (const f of by) if (!current.factors.includes(f)) throw new UserError(`--by: factor "${f}" does not exist; factors: ${current.factors.join(', ')}`);
  const present = (t: ScoreTable) => new Set(t.rows.map((r) => r.metric));
  const inBoth = [...present(current)].filter((m) => present(baseline).has(m));
  const metrics = options.metrics ?? metricRegistry.map((m) => m.name).filter((m) => inBoth.includes(m));
  for (const m of metrics) if (!inBoth.includes(m)) throw new UserError(`metric "${m}" is not in both runs; metrics in both: ${inBoth.join(', ') || '(none)'}`);
  for (const m of Object.keys(options.margins ?? {}))
    if (!metrics.includes(m)) throw new UserError(`--margin names "${m}", which is not checked; checked: ${metrics.join(', ')}`);

  const keyFactors = current.factors.filter((f) => !by.includes(f));
  const results: CheckResult[] = [];
  for (const metric of metrics) {
    const def = metricFor(metric);
    const higherIsBetter = def?.higherIsBetter ?? true;
    const margin = options.margins?.[metric] ?? def?.regressionMargin;
    if (margin === undefined) throw new UserError(`metric "${metric}" has no default regression margin: give one with --margin ${metric}=<value>`);
    const groups = new Map<string, { a: ScoreRow[]; b: ScoreRow[] }>();
    for (const [side, table] of [
      ['a', current],
      ['b', baseline],
    ] as const) {
      for (const r of table.rows) {
        if (r.metric !== metric || !Number.isFinite(r.value)) continue;
        const k = groupKey(r, by);
        if (!groups.has(k)) groups.set(k, { a: [], b: [] });
        groups.get(k)![side].push(r);
      }
    }
    const rows: CheckResult[] = [];
    const pLess: number[] = [];
    const pMore: number[] = [];
    for (const [k, g] of groups) {
      const group = formatSelector(Object.fromEntries(by.map((f, i) => [f, (JSON.parse(k) as string[])[i] || '(native)'])));
      const pairs = pairRows(g.a, g.b, keyFactors);
      const base = { metric, group, n: pairs.length, margin, higherIsBetter, pNonInferior: NaN, pRegression: NaN };
      const x = pairs.map((p) => p.a);
      const y = pairs.map((p) => p.b);
      const difference = pairs.length ? mean(x.map((v, i) => v - y[i])) : NaN;
      if (pairs.length < 3) {
        rows.push({ ...base, difference, status: 'inconclusive', reason: `only ${pairs.length} image(s) in both runs` });
        pLess.push(NaN);
        pMore.push(NaN);
        continue;
      }
      if (x.every((v, i) => v === y[i])) {
        rows.push({ ...base, difference: 0, status: 'pass', reason: 'identical scores' });
        pLess.push(NaN);
        pMore.push(NaN);
        continue;
      }
      try {
        const ni = nonInferiority(x, y, { margin, higherIsBetter, alpha, test: 't' });
        const worse = pairedT(x, y, { mu: higherIsBetter ? -margin : margin, alternative: higherIsBetter ? 'less' : 'greater' });
        rows.push({ ...base, difference, status: 'inconclusive', reason: '' });
        pLess.push(ni.p);
        pMore.push(worse.p);
      } catch (e) {
        if (!(e instanceof StatsInputError)) throw e;
        rows.push({ ...base, difference, status: 'inconclusive', reason: e.message });
        pLess.push(NaN);
        pMore.push(NaN);
      }
    }
    const adjLess = pAdjust(pLess, 'holm');
    const adjMore = pAdjust(pMore, 'holm');
    rows.forEach((r, i) => {
      if (!Number.isFinite(pLess[i])) return;
      r.pNonInferior = adjLess[i];
      r.pRegression = adjMore[i];
      if (adjMore[i] < alpha) {
        r.status = 'regression';
        r.reason = `worse than the baseline by more than ${margin}`;
      } else if (adjLess[i] < alpha) {
        r.status = 'pass';
        r.reason = `not worse than the baseline by ${margin} or more`;
      } else {
        r.status = 'inconclusive';
        r.reason = `neither a regression beyond ${margin} nor non-inferiority could be shown with ${r.n} pairs`;
      }
    });
    results.push(...rows);
  }
  return { results, passed: !results.some((r) => r.status === 'regression') };
}
