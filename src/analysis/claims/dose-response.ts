import { cohensDz, deriveSeed, doseResponse, oneSampleT, olsSimple, type DoseResponse } from '../../stats/index.js';
import type { ScoreRow } from '../../run/scores-csv.js';
import type { DoseResponseClaim } from '../hypothesis-schema.js';
import { formatSelector, matchesSelector } from '../selection.js';
import { emptyTestRow, joinNotes, type TestRow } from '../test-row.js';
import {
  acrossSelectors,
  applyCorrection,
  directionVerdict,
  effectCI,
  effectCiNote,
  guarded,
  MIN_EFFECT_CI_PROMPTS,
  metricRows,
  type ClaimContext,
} from './shared.js';
import { acrossFactors } from '../validate-claims.js';
import { sharedLevels } from '../shared-levels.js';
import { UserError } from '../../errors.js';
import { costSlope, withPerCost } from './per-cost.js';
import { withWorthIt, worthItDirection } from './worth-it.js';

const g4 = (v: number) => Number(v.toPrecision(4)).toString();

/** AUC of the mean curve with the weight range it spans, so that AUCs over different ranges are not compared. */
function curveSummary(factor: string, dr: DoseResponse): string {
  const lo = dr.levels[0].weight;
  const hi = dr.levels[dr.levels.length - 1].weight;
  return `AUC ${g4(dr.auc)} over ${factor} ${lo}–${hi}, best ${factor} ${dr.bestWeight}`;
}

/** OLS slope of value on dose within each prompt; prompts with fewer than two dose levels are left out. */
function promptSlopes(rows: ScoreRow[], factor: string): { prompt: string; slope: number }[] {
  const byPrompt = new Map<string, ScoreRow[]>();
  for (const r of rows) byPrompt.set(r.prompt, [...(byPrompt.get(r.prompt) ?? []), r]);
  const slopes: { prompt: string; slope: number }[] = [];
  for (const [prompt, rs] of byPrompt) {
    const w = rs.map((r) => Number(r.levels[factor]));
    if (new Set(w).size < 2 || rs.length < 3) continue;
    slopes.push({
      prompt,
      slope: olsSimple(
        w,
        rs.map((r) => r.value),
      ).slope.estimate,
    });
  }
  return slopes;
}

/**
 * A cell's rows over the combinations of the other factors' levels that every dose level has: a level sampled at
 * some doses only would make its own effect look like the dose's. Refuses when the doses share none.
 */
function balancedOverDoses(
  claim: DoseResponseClaim,
  where: string,
  rows: ScoreRow[],
  factors: string[],
  loraFactors: string[],
): { rows: ScoreRow[]; note?: string } {
  const factor = claim.dose_response.factor;
  const doses = [...new Set(rows.map((r) => r.levels[factor]))];
  const groups = doses.map((d) => ({ label: `${factor}=${d}`, rows: rows.filter((r) => r.levels[factor] === d) }));
  const shared = sharedLevels(
    groups,
    factors.filter((f) => f !== factor),
    loraFactors,
    `every ${factor} level`,
  );
  if (shared.disjoint)
    throw new UserError(
      `hypothesis "${claim.id}": dose_response over ${factor}${where ? ` (${where})` : ''}: ${shared.disjoint}; ` +
        `restrict where: to levels every ${factor} level has, or leave out the ${factor} levels sampled apart`,
    );
  return shared.note ? { rows: rows.filter(shared.keeps), note: shared.note } : { rows };
}

/**
 * Dose-response per across level. At the prompt unit (the default) this is the summary-statistics approach: one
 * OLS slope per prompt, then a one-sample t test of the K slopes (K − 1 df). At the image unit: the OLS slope over
 * every image, significant only when its p and a prompt-cluster bootstrap CI agree.
 */
export function evaluateDoseResponse(claim: DoseResponseClaim, ctx: ClaimContext): TestRow[] {
  const { table } = ctx;
  const factor = claim.dose_response.factor;
  const where = claim.where ?? {};
  const unit = claim.unit;
  const scope = metricRows(claim, table).filter((r) => matchesSelector(r, where, table.loraFactors, table.lineage));
  const cellLevels: string[][] = [];
  const rows = acrossSelectors(scope, acrossFactors(claim)).map((level): TestRow => {
    const fixed = { ...where, ...level };
    const testName = unit === 'prompt' ? `t on per-prompt slopes over ${factor}` : `OLS slope over ${factor}`;
    const base = { hypothesis: claim.id, metric: claim.metric, a: '', b: '', where: formatSelector(fixed), unit, test: testName };
    const { rows: inCell, note: balanceNote } = balancedOverDoses(
      claim,
      base.where,
      scope.filter((r) => matchesSelector(r, fixed, table.loraFactors, table.lineage)),
      table.factors,
      table.loraFactors,
    );
    cellLevels.push(inCell.map((r) => r.levels[factor]));
    const weights = inCell.map((r) => Number(r.levels[factor]));
    if (new Set(weights).size < 2) return emptyTestRow(base, inCell.length, joinNotes(`needs at least two ${factor} levels`, balanceNote)!);
    const seed = deriveSeed(ctx.seed, `${claim.id}:${base.where}`);
    if (unit === 'prompt') {
      const slopes = promptSlopes(inCell, factor);
      const k = slopes.length;
      const left = new Set(inCell.map((r) => r.prompt)).size - k;
      const leftNote = left ? `${left} prompt(s) with fewer than two ${factor} levels left out` : undefined;
      if (k < 2) return emptyTestRow(base, inCell.length, joinNotes(`${k} prompt(s) with a slope: the test needs at least 2`, leftNote, balanceNote)!, k);
      return guarded(
        base,
        inCell.length,
        () => {
          const dr = doseResponse(
            weights,
            inCell.map((r) => r.value),
          );
          const values = slopes.map((s) => s.slope);
          const t = oneSampleT(values);
          // Each prompt's slope paired with 0: the mean slope, and its standardized size (Cohen's dz of the slopes).
          const units = slopes.map((s) => ({ prompt: s.prompt, a: s.slope, b: 0 }));
          const zeros = values.map(() => 0);
          const ci =
            ctx.ci === 't'
              ? { ciLow: t.ci.low, ciHigh: t.ci.high, ciMethod: 't' as const, ciLevel: 0.95 }
              : (() => {
                  const b = effectCI(units, (xs) => xs.reduce((acc, v) => acc + v, 0) / xs.length, seed, ctx.reps);
                  return { ciLow: b.low, ciHigh: b.high, ciMethod: 'prompt bootstrap' as const, ciLevel: 0.95 };
                })();
          const effectCi = effectCI(units, cohensDz, seed + 1, ctx.reps, 0.95, MIN_EFFECT_CI_PROMPTS);
          return {
            ...base,
            test: `${testName} (${curveSummary(factor, dr)})`,
            n: inCell.length,
            nUnits: k,
            estimate: t.estimate,
            ...ci,
            statistic: t.statistic,
            p: t.p,
            pAdj: NaN,
            effect: cohensDz(values, zeros),
            effectCiLow: effectCi.low,
            effectCiHigh: effectCi.high,
            verdict: 'inconclusive',
            note: joinNotes(balanceNote, leftNote, effectCiNote(effectCi)),
          };
        },
        k,
      );
    }
    return guarded(base, inCell.length, () => {
      const dr = doseResponse(
        weights,
        inCell.map((r) => r.value),
        { clusters: inCell.map((r) => r.prompt), bootstrap: { seed, reps: ctx.reps } },
      );
      return {
        ...base,
        test: `${testName} (${curveSummary(factor, dr)})`,
        n: inCell.length,
        nUnits: inCell.length,
        estimate: dr.slope.estimate,
        ciLow: dr.slopeBootstrap?.low ?? dr.slope.ci.low,
        ciHigh: dr.slopeBootstrap?.high ?? dr.slope.ci.high,
        ciMethod: dr.slopeBootstrap ? 'prompt bootstrap' : 't',
        ciLevel: 0.95,
        statistic: dr.slope.t,
        p: dr.slope.p,
        pAdj: NaN,
        effect: NaN,
        effectCiLow: NaN,
        effectCiHigh: NaN,
        verdict: 'inconclusive',
        note: joinNotes(balanceNote, `image-level: ${inCell.length} images from ${new Set(inCell.map((r) => r.prompt)).size} prompt(s) treated as independent`),
      };
    });
  });
  // Per GPU-hour: the metric's slope on the factor ÷ the cost's slope on it, when the factor has costs.
  rows.forEach((r, i) => (rows[i] = withPerCost(r, costSlope(factor, cellLevels[i], table.costs))));
  if (claim.worth_it) rows.forEach((r, i) => (rows[i] = withWorthIt(r, claim.worth_it!, worthItDirection(claim)!)));
  // Image level: significance needs the corrected OLS p and a prompt-cluster bootstrap CI that excludes 0.
  return applyCorrection(rows, claim, (r) =>
    directionVerdict(r.pAdj < claim.alpha && (unit === 'prompt' || r.ciLow > 0 || r.ciHigh < 0), r.estimate, claim.expect),
  );
}
