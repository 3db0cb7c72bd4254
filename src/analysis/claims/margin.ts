import { cohensDz, deriveSeed, nonInferiority, pairedT, pAdjust, smallestSignedRankP, tostPaired, wilcoxonSignedRank } from '../../stats/index.js';
import { metricFor } from '../../../metrics/registry.js';
import type { Claim, EquivalenceClaim, NonInferiorityClaim, Selector } from '../hypothesis-schema.js';
import { formatSelector } from '../selection.js';
import { emptyTestRow, joinNotes, type TestRow } from '../test-row.js';
import {
  applyCorrection,
  effectCI,
  effectCiNote,
  MIN_EFFECT_CI_PROMPTS,
  guarded,
  meanDifferenceCI,
  noteUnreachableCorrection,
  pairedSides,
  pairedUnits,
  pairingNote,
  unitShortfall,
  type ClaimContext,
} from './shared.js';

/** What a margin test (equivalence, non-inferiority) returns for one set of pairs. */
interface MarginTest {
  /** p of the claim's own test. */
  p: number;
  statistic: number;
  /** p of the test that would refute the claim. */
  opposingP: number;
}

/**
 * The shared frame of margin claims: pair the sides, run the test per across level, correct both the claim's and
 * the opposing p-values within the hypothesis, and give verdicts: supported when the claim's p_adj < alpha, refuted
 * when `refutes` says the corrected opposing test shows the contrary.
 */
function evaluateMarginClaim(
  claim: Claim & { test: 't' | 'wilcoxon'; unit: 'prompt' | 'image' },
  ctx: ClaimContext,
  sides: { a: Selector; b: Selector },
  test: string,
  run: (x: number[], y: number[]) => MarginTest,
  refutes: (row: TestRow, opposingPAdj: number) => boolean,
  ciLevel: number,
): TestRow[] {
  const unit = claim.unit;
  const opposing = new Map<TestRow, number>();
  const rows = pairedSides(claim, ctx.table, sides.a, sides.b).map((side): TestRow => {
    const base = {
      hypothesis: claim.id,
      metric: claim.metric,
      a: formatSelector(side.a),
      b: formatSelector(side.b),
      where: formatSelector(side.fixed),
      unit,
      test,
    };
    const u = pairedUnits(side.pairs, unit);
    const k = u.units.length;
    const note = pairingNote(side, u);
    // Each margin test is one-sided.
    const shortfall = unitShortfall(claim.test, unit, k, 'greater', claim.alpha);
    if (shortfall) return emptyTestRow(base, u.pairs, joinNotes(shortfall, note)!, k);
    return guarded(
      base,
      u.pairs,
      () => {
        const result = run(u.x, u.y);
        const seed = deriveSeed(ctx.seed, `${claim.id}:${base.where}`);
        const dz = effectCI(u.units, cohensDz, seed + 1, ctx.reps, 0.95, MIN_EFFECT_CI_PROMPTS);
        const { missing: ciMissing, ...ci } = meanDifferenceCI(u, ctx.ci, ciLevel, seed, ctx.reps);
        const row: TestRow = {
          ...base,
          n: u.pairs,
          nUnits: k,
          estimate: u.x.reduce((s, v, i) => s + v - u.y[i], 0) / k,
          ...ci,
          statistic: result.statistic,
          p: result.p,
          pAdj: NaN,
          effect: cohensDz(u.x, u.y),
          effectCiLow: dz.low,
          effectCiHigh: dz.high,
          verdict: 'inconclusive',
          note: joinNotes(note, ciMissing, effectCiNote(dz)),
        };
        opposing.set(row, result.opposingP);
        return row;
      },
      k,
    );
  });
  const opposingAdj = pAdjust(
    rows.map((r) => opposing.get(r) ?? 1),
    claim.correction,
  );
  const refuted = new Map(rows.map((r, i) => [r, refutes(r, opposingAdj[i])]));
  applyCorrection(rows, claim, (r) => (r.pAdj < claim.alpha ? 'supported' : refuted.get(r) ? 'refuted' : 'inconclusive'));
  if (claim.test === 'wilcoxon') noteUnreachableCorrection(rows, claim, (r) => smallestSignedRankP(r.nUnits, 'greater'));
  return rows;
}

const pairedTest = (kind: 't' | 'wilcoxon', x: number[], y: number[], options: { mu?: number; alternative?: 'less' | 'greater' } = {}) =>
  kind === 't' ? pairedT(x, y, options) : wilcoxonSignedRank(x, y, options);

/** Equivalence by TOST; refuted when a difference is shown (two-sided) and the estimate lies outside the margin. */
export function evaluateEquivalence(claim: EquivalenceClaim, ctx: ClaimContext): TestRow[] {
  const margin = claim.equivalence.margin;
  return evaluateMarginClaim(
    claim,
    ctx,
    claim.equivalence,
    `TOST paired ${claim.test} (margin ±${margin})`,
    (x, y) => {
      const tost = tostPaired(x, y, { margin, alpha: claim.alpha, test: claim.test });
      // The binding one-sided test is the one with the larger p: it decides the TOST.
      const binding = tost.lowerTest.p >= tost.upperTest.p ? tost.lowerTest : tost.upperTest;
      return { p: tost.p, statistic: binding.statistic, opposingP: pairedTest(claim.test, x, y).p };
    },
    (row, opposingPAdj) => opposingPAdj < claim.alpha && Math.abs(row.estimate) > margin,
    // TOST at alpha is the (1 − 2α) CI lying inside the margin.
    1 - 2 * claim.alpha,
  );
}

/**
 * Non-inferiority of a (new) against b (reference): a may be worse by less than the margin. Supported when the
 * one-sided test rejects "worse by at least the margin"; refuted when the opposite one-sided test shows a worse
 * by more than the margin.
 */
export function evaluateNonInferiority(claim: NonInferiorityClaim, ctx: ClaimContext): TestRow[] {
  const { margin } = claim.non_inferiority;
  const higherIsBetter = claim.non_inferiority.higher_is_better ?? metricFor(claim.metric)?.higherIsBetter ?? true;
  return evaluateMarginClaim(
    claim,
    ctx,
    claim.non_inferiority,
    `non-inferiority paired ${claim.test} (margin ${margin}, ${higherIsBetter ? 'higher' : 'lower'} is better)`,
    (x, y) => {
      const result = nonInferiority(x, y, { margin, higherIsBetter, alpha: claim.alpha, test: claim.test });
      const worse = { mu: higherIsBetter ? -margin : margin, alternative: higherIsBetter ? ('less' as const) : ('greater' as const) };
      return { p: result.p, statistic: result.detail.statistic, opposingP: pairedTest(claim.test, x, y, worse).p };
    },
    (_row, opposingPAdj) => opposingPAdj < claim.alpha,
    0.95,
  );
}
