import { UserError } from '../errors.js';
import { canonicalLevel } from '../sweep/level.js';
import type { FactorCosts } from './score-table.js';

/**
 * The costs keyed by each level's canonical spelling, the one the scores use ("1.0" → "1"), so that a cost is found
 * for its level however either was written. Two keys of one factor that name the same level are refused.
 */
export function canonicalCosts(costs: FactorCosts, source: string): FactorCosts {
  return Object.fromEntries(
    Object.entries(costs).map(([factor, levels]) => {
      const byLevel = new Map<string, { key: string; cost: number }>();
      for (const [key, cost] of Object.entries(levels)) {
        const level = canonicalLevel(key);
        const earlier = byLevel.get(level);
        if (earlier) throw new UserError(`${source}: costs.${factor}: "${earlier.key}" and "${key}" are the same level of ${factor}; give its cost once`);
        byLevel.set(level, { key, cost });
      }
      return [factor, Object.fromEntries([...byLevel].map(([level, { cost }]) => [level, cost]))];
    }),
  );
}

/** GPU-hours of one level of a factor in costs keyed canonically (see canonicalCosts); undefined when there is none. */
export function costOf(costs: FactorCosts | undefined, factor: string, level: string): number | undefined {
  const levels = costs && Object.hasOwn(costs, factor) ? costs[factor] : undefined;
  const key = canonicalLevel(level);
  return levels && Object.hasOwn(levels, key) ? levels[key] : undefined;
}
