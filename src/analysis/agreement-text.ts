import type { RaterAgreementSummary } from './agreement-files.js';

const pct = (v: number | null) => (v === null ? '–' : `${Math.round(v * 100)} %`);
const ci = ([low, high]: [number | null, number | null]) => (low === null || high === null ? '' : ` [${Math.round(low * 100)}, ${Math.round(high * 100)}]`);

/**
 * One metric's agreement as a sentence: "style_retention agrees with raters on 81 % [74, 87] of 120 pairs (style task;
 * left out: 2 metric ties, 5 "can't tell"; Kendall's τ-b 0.52); raters agree with each other on 88 % [80, 94] …".
 */
export function agreementSentence(agreement: RaterAgreementSummary, m: RaterAgreementSummary['metrics'][number]): string {
  const task = agreement.tasks.find((t) => t.task === m.task);
  const leftOut = [m.metric_ties ? `${m.metric_ties} metric tie(s)` : '', m.cant_tell ? `${m.cant_tell} "can't tell"` : ''].filter(Boolean).join(', ');
  let people = '';
  if (task && task.raters.length >= 2 && task.rater_agreement !== null) {
    const alpha = task.krippendorff_alpha === null ? '–' : task.krippendorff_alpha.toFixed(2);
    people = `; raters agree with each other on ${pct(task.rater_agreement)}${ci(task.rater_ci)} (Krippendorff's α ${alpha})`;
  }
  const selfs = (task?.self_consistency ?? []).filter((s) => s.agreement !== null);
  if (selfs.length) people += `; with themselves on repeated pairs: ${selfs.map((s) => `${s.rater} ${pct(s.agreement)} of ${s.decided}`).join(', ')}`;
  const tau = m.tau_b === null ? '–' : m.tau_b.toFixed(2);
  return `${m.metric} agrees with raters on ${pct(m.agreement)}${ci(m.ci)} of ${m.decided} pairs (${m.task} task${leftOut ? `; left out: ${leftOut}` : ''}; Kendall's τ-b ${tau})${people}`;
}
