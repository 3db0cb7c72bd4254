import type { TestRow, Verdict } from './test-row.js';

/**
 * The verdict rule, per test: significant after correction within the hypothesis (p_adj < alpha) in the
 * expected direction → supported; significant against it → refuted; otherwise inconclusive. Equivalence
 * claims: TOST p_adj < alpha → supported; a significant difference whose estimate lies outside the margin →
 * refuted. Per hypothesis: supported only when every test it plans could run and is supported; refuted when
 * any test is refuted; otherwise inconclusive (a test that could not run, e.g. too few prompts, leaves the
 * hypothesis inconclusive).
 */
export const VERDICT_RULE =
  'per test: p_adj < alpha in the expected direction = supported, against it = refuted, else inconclusive ' +
  '(equivalence: TOST p_adj < alpha = supported; a significant difference beyond the margin = refuted; ' +
  'non-inferiority: "worse by at least the margin" rejected = supported, "worse by more than the margin" shown = refuted). ' +
  'Per hypothesis: supported only when every planned test could run and is supported; refuted when any test is refuted; else inconclusive. ' +
  'Tests treat prompts as the unit (one value per prompt, the mean over its seeds) unless the hypothesis says unit: image.';

export interface HypothesisVerdict {
  verdict: Verdict;
  tests: number;
  supported: number;
  refuted: number;
  inconclusive: number;
  /** Tests that could not be run (too few pairs, no model distance…). */
  notRun: number;
}

export function hypothesisVerdict(rows: TestRow[]): HypothesisVerdict {
  const ran = rows.filter((r) => Number.isFinite(r.p));
  const count = (v: Verdict) => rows.filter((r) => r.verdict === v).length;
  const supported = count('supported');
  const refuted = count('refuted');
  const verdict: Verdict = refuted > 0 ? 'refuted' : rows.length > 0 && supported === rows.length ? 'supported' : 'inconclusive';
  return { verdict, tests: rows.length, supported, refuted, inconclusive: count('inconclusive'), notRun: rows.length - ran.length };
}
