import { StatsInputError } from './errors.js';

export type PAdjustMethod = 'holm' | 'hochberg' | 'BH' | 'BY' | 'bonferroni' | 'none';

export const P_ADJUST_METHODS: readonly PAdjustMethod[] = ['holm', 'hochberg', 'BH', 'BY', 'bonferroni', 'none'];

/**
 * Adjusted p-values, equal to R's p.adjust(p, method, n). NaN entries play the role of R's NA:
 * they are kept in place and not counted in the default n.
 * Holm controls the family-wise error rate; BH the false discovery rate (independent or positively dependent tests).
 */
export function pAdjust(p: readonly number[], method: PAdjustMethod = 'holm', n?: number): number[] {
  if (!P_ADJUST_METHODS.includes(method)) {
    throw new StatsInputError(`pAdjust: method must be one of ${P_ADJUST_METHODS.join(', ')}, got ${String(method)}`);
  }
  const present: number[] = [];
  p.forEach((value, i) => {
    if (typeof value !== 'number') throw new StatsInputError(`pAdjust: p[${i}] must be a number, got ${String(value)}`);
    if (Number.isNaN(value)) return;
    if (value < 0 || value > 1) throw new StatsInputError(`pAdjust: p[${i}] must be a probability in [0, 1], got ${value}`);
    present.push(i);
  });
  const lp = present.length;
  const family = n ?? lp;
  if (!Number.isInteger(family) || family < lp) {
    throw new StatsInputError(`pAdjust: n must be an integer ≥ the number of non-missing p-values (${lp}), got ${String(n)}`);
  }
  const out = [...p];
  if (family <= 1 || method === 'none') return out;
  const values = present.map((i) => p[i]);
  let adjusted: number[];
  switch (method) {
    case 'bonferroni':
      adjusted = values.map((v) => Math.min(1, family * v));
      break;
    case 'holm':
      adjusted = stepDown(values, (rank) => family - rank);
      break;
    case 'hochberg':
      adjusted = stepUp(values, (i) => family + 1 - i);
      break;
    case 'BH':
      adjusted = stepUp(values, (i) => family / i);
      break;
    case 'BY': {
      let harmonic = 0;
      for (let k = 1; k <= family; k++) harmonic += 1 / k;
      adjusted = stepUp(values, (i) => (harmonic * family) / i);
      break;
    }
  }
  present.forEach((index, k) => {
    out[index] = adjusted[k];
  });
  return out;
}

/** Ascending order, cumulative max of factor(rank) · p, capped at 1 (rank is 0-based). */
function stepDown(values: number[], factor: (rank: number) => number): number[] {
  const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b] || a - b);
  const out = new Array<number>(values.length);
  let running = 0;
  order.forEach((index, rank) => {
    running = Math.max(running, factor(rank) * values[index]);
    out[index] = Math.min(1, running);
  });
  return out;
}

/** Descending order, cumulative min of factor(i) · p where i runs from the number of values down to 1, capped at 1. */
function stepUp(values: number[], factor: (i: number) => number): number[] {
  const order = values.map((_, i) => i).sort((a, b) => values[b] - values[a] || a - b);
  const out = new Array<number>(values.length);
  let running = Infinity;
  order.forEach((index, k) => {
    running = Math.min(running, factor(values.length - k) * values[index]);
    out[index] = Math.min(1, running);
  });
  return out;
}
