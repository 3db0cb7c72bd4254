import type { FactorCosts } from '../../run/score-table.js';
import { costOf } from '../../run/factor-costs.js';
import { canonicalLevel } from '../../sweep/level.js';
import type { Selector } from '../hypothesis-schema.js';
import { isRelation } from '../selection.js';
import type { TestRow } from '../test-row.js';

/** The one costed factor two sides set to single, different levels, and cost(a) − cost(b) in GPU-hours. */
export function costDifference(a: Selector, b: Selector, costs: FactorCosts | undefined): { factor: string; difference: number } | undefined {
  if (!costs) return undefined;
  const single = (s: Selector, f: string) => {
    const v = s[f];
    if (v === undefined || isRelation(v)) return undefined;
    const levels = Array.isArray(v) ? v : [v];
    return levels.length === 1 ? canonicalLevel(String(levels[0])) : undefined;
  };
  const differing = Object.keys(costs).filter((f) => single(a, f) !== undefined && single(b, f) !== undefined && single(a, f) !== single(b, f));
  if (differing.length !== 1) return undefined;
  const factor = differing[0];
  const ca = costOf(costs, factor, single(a, factor)!);
  const cb = costOf(costs, factor, single(b, factor)!);
  if (ca === undefined || cb === undefined || ca === cb) return undefined;
  return { factor, difference: ca - cb };
}

/**
 * The cost's slope along a numeric factor: the OLS slope of each level's cost on the level, over the levels present.
 * With two levels it is the cost difference per unit of the factor.
 */
export function costSlope(factor: string, levels: string[], costs: FactorCosts | undefined): { factor: string; difference: number } | undefined {
  if (!costs?.[factor]) return undefined;
  const found = [...new Set(levels)].map((l) => [Number(l), costOf(costs, factor, l)] as const);
  if (found.length < 2 || found.some(([x, c]) => !Number.isFinite(x) || c === undefined)) return undefined;
  const points = found as (readonly [number, number])[];
  const mx = points.reduce((s, [x]) => s + x, 0) / points.length;
  const mc = points.reduce((s, [, c]) => s + c, 0) / points.length;
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const slope = points.reduce((s, [x, c]) => s + (x - mx) * (c - mc), 0) / sxx;
  return slope === 0 || !Number.isFinite(slope) ? undefined : { factor, difference: slope };
}

/**
 * Gain per GPU-hour: the estimate (a − b) and its CI divided by the cost difference of the two sides. The costs
 * are the plan's estimates, taken as known constants, so the interval is the estimate's own, rescaled.
 */
export function withPerCost(row: TestRow, cost: { factor: string; difference: number } | undefined): TestRow {
  if (!cost || !Number.isFinite(row.estimate)) return row;
  const ends = [row.ciLow / cost.difference, row.ciHigh / cost.difference].sort((x, y) => x - y);
  return {
    ...row,
    perCost: row.estimate / cost.difference,
    perCostCiLow: ends[0],
    perCostCiHigh: ends[1],
    costFactor: cost.factor,
    costDifference: cost.difference,
  };
}
