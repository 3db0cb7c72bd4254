import { mean, oneSampleT, pAdjust, promptMeanDifferences, StatsInputError } from '../stats/index.js';
import type { PairedGroup } from './pairing.js';
import type { CheckResult } from './types.js';

export interface MetricGate {
  metric: string;
  margin: number;
  higherIsBetter: boolean;
  alpha: number;
}

interface Tested {
  result: CheckResult;
  /** Raw one-sided p-values; NaN when the group was decided without a test. */
  pNonInferior: number;
  pRegression: number;
}

/** Differences this much smaller than the margin (or the difference itself) are rounding, not variance. */
const NO_VARIANCE = 1e-9;

const fmt = (v: number) => Number(v.toPrecision(4)).toString();

/**
 * One group: the non-inferiority and regression tests on the prompt-level mean differences, oriented so that
 * negative is worse. Differences without variance are decided exactly instead: the t statistic is undefined there,
 * and every image differing by the same amount is a certainty, not an inconclusive test.
 */
function testGroup(g: PairedGroup, gate: MetricGate): Tested {
  const sign = gate.higherIsBetter ? 1 : -1;
  const raw = g.pairs.map((p) => p.run - p.baseline);
  const oriented = raw.map((d) => sign * d);
  // The same prompt-level unit as analyze: per prompt, the mean of run − baseline over the images both runs share.
  const prompts = promptMeanDifferences(g.pairs.map((p) => ({ prompt: p.prompt, seed: p.image, a: p.run, b: p.baseline })));
  const result: CheckResult = {
    metric: gate.metric,
    group: g.group,
    n: g.pairs.length,
    prompts: prompts.length,
    difference: mean(raw),
    margin: gate.margin,
    higherIsBetter: gate.higherIsBetter,
    pNonInferior: NaN,
    pRegression: NaN,
    status: 'inconclusive',
    reason: '',
  };
  const untested = (status: CheckResult['status'], reason: string): Tested => ({
    result: { ...result, status, reason },
    pNonInferior: NaN,
    pRegression: NaN,
  });

  const spread = Math.max(...oriented) - Math.min(...oriented);
  const worsening = -mean(oriented);
  if (oriented.every((d) => d === 0)) return untested('pass', 'identical scores');
  if (oriented.length >= 2 && spread <= NO_VARIANCE * Math.max(gate.margin, Math.abs(worsening))) {
    const each = `every image differs by ${fmt(result.difference)} (no variance)`;
    return worsening >= gate.margin
      ? untested('regression', `${each}: worse than the baseline by the margin ${gate.margin} or more`)
      : untested('pass', `${each}: within the margin ${gate.margin}`);
  }
  if (prompts.length < 2) {
    return untested(
      'inconclusive',
      `only ${prompts.length} prompt in both runs (${g.pairs.length} image pair${g.pairs.length === 1 ? '' : 's'}): the prompt-level test needs at least 2 prompts to reach any significance level`,
    );
  }
  const perPrompt = prompts.map((p) => sign * p.difference);
  try {
    return {
      result,
      pNonInferior: oneSampleT(perPrompt, { mu: -gate.margin, alternative: 'greater' }).p,
      pRegression: oneSampleT(perPrompt, { mu: -gate.margin, alternative: 'less' }).p,
    };
  } catch (e) {
    if (!(e instanceof StatsInputError)) throw e;
    return untested('inconclusive', e.message);
  }
}

/**
 * Every group of one metric: one-sided t tests across prompts against the margin, Holm-corrected within the metric
 * (separately for the non-inferiority and the regression family). A regression shown beyond the margin is a
 * regression; shown non-inferiority is a pass; neither is inconclusive.
 */
export function decideMetric(groups: PairedGroup[], gate: MetricGate): CheckResult[] {
  const tested = groups.map((g) => testGroup(g, gate));
  const adjNonInferior = pAdjust(
    tested.map((t) => t.pNonInferior),
    'holm',
  );
  const adjRegression = pAdjust(
    tested.map((t) => t.pRegression),
    'holm',
  );
  return tested.map((t, i) => {
    const r = t.result;
    if (!Number.isFinite(t.pNonInferior)) return r;
    r.pNonInferior = adjNonInferior[i];
    r.pRegression = adjRegression[i];
    if (r.pRegression < gate.alpha) {
      r.status = 'regression';
      r.reason = `worse than the baseline by more than ${gate.margin}`;
    } else if (r.pNonInferior < gate.alpha) {
      r.status = 'pass';
      r.reason = `not worse than the baseline by ${gate.margin} or more`;
    } else {
      r.status = 'inconclusive';
      r.reason = `neither a regression beyond ${gate.margin} nor non-inferiority could be shown with ${r.prompts} prompts (${r.n} image pairs)`;
    }
    return r;
  });
}
