import {
  clusterBootstrap,
  oneSampleT,
  pAdjust,
  promptMeanDifferences,
  signedRankUnitsNeeded,
  smallestSignedRankP,
  StatsInputError,
  type Alternative,
} from '../../stats/index.js';
import { MIN_BOOTSTRAP_BLOCKS } from '../../stats/anova-type2.js';
import type { ScoreRow } from '../../run/scores-csv.js';
import type { Claim, Selector } from '../hypothesis-schema.js';
import type { ScoreTable } from '../../run/score-table.js';
import { formatSelector, levelOf, matchesSelector, pairing, type Pair } from '../selection.js';
import { sharedLevels } from '../shared-levels.js';
import { UserError } from '../../errors.js';
import { emptyTestRow, type CiMethod, type TestRow, type TestRowBase, type Verdict } from '../test-row.js';
import { acrossFactors } from '../validate-claims.js';

export interface ClaimContext {
  table: ScoreTable;
  seed: number;
  reps: number;
  /** How test estimates get their CIs. */
  ci: CiMethod;
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

/** A bootstrap CI, or why there is none (NaN bounds then). */
export interface IntervalOrReason {
  low: number;
  high: number;
  missing?: string;
}

/**
 * Prompts an effect-size CI needs. With fewer, a large share of resamples repeats one or two prompts, whose
 * standardized effect is a ratio of rounding noise (|dz| of 1e15), and the percentiles land among them.
 */
export const MIN_EFFECT_CI_PROMPTS = MIN_BOOTSTRAP_BLOCKS;

/** Bootstrap CI of a paired effect, resampling pairs within prompt clusters. */
export function effectCI(
  pairs: PairedUnit[],
  effect: (x: number[], y: number[]) => number,
  seed: number,
  reps: number,
  level = 0.95,
  minPrompts = 2,
): IntervalOrReason {
  const prompts = new Set(pairs.map((p) => p.prompt)).size;
  if (prompts < Math.max(2, minPrompts)) return { low: NaN, high: NaN, missing: `${prompts} prompt(s): a prompt bootstrap needs ${Math.max(2, minPrompts)}` };
  try {
    const ci = clusterBootstrap(
      pairs,
      pairs.map((p) => p.prompt),
      (sample) =>
        effect(
          sample.map((p) => p.a),
          sample.map((p) => p.b),
        ),
      { seed, reps, level },
    );
    return { low: ci.low, high: ci.high };
  } catch (e) {
    return { low: NaN, high: NaN, missing: (e instanceof Error ? e.message : String(e)).replace(/^\w+: /, '') };
  }
}

/** The note a row gets when its effect size has no CI, so that the blank says why. */
export function effectCiNote(ci: IntervalOrReason): string | undefined {
  return ci.missing ? `no CI for the effect size: ${ci.missing}` : undefined;
}

/** Runs one test; data a test cannot take (constant differences, all ties) leave the row inconclusive with the reason. */
export function guarded(base: TestRowBase, n: number, run: () => TestRow, nUnits = NaN): TestRow {
  try {
    return run();
  } catch (e) {
    if (e instanceof StatsInputError) return emptyTestRow(base, n, e.message, nUnits);
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
  /** Images on both sides, left out of the pairs. */
  shared: number;
  /** Levels of the unfixed factors only one side has, which pairing leaves out. */
  unshared?: string;
}

export function pairedSides(claim: Claim, table: ScoreTable, a: Selector, b: Selector): PairedSides[] {
  const rows = metricRows(claim, table);
  const where = claim.where ?? {};
  const inScope = rows.filter((r) => matchesSelector(r, where, table.loraFactors, table.lineage));
  return acrossSelectors(inScope, acrossFactors(claim)).map((level) => {
    const fixed = { ...where, ...level };
    const pinned = new Set([...Object.keys(fixed), ...Object.keys(a), ...Object.keys(b)]);
    const keyFactors = table.factors.filter((f) => !pinned.has(f));
    const sideA = inScope.filter((r) => matchesSelector(r, { ...fixed, ...a }, table.loraFactors, table.lineage));
    const sideB = inScope.filter((r) => matchesSelector(r, { ...fixed, ...b }, table.loraFactors, table.lineage));
    const sides = [
      { label: `a (${formatSelector(a)})`, rows: sideA },
      { label: `b (${formatSelector(b)})`, rows: sideB },
    ];
    const levels = sideA.length && sideB.length ? sharedLevels(sides, keyFactors, table.loraFactors, 'both sides') : undefined;
    if (levels?.disjoint) {
      const at = formatSelector(fixed);
      throw new UserError(`hypothesis "${claim.id}"${at ? ` at ${at}` : ''}: the sides pair on the levels of ${keyFactors.join(', ')}, but ${levels.disjoint}`);
    }
    return { a, b, fixed, ...pairing(sideA, sideB, keyFactors), unshared: levels?.note };
  });
}

/** The values a paired test runs on: one per prompt (mean over its shared seeds) or one per image pair. */
export interface PairedUnit {
  prompt: string;
  a: number;
  b: number;
}

export interface PairedUnits {
  unit: 'prompt' | 'image';
  units: PairedUnit[];
  x: number[];
  y: number[];
  /** Image pairs behind the units. */
  pairs: number;
  prompts: number;
}

export function pairedUnits(pairs: Pair[], unit: 'prompt' | 'image'): PairedUnits {
  const units: PairedUnit[] = unit === 'image' ? pairs : promptMeanDifferences(pairs.map((p) => ({ prompt: p.prompt, seed: p.key, a: p.a, b: p.b })));
  return {
    unit,
    units,
    x: units.map((u) => u.a),
    y: units.map((u) => u.b),
    pairs: pairs.length,
    prompts: new Set(pairs.map((p) => p.prompt)).size,
  };
}

export const unitWord = (unit: 'prompt' | 'image', k: number) => (unit === 'prompt' ? (k === 1 ? 'prompt' : 'prompts') : k === 1 ? 'pair' : 'pairs');

const fmtP = (p: number) => Number(p.toPrecision(3)).toString();

/**
 * Why a paired test cannot reach alpha with k units, or undefined when it can: a t test needs two units; an
 * exact signed-rank test on k differences cannot give a p below 2^−k (two-sided 2^(1−k)).
 */
export function unitShortfall(test: 't' | 'wilcoxon', unit: 'prompt' | 'image', k: number, alternative: Alternative, alpha: number): string | undefined {
  const what = `${k} ${unitWord(unit, k)}`;
  if (k < 2) return `${what}: a paired test needs at least 2${unit === 'prompt' ? ' prompts' : ' pairs'}`;
  if (unit === 'image' && k < 3) return `only ${k} pair(s) share a prompt and seed`;
  if (test === 'wilcoxon') {
    const smallest = smallestSignedRankP(k, alternative);
    if (smallest >= alpha) return `${what}: the smallest possible p is ${fmtP(smallest)}; ${signedRankUnitsNeeded(alpha, alternative)} are needed`;
  }
  return undefined;
}

/** CI of the mean difference over the units: t with K − 1 df, or a bootstrap resampling prompts; `missing` says why there is none. */
export function meanDifferenceCI(
  u: PairedUnits,
  method: CiMethod,
  level: number,
  seed: number,
  reps: number,
): Pick<TestRow, 'ciLow' | 'ciHigh' | 'ciMethod' | 'ciLevel'> & { missing?: string } {
  const none = (why: string) => ({ ciLow: NaN, ciHigh: NaN, ciMethod: '' as const, ciLevel: NaN, missing: `no CI for the estimate: ${why}` });
  if (method === 't') {
    try {
      const ci = oneSampleT(
        u.x.map((v, i) => v - u.y[i]),
        { level },
      ).ci;
      return { ciLow: ci.low, ciHigh: ci.high, ciMethod: 't', ciLevel: level };
    } catch (e) {
      if (e instanceof StatsInputError) return none(e.message.replace(/^\w+: /, ''));
      throw e;
    }
  }
  const ci = effectCI(u.units, (xs, ys) => xs.reduce((s, v, i) => s + v - ys[i], 0) / xs.length, seed, reps, level);
  return Number.isFinite(ci.low)
    ? { ciLow: ci.low, ciHigh: ci.high, ciMethod: 'prompt bootstrap', ciLevel: level }
    : none(ci.missing ?? 'no finite bootstrap bounds');
}

/** What a hypothesis says about its pairs beyond the test: images left out, the image-level caveat. */
export function pairingNote(side: PairedSides, u: PairedUnits): string | undefined {
  const notes: string[] = [];
  if (side.shared) notes.push(`${side.shared} weight-0 image(s) on both sides left out (identical by construction)`);
  if (side.unshared) notes.push(side.unshared);
  if (u.unit === 'image') notes.push(`image-level: ${u.pairs} pairs from ${u.prompts} prompt(s) treated as independent`);
  return notes.length ? notes.join('; ') : undefined;
}

/**
 * After correction: a note on every test of a hypothesis that no result could carry, because even the smallest
 * corrected p the design allows is not below alpha (e.g. three exact signed-rank tests on 6 prompts under Holm).
 */
export function noteUnreachableCorrection(rows: TestRow[], claim: Claim, smallestP: (row: TestRow) => number | undefined): void {
  const m = rows.filter((r) => Number.isFinite(r.p)).length;
  if (m < 2 || claim.correction === 'none') return;
  for (const r of rows) {
    const smallest = smallestP(r);
    if (smallest === undefined || !Number.isFinite(r.p)) continue;
    // Holm, Bonferroni and BH all multiply the smallest p of a family by m at worst-case ordering; Holm and
    // Bonferroni always do for the family's smallest p, which every supported hypothesis needs below alpha.
    if (claim.correction !== 'BH' && smallest * m >= claim.alpha) {
      const note = `with ${m} tests corrected by ${claim.correction}, the smallest possible p_adj is ${fmtP(Math.min(1, smallest * m))}`;
      r.note = r.note ? `${r.note}; ${note}` : note;
    }
  }
}
