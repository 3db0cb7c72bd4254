import type { ScoreRow } from '../run/scores-csv.js';
import { canonicalLevel } from '../sweep/level.js';
import type { Selector } from './hypothesis-schema.js';

/**
 * Whether a row lies in the part of the design a selector names. Weight-0 rows leave LoRA-only factors blank:
 * they are every base's native output, so a blank level matches any level of such a factor.
 */
/** A row's level of a factor; "prompt" names the prompt id, so claims can select prompts too. */
export function levelOf(row: ScoreRow, factor: string): string | undefined {
  return factor === 'prompt' ? row.prompt : row.levels[factor];
}

export function matchesSelector(row: ScoreRow, selector: Selector, loraFactors: string[]): boolean {
  return Object.entries(selector).every(([factor, level]) => {
    const value = levelOf(row, factor);
    const levels = Array.isArray(level) ? level : [level];
    return levels.some((l) => sameLevel(value, l)) || (value === '' && loraFactors.includes(factor));
  });
}

/** Levels are equal in their canonical spelling ("1.0" and 1 name the same weight). */
export function sameLevel(value: string | undefined, level: string | number): boolean {
  return value !== undefined && canonicalLevel(value) === canonicalLevel(String(level));
}

export function formatSelector(selector: Selector): string {
  return Object.entries(selector)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('|') : v}`)
    .join(';');
}

export interface Pair {
  key: string;
  prompt: string;
  a: number;
  b: number;
}

/**
 * Pairs the rows of two cells on their pair key: prompt, seed and every factor not fixed by the comparison.
 * A blank (weight-0) level on side b matches any level of that factor on side a. Keys seen on one side only are
 * dropped; keys seen more than once on a side are averaged.
 */
export function pairRows(a: ScoreRow[], b: ScoreRow[], keyFactors: string[]): Pair[] {
  const keyOf = (r: ScoreRow, wildcard: boolean) =>
    JSON.stringify([r.prompt, r.seed, ...keyFactors.map((f) => (wildcard && r.levels[f] === '' ? '*' : r.levels[f]))]);
  const average = (rows: ScoreRow[], wildcard: boolean) => {
    const groups = new Map<string, { prompt: string; sum: number; n: number }>();
    for (const r of rows) {
      const k = keyOf(r, wildcard);
      const g = groups.get(k) ?? { prompt: r.prompt, sum: 0, n: 0 };
      g.sum += r.value;
      g.n++;
      groups.set(k, g);
    }
    return groups;
  };
  const sideA = average(a, false);
  const sideB = average(b, true);
  const pairs: Pair[] = [];
  for (const [key, ga] of sideA) {
    let gb = sideB.get(key);
    if (!gb) {
      const parts = JSON.parse(key) as string[];
      // Try the weight-0 form of the key: blank factors on side b were stored as "*".
      for (let mask = 1; mask < 1 << keyFactors.length && !gb; mask++) {
        const candidate = parts.map((p, i) => (i >= 2 && mask & (1 << (i - 2)) ? '*' : p));
        gb = sideB.get(JSON.stringify(candidate));
      }
    }
    if (gb) pairs.push({ key, prompt: ga.prompt, a: ga.sum / ga.n, b: gb.sum / gb.n });
  }
  return pairs;
}
