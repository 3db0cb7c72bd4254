import { deriveSeed, doseResponse } from '../../stats/index.js';
import type { DoseResponseClaim } from '../hypothesis-schema.js';
import { formatSelector, matchesSelector } from '../selection.js';
import { emptyTestRow, type TestRow } from '../test-row.js';
import { acrossSelectors, applyCorrection, directionVerdict, guarded, metricRows, type ClaimContext } from './shared.js';
import { acrossFactors } from '../validate-claims.js';

export function evaluateDoseResponse(claim: DoseResponseClaim, ctx: ClaimContext): TestRow[] {
  const { table } = ctx;
  const factor = claim.dose_response.factor;
  const where = claim.where ?? {};
  const scope = metricRows(claim, table).filter((r) => matchesSelector(r, where, table.loraFactors));
  const rows = acrossSelectors(scope, acrossFactors(claim)).map((level): TestRow => {
    const fixed = { ...where, ...level };
    const inCell = scope.filter((r) => matchesSelector(r, fixed, table.loraFactors));
    const base = { hypothesis: claim.id, metric: claim.metric, a: '', b: '', where: formatSelector(fixed) };
    const weights = inCell.map((r) => Number(r.levels[factor]));
    if (new Set(weights).size < 2) return emptyTestRow({ ...base, test: 'OLS slope' }, inCell.length, `needs at least two ${factor} levels`);
    return guarded({ ...base, test: 'OLS slope' }, inCell.length, () => {
      const dr = doseResponse(
        weights,
        inCell.map((r) => r.value),
        { clusters: inCell.map((r) => r.prompt), bootstrap: { seed: deriveSeed(ctx.seed, `${claim.id}:${base.where}`), reps: ctx.reps } },
      );
      return {
        ...base,
        test: `OLS slope over ${factor} (AUC ${dr.auc.toPrecision(4)}, best ${factor} ${dr.bestWeight})`,
        n: inCell.length,
        estimate: dr.slope.estimate,
        ciLow: dr.slopeBootstrap?.low ?? dr.slope.ci.low,
        ciHigh: dr.slopeBootstrap?.high ?? dr.slope.ci.high,
        statistic: dr.slope.t,
        p: dr.slope.p,
        pAdj: NaN,
        effect: NaN,
        effectCiLow: NaN,
        effectCiHigh: NaN,
        verdict: 'inconclusive',
      };
    });
  });
  // Significance needs the corrected OLS p and, when prompts repeat, a prompt-cluster bootstrap CI that excludes 0.
  return applyCorrection(rows, claim, (r) => directionVerdict(r.pAdj < claim.alpha && (r.ciLow > 0 || r.ciHigh < 0), r.estimate, claim.expect));
}
