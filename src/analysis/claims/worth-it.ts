import { metricFor } from '../../../metrics/registry.js';
import { levelsOf, type FactorCosts, type ScoreTable } from '../../run/score-table.js';
import { costOf } from '../../run/factor-costs.js';
import type { CompareClaim, DoseResponseClaim, WorthIt } from '../hypothesis-schema.js';
import { joinNotes, type TestRow, type WorthItVerdict } from '../test-row.js';
import { costDifference, costSlope } from './per-cost.js';

/**
 * The worth-it rule. Each bound of a two-sided 95% CI is a one-sided test at 2.5%, so a test calls a gain worth it
 * (or not) wrongly at most 2.5% of the time; a hypothesis needs every test to agree (an intersection-union test),
 * which keeps that bound with no correction across tests.
 */
export const WORTH_IT_RULE =
  "worth_it: the gain per GPU-hour is the test's estimate divided by the GPU-hour difference of its two sides " +
  "(dose-response: the metric's slope over the cost's slope), signed so that a gain moves the metric in its better direction, " +
  'with the 95% CI over prompts rescaled the same way. Per test: worth it only when the CI lies wholly above min_gain_per_gpu_hour, ' +
  'not worth it only when it lies wholly below, else inconclusive. Per hypothesis: worth it, or not worth it, only when every test is; else inconclusive. ' +
  "It is apart from the claim's supported/refuted verdict.";

export type WorthItClaim = CompareClaim | DoseResponseClaim;

/** The metric's better direction for a worth_it claim: stated, or from the metric registry; undefined when neither. */
export function worthItDirection(claim: WorthItClaim): boolean | undefined {
  return claim.worth_it?.higher_is_better ?? metricFor(claim.metric)?.higherIsBetter;
}

/** Why a claim's worth_it cannot be judged on these scores (empty when it can). */
export function worthItProblems(claim: WorthItClaim, table: ScoreTable): string[] {
  if (!claim.worth_it) return [];
  const problems: string[] = [];
  if (worthItDirection(claim) === undefined)
    problems.push(`metric "${claim.metric}" is not in the metric registry, so which way is a gain is unknown: add higher_is_better: true or false`);
  if (claim.unit === 'image')
    problems.push('needs unit: prompt (the default): an image-level CI counts every image as independent and would overstate what the GPU-hours buy');
  if (!table.costs) {
    problems.push("needs GPU-hours per level: the sweep has no costs: (analyze reads them from the run's run.json or --sweep)");
    return problems;
  }
  if ('compare' in claim) {
    if (!costDifference(claim.compare.a, claim.compare.b, table.costs))
      problems.push(
        `needs compare.a and compare.b to set one factor with costs (${Object.keys(table.costs).join(', ')}) to single levels of different cost, and to agree on every other factor with costs`,
      );
  } else {
    const factor = claim.dose_response.factor;
    const levels = levelsOf(table, factor);
    if (!costSlope(factor, levels, table.costs))
      problems.push(`needs costs: for ${factor}, with GPU-hours for each of its levels (costs given for: ${Object.keys(table.costs).join(', ') || 'none'})`);
    else if (!linearCosts(levels, factor, table.costs))
      problems.push(
        `needs costs that grow linearly with ${factor}, so that the metric's slope over the cost's slope is a gain per GPU-hour at every level; ` +
          `${levels.map((l) => `${l}: ${costOf(table.costs, factor, l)}`).join(', ')} do not: compare two levels instead`,
      );
  }
  return problems;
}

/** Whether the cost of each level lies on one straight line through the levels (to rounding). */
function linearCosts(levels: string[], factor: string, costs: FactorCosts): boolean {
  const points = levels.map((l) => [Number(l), costOf(costs, factor, l)!] as const);
  if (points.length <= 2) return true;
  const mx = points.reduce((s, [x]) => s + x, 0) / points.length;
  const mc = points.reduce((s, [, c]) => s + c, 0) / points.length;
  const slope = points.reduce((s, [x, c]) => s + (x - mx) * (c - mc), 0) / points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const scale = Math.max(...points.map(([, c]) => Math.abs(c)));
  return points.every(([x, c]) => Math.abs(c - (mc + slope * (x - mx))) <= 1e-9 * scale);
}

/** The test's gain per GPU-hour in the metric's better direction, its CI, and the decision against the threshold. */
export function withWorthIt(row: TestRow, worthIt: WorthIt, higherIsBetter: boolean): TestRow {
  const threshold = worthIt.min_gain_per_gpu_hour;
  if (row.perCost === undefined || !Number.isFinite(row.perCostCiLow ?? NaN) || !Number.isFinite(row.perCostCiHigh ?? NaN)) {
    return {
      ...row,
      worthItMinGain: threshold,
      worthIt: 'inconclusive',
      note: joinNotes(row.note, 'worth_it: no CI of the gain per GPU-hour, so no decision'),
    };
  }
  const sign = higherIsBetter ? 1 : -1;
  const [low, high] = [sign * row.perCostCiLow!, sign * row.perCostCiHigh!].sort((x, y) => x - y);
  const verdict: WorthItVerdict = low > threshold ? 'worth it' : high < threshold ? 'not worth it' : 'inconclusive';
  return { ...row, worthItMinGain: threshold, worthItGain: sign * row.perCost, worthItGainCiLow: low, worthItGainCiHigh: high, worthIt: verdict };
}

/** A hypothesis' worth-it decision, as summary.json records it. */
export interface WorthItSummary {
  verdict: WorthItVerdict;
  min_gain_per_gpu_hour: number;
  higher_is_better: boolean;
  tests: number;
  worth_it: number;
  not_worth_it: number;
  inconclusive: number;
}

export function worthItSummary(rows: TestRow[], worthIt: WorthIt, higherIsBetter: boolean): WorthItSummary {
  const count = (v: WorthItVerdict) => rows.filter((r) => r.worthIt === v).length;
  const all = (v: WorthItVerdict) => rows.length > 0 && count(v) === rows.length;
  return {
    verdict: all('worth it') ? 'worth it' : all('not worth it') ? 'not worth it' : 'inconclusive',
    min_gain_per_gpu_hour: worthIt.min_gain_per_gpu_hour,
    higher_is_better: higherIsBetter,
    tests: rows.length,
    worth_it: count('worth it'),
    not_worth_it: count('not worth it'),
    inconclusive: count('inconclusive'),
  };
}
