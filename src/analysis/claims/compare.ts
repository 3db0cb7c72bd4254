import { cohensDz, deriveSeed, oneSampleT, rankBiserial, smallestSignedRankP, wilcoxonSignedRankOneSample } from '../../stats/index.js';
import type { CompareClaim } from '../hypothesis-schema.js';
import { formatSelector } from '../selection.js';
import { emptyTestRow, joinNotes, type TestRow } from '../test-row.js';
import {
  applyCorrection,
  directionVerdict,
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
import { costDifference, withPerCost } from './per-cost.js';
import { withWorthIt, worthItDirection } from './worth-it.js';

/**
 * Paired comparison of two sides per across level. At the prompt unit (the default) each prompt contributes
 * the mean of its (a − b) over the seeds both sides share, and the test runs on those K values (t with K − 1 df,
 * or the signed-rank test); at the image unit every pair counts as independent.
 */
export function evaluateCompare(claim: CompareClaim, ctx: ClaimContext): TestRow[] {
  const unit = claim.unit;
  const testName = claim.test === 't' ? 'paired t' : 'wilcoxon signed rank';
  const rows = pairedSides(claim, ctx.table, claim.compare.a, claim.compare.b).map((side): TestRow => {
    const base = {
      hypothesis: claim.id,
      metric: claim.metric,
      a: formatSelector(side.a),
      b: formatSelector(side.b),
      where: formatSelector(side.fixed),
      unit,
      test: testName,
    };
    const u = pairedUnits(side.pairs, unit);
    const k = u.units.length;
    const note = pairingNote(side, u);
    const shortfall = unitShortfall(claim.test, unit, k, 'two.sided', claim.alpha);
    if (shortfall) return emptyTestRow(base, u.pairs, joinNotes(shortfall, note)!, k);
    const seed = deriveSeed(ctx.seed, `${claim.id}:${base.where}`);
    const d = u.x.map((v, i) => v - u.y[i]);
    const estimate = d.reduce((s, v) => s + v, 0) / k;
    return guarded(
      base,
      u.pairs,
      () => {
        const { missing: ciMissing, ...ci } = meanDifferenceCI(u, ctx.ci, 0.95, seed, ctx.reps);
        if (claim.test === 't') {
          const t = oneSampleT(d);
          const effectCi = effectCI(u.units, cohensDz, seed + 1, ctx.reps, 0.95, MIN_EFFECT_CI_PROMPTS);
          return {
            ...base,
            test: 'paired t',
            n: u.pairs,
            nUnits: k,
            estimate,
            ...ci,
            statistic: t.statistic,
            p: t.p,
            pAdj: NaN,
            effect: cohensDz(u.x, u.y),
            effectCiLow: effectCi.low,
            effectCiHigh: effectCi.high,
            verdict: 'inconclusive',
            note: joinNotes(note, ciMissing, effectCiNote(effectCi)),
          };
        }
        const w = wilcoxonSignedRankOneSample(d);
        const effectCi = effectCI(u.units, rankBiserial, seed + 1, ctx.reps, 0.95, MIN_EFFECT_CI_PROMPTS);
        return {
          ...base,
          test: w.exact ? 'wilcoxon signed rank exact' : 'wilcoxon signed rank (normal approximation)',
          n: u.pairs,
          nUnits: k,
          estimate,
          ...ci,
          statistic: w.statistic,
          p: w.p,
          pAdj: NaN,
          effect: rankBiserial(u.x, u.y),
          effectCiLow: effectCi.low,
          effectCiHigh: effectCi.high,
          verdict: 'inconclusive',
          note: joinNotes(note, w.zeros ? `${w.zeros} zero difference(s) dropped` : undefined, ciMissing, effectCiNote(effectCi)),
        };
      },
      k,
    );
  });
  const cost = costDifference(claim.compare.a, claim.compare.b, ctx.table.costs);
  rows.forEach((r, i) => (rows[i] = withPerCost(r, cost)));
  if (claim.worth_it) rows.forEach((r, i) => (rows[i] = withWorthIt(r, claim.worth_it!, worthItDirection(claim)!)));
  applyCorrection(rows, claim, (r) => directionVerdict(r.pAdj < claim.alpha, r.test === 'paired t' ? r.estimate : r.effect, claim.expect));
  if (claim.test === 'wilcoxon') noteUnreachableCorrection(rows, claim, (r) => (r.test.includes('exact') ? smallestSignedRankP(r.nUnits) : undefined));
  return rows;
}
