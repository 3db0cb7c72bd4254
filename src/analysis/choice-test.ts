import type { ScoreRow } from '../run/scores-csv.js';
import { comparePaired, pAdjust } from '../stats/index.js';
import { pairedUnits, unitShortfall } from './claims/shared.js';
import { pairing } from './selection.js';

/** Family-wise error rate of the tests behind the choices of one analysis. */
export const CHOICE_ALPHA = 0.05;
export const CHOICE_CORRECTION = 'holm';
export const CHOICE_TEST =
  'paired t test on prompt means, two-sided (the Wilcoxon signed-rank test where every prompt differs by the same amount and t is undefined)';

/**
 * clear: the chosen candidate is better than every other feasible candidate of its group after correction;
 * not distinguishable: at least one of them it cannot be told apart from; untested: too few prompts for any test;
 * only feasible: no other candidate meets every floor, so there is nothing to test against; none: nothing meets the floors.
 */
export type ChoiceStatus = 'clear' | 'not distinguishable' | 'untested' | 'only feasible' | 'none';

/** The chosen candidate against one other feasible candidate of its group, with the prompt as the unit. */
export interface ChoiceComparison {
  /** Levels of the other candidate. */
  levels: Record<string, string>;
  /** Prompts both candidates have pairs on: the units of the test. */
  prompts: number;
  /** Mean over those prompts of (chosen − other). */
  difference: number;
  /** The test that gave p ('' when none ran). */
  test: string;
  /** Two-sided p; NaN when no test ran. */
  p: number;
  /** p corrected by Holm over every comparison of every group; NaN when no test ran. */
  pAdj: number;
  /** True when the chosen candidate is better after correction. */
  distinguishable: boolean;
  /** Why no test ran. */
  note?: string;
}

export interface ChoiceSide {
  levels: Record<string, string>;
  /** Concept metric rows of the candidate (LoRA images only). */
  rows: ScoreRow[];
}

/** One group's chosen candidate and the other feasible ones; null when nothing was chosen. */
export type ChoiceContest = { chosen: ChoiceSide; others: ChoiceSide[] } | null;

/**
 * Tests the chosen candidate of each group against each other feasible candidate of the group: images are paired on
 * prompt, seed and every factor the choice does not fix, each prompt's mean of the differences is one unit, and a
 * paired t test runs across the prompts. Two-sided, because the chosen candidate is the one with the highest mean: a
 * one-sided test in the direction the data picked would reject twice as often as its level under no difference.
 * Every test of every group forms one Holm family, so that the chance of calling any choice clear when the candidates
 * do not differ stays at most alpha.
 */
export function testChoices(contests: ChoiceContest[], keyFactors: string[], alpha = CHOICE_ALPHA): ChoiceComparison[][] {
  const results = contests.map((contest) => (contest ? contest.others.map((other) => compare(contest.chosen, other, keyFactors, alpha)) : []));
  const tested = results.flat().filter((c) => Number.isFinite(c.p));
  const adjusted = pAdjust(
    tested.map((c) => c.p),
    CHOICE_CORRECTION,
  );
  tested.forEach((c, i) => {
    c.pAdj = adjusted[i];
    c.distinguishable = c.pAdj < alpha && c.difference > 0;
  });
  return results;
}

function compare(chosen: ChoiceSide, other: ChoiceSide, keyFactors: string[], alpha: number): ChoiceComparison {
  const u = pairedUnits(pairing(chosen.rows, other.rows, keyFactors).pairs, 'prompt');
  const d = u.x.map((x, i) => x - u.y[i]);
  const difference = d.length ? d.reduce((s, v) => s + v, 0) / d.length : NaN;
  const base = { levels: other.levels, prompts: u.units.length, difference, test: '', p: NaN, pAdj: NaN, distinguishable: false };
  const shortfall = unitShortfall('t', 'prompt', u.units.length, 'two.sided', alpha);
  if (shortfall) return { ...base, note: shortfall };
  const result = comparePaired(u.x, u.y);
  if (result.t) return { ...base, test: 'paired t', p: result.t.p };
  // Every prompt differs by the same amount: no t statistic exists, but the signed-rank test needs no variance.
  if (result.wilcoxon) return { ...base, test: 'wilcoxon signed rank', p: result.wilcoxon.p };
  return { ...base, note: 'the two candidates score the same on every prompt' };
}

export interface ChoiceVerdict {
  status: ChoiceStatus;
  /** The other feasible candidates the chosen one is not shown to be better than. */
  indistinguishable: ChoiceComparison[];
}

export function choiceVerdict(chosen: boolean, comparisons: ChoiceComparison[]): ChoiceVerdict {
  if (!chosen) return { status: 'none', indistinguishable: [] };
  if (comparisons.length === 0) return { status: 'only feasible', indistinguishable: [] };
  const indistinguishable = comparisons.filter((c) => !c.distinguishable);
  if (indistinguishable.length === 0) return { status: 'clear', indistinguishable };
  if (comparisons.every((c) => !Number.isFinite(c.p))) return { status: 'untested', indistinguishable };
  return { status: 'not distinguishable', indistinguishable };
}

const fmtP = (p: number) => (p < 1e-4 ? p.toExponential(1) : p.toFixed(4));
export const levelsText = (levels: Record<string, string>) =>
  Object.entries(levels)
    .map(([f, l]) => `${f}=${l}`)
    .join(', ');

/**
 * What a group's status says in words: "clear: better than …" or "not distinguishable from …", each other candidate
 * with its corrected p (or why it has none).
 */
export function choiceStatusText(status: ChoiceStatus, comparisons: ChoiceComparison[]): string {
  const against = (c: ChoiceComparison) => `${levelsText(c.levels)} (${Number.isFinite(c.pAdj) ? `p_adj ${fmtP(c.pAdj)}` : c.note})`;
  switch (status) {
    case 'clear': {
      const largest = Math.max(...comparisons.map((c) => c.pAdj));
      return `clear: better than ${comparisons.length === 1 ? levelsText(comparisons[0].levels) : `each of the ${comparisons.length} other feasible candidates`} (p_adj ${comparisons.length === 1 ? '' : '≤ '}${fmtP(largest)})`;
    }
    case 'not distinguishable':
      return `not distinguishable from ${comparisons
        .filter((c) => !c.distinguishable)
        .map(against)
        .join(', ')}`;
    case 'untested':
      return `not tested: ${[...new Set(comparisons.map((c) => c.note))].join('; ')}`;
    case 'only feasible':
      return 'the only candidate that meets every floor (nothing to test it against)';
    case 'none':
      return 'none meets every floor';
  }
}

/** What the printed line of a group's choice needs (ChooseGroup, or its summary.json form). */
export interface ChoiceLineGroup {
  group: Record<string, string>;
  chosen: Record<string, string> | null;
  status: ChoiceStatus;
  statusText: string;
  pBest: number;
  unmetFloors: string[];
}

/**
 * One group's choice as analyze prints it: the chosen levels, whether the choice is clear or which candidates it is not
 * distinguishable from, then P(best); or which floor no candidate meets.
 */
export function choiceLine(metric: string, g: ChoiceLineGroup): string {
  const within = levelsText(g.group);
  const head = `choose ${metric}${within ? ` (${within})` : ''}: `;
  if (!g.chosen)
    return `${head}none meets every floor (no candidate meets ${g.unmetFloors.join(', ') || 'all of them at once'}; --choose-floor sets absolute floors)`;
  const highest = g.status === 'clear' || g.status === 'only feasible' ? '' : ' (highest mean)';
  return `${head}${levelsText(g.chosen)}${highest}, ${g.statusText}, P(best) ${Number.isFinite(g.pBest) ? g.pBest.toFixed(2) : '–'}`;
}
