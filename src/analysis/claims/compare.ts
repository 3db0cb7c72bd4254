import { cohensDz, deriveSeed, mean, pairedT, rankBiserial, wilcoxonSignedRank } from '../../stats/index.js';
import type { CompareClaim } from '../hypothesis-schema.js';
import { formatSelector } from '../selection.js';
import { emptyTestRow, type TestRow } from '../test-row.js';
import { applyCorrection, directionVerdict, effectCI, guarded, pairedSides, type ClaimContext } from './shared.js';

export function evaluateCompare(claim: CompareClaim, ctx: ClaimContext): TestRow[] {
  const rows = pairedSides(claim, ctx.table, claim.compare.a, claim.compare.b).map((side): TestRow => {
    const base = { hypothesis: claim.id, metric: claim.metric, a: formatSelector(side.a), b: formatSelector(side.b), where: formatSelector(side.fixed) };
    const n = side.pairs.length;
    if (n < 3) return emptyTestRow({ ...base, test: claim.test === 't' ? 'paired t' : 'wilcoxon signed rank' }, n, `only ${n} pair(s) share a prompt and seed`);
    const x = side.pairs.map((p) => p.a);
    const y = side.pairs.map((p) => p.b);
    const seed = deriveSeed(ctx.seed, `${claim.id}:${base.where}`);
    return guarded({ ...base, test: claim.test === 't' ? 'paired t' : 'wilcoxon signed rank' }, n, () => {
      const diffCI = effectCI(side.pairs, (xs, ys) => mean(xs.map((v, i) => v - ys[i])), seed, ctx.reps);
      if (claim.test === 't') {
        const t = pairedT(x, y);
        const ci = effectCI(side.pairs, cohensDz, seed + 1, ctx.reps);
        return {
          ...base,
          test: 'paired t',
          n,
          estimate: t.estimate,
          ciLow: t.ci.low,
          ciHigh: t.ci.high,
          statistic: t.statistic,
          p: t.p,
          pAdj: NaN,
          effect: cohensDz(x, y),
          effectCiLow: ci.low,
          effectCiHigh: ci.high,
          verdict: 'inconclusive',
        };
      }
      const w = wilcoxonSignedRank(x, y);
      const ci = effectCI(side.pairs, rankBiserial, seed + 1, ctx.reps);
      return {
        ...base,
        test: w.exact ? 'wilcoxon signed rank exact' : 'wilcoxon signed rank (normal approximation)',
        n,
        estimate: mean(x.map((v, i) => v - y[i])),
        ciLow: diffCI.low,
        ciHigh: diffCI.high,
        statistic: w.statistic,
        p: w.p,
        pAdj: NaN,
        effect: rankBiserial(x, y),
        effectCiLow: ci.low,
        effectCiHigh: ci.high,
        verdict: 'inconclusive',
      };
    });
  });
  return applyCorrection(rows, claim, (r) => directionVerdict(r.pAdj < claim.alpha, r.test === 'paired t' ? r.estimate : r.effect, claim.expect));
}
