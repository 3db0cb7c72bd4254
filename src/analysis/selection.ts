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
  /** The pair key: prompt, seed and the levels of the factors not fixed by the comparison. */
  key: string;
  prompt: string;
  seed: string;
  a: number;
  b: number;
}

export interface Pairing {
  pairs: Pair[];
  /** Images on both sides (weight-0 images every base shares), left out: paired with themselves they differ by 0. */
  shared: number;
}

type Group = { key: string[]; sum: number; n: number };

/** Rows averaged per pair key (prompt, seed, key factor levels; a blank weight-0 level stays blank). */
function groupSide(rows: ScoreRow[], keyFactors: string[]): Map<string, Group> {
  const groups = new Map<string, Group>();
  for (const r of rows) {
    const key = [r.prompt, String(r.seed), ...keyFactors.map((f) => r.levels[f] ?? '')];
    const k = JSON.stringify(key);
    const g = groups.get(k) ?? { key, sum: 0, n: 0 };
    g.sum += r.value;
    g.n++;
    groups.set(k, g);
  }
  return groups;
}

/** Same prompt and seed, and every key factor equal or blank (weight 0) on either side. */
function keysMatch(a: string[], b: string[]): boolean {
  return a.every((v, i) => v === b[i] || (i >= 2 && (v === '' || b[i] === '')));
}

/**
 * Pairs the rows of two sides on their pair key: prompt, seed and every factor not fixed by the comparison.
 * A blank (weight-0) level on either side matches any level of that factor on the other, so swapping the sides
 * gives the same pairs with the sign flipped. Rows that match each other form one group (e.g. a weight-0 image
 * and the three bases' images it is the native of): each group becomes one pair of side means, so no image
 * enters a test twice. Rows present on both sides are left out and counted; keys seen on one side only are
 * dropped.
 */
export function pairing(a: ScoreRow[], b: ScoreRow[], keyFactors: string[]): Pairing {
  const onB = new Set(b);
  const sharedRows = new Set(a.filter((r) => onB.has(r)));
  const shared = new Set([...sharedRows].map((r) => r.image)).size;
  const sideA = [
    ...groupSide(
      a.filter((r) => !sharedRows.has(r)),
      keyFactors,
    ).values(),
  ];
  const sideB = [
    ...groupSide(
      b.filter((r) => !sharedRows.has(r)),
      keyFactors,
    ).values(),
  ];
  const byUnit = (groups: Group[]) => {
    const map = new Map<string, Group[]>();
    for (const g of groups) {
      const unit = JSON.stringify(g.key.slice(0, 2));
      map.set(unit, [...(map.get(unit) ?? []), g]);
    }
    return map;
  };
  const aByUnit = byUnit(sideA);
  const bByUnit = byUnit(sideB);
  const pairs: Pair[] = [];
  const usedA = new Set<Group>();
  for (const start of sideA) {
    if (usedA.has(start)) continue;
    const unit = JSON.stringify(start.key.slice(0, 2));
    const candidatesA = aByUnit.get(unit)!;
    const candidatesB = bByUnit.get(unit) ?? [];
    // The connected component of `start` in the graph of matching keys.
    const compA = new Set<Group>([start]);
    const compB = new Set<Group>();
    let grew = true;
    while (grew) {
      grew = false;
      for (const gb of candidatesB) if (!compB.has(gb) && [...compA].some((ga) => keysMatch(ga.key, gb.key)) && compB.add(gb)) grew = true;
      for (const ga of candidatesA) if (!compA.has(ga) && [...compB].some((gb) => keysMatch(ga.key, gb.key)) && compA.add(ga)) grew = true;
    }
    for (const ga of compA) usedA.add(ga);
    if (compB.size === 0) continue;
    const meanOf = (gs: Set<Group>) => [...gs].reduce((s, g) => s + g.sum / g.n, 0) / gs.size;
    pairs.push({ key: JSON.stringify(start.key), prompt: start.key[0], seed: start.key[1], a: meanOf(compA), b: meanOf(compB) });
  }
  return { pairs, shared };
}

/** The pairs of `pairing`, for callers whose sides cannot share rows (e.g. two runs). */
export function pairRows(a: ScoreRow[], b: ScoreRow[], keyFactors: string[]): Pair[] {
  return pairing(a, b, keyFactors).pairs;
}
