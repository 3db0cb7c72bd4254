import type { RaterAgreementSummary } from '../analysis/agreement-files.js';
import { TASKS, isTaskName } from '../rate/tasks.js';
import { escapeHtml as h } from './escape.js';

const pct = (v: number | null) => (v === null ? '–' : `${Math.round(v * 100)} %`);
const ci = ([low, high]: [number | null, number | null]) => (low === null || high === null ? '' : ` [${Math.round(low * 100)}, ${Math.round(high * 100)}]`);

type MetricRow = RaterAgreementSummary['metrics'][number];

/** "style_retention agrees with raters on 81 % [74, 87] of 120 pairs; raters agree with each other on 88 %", as escaped HTML. */
export function agreementSentence(agreement: RaterAgreementSummary, m: MetricRow): string {
  const task = agreement.tasks.find((t) => t.task === m.task);
  const leftOut = [m.metric_ties ? `${m.metric_ties} metric tie(s)` : '', m.cant_tell ? `${m.cant_tell} "can't tell"` : ''].filter(Boolean).join(', ');
  let people = '';
  if (task && task.raters.length >= 2 && task.rater_agreement !== null) {
    people = `; raters agree with each other on ${pct(task.rater_agreement)}${ci(task.rater_ci)} (Krippendorff's α ${task.krippendorff_alpha === null ? '–' : task.krippendorff_alpha.toFixed(2)})`;
  }
  const selfs = (task?.self_consistency ?? []).filter((s) => s.agreement !== null);
  if (selfs.length)
    people += `; each rater agrees with themself on ${selfs.map((s) => `${pct(s.agreement)} (${h(s.rater)}, ${s.decided} repeats)`).join(', ')}`;
  return (
    `<strong>${h(m.metric)}</strong> agrees with raters on ${pct(m.agreement)}${ci(m.ci)} of ${m.decided} pairs ` +
    `(${h(m.task)} task${leftOut ? `; left out: ${leftOut}` : ''}; Kendall's τ-b ${m.tau_b === null ? '–' : m.tau_b.toFixed(2)})${people}`
  );
}

/** The metric's agreement lines, one per rated task, for the place where the metric's results are shown. */
export function agreementNote(agreement: RaterAgreementSummary | null | undefined, metric: string): string {
  const rows = (agreement?.metrics ?? []).filter((m) => m.metric === metric);
  return rows.map((m) => `<br><span class="agreement">${agreementSentence(agreement!, m)}</span>`).join('');
}

/** A section listing, for each rated task, the agreement of the metric the task asks about first, then every other. */
export function agreementSection(agreement: RaterAgreementSummary | null | undefined): string {
  if (!agreement) return '';
  const parts = agreement.tasks.map((t) => {
    const asked: readonly string[] = isTaskName(t.task) ? TASKS[t.task].metrics : [];
    const rows = agreement.metrics.filter((m) => m.task === t.task).sort((a, b) => Number(asked.includes(b.metric)) - Number(asked.includes(a.metric)));
    const question = isTaskName(t.task) ? TASKS[t.task].question : t.task;
    return (
      `<h3>${h(question)} <span class="meta">(${t.ratings} answers from ${t.raters.length} rater(s))</span></h3>` +
      `<ul>${rows.map((m) => `<li>${agreementSentence(agreement, m)}</li>`).join('')}</ul>`
    );
  });
  return `<h2>Agreement with raters</h2>\n<p class="meta">From ratings.csv (lora-eval rate): share of the pairs where the image with the higher metric value is the one the rater chose; 95 % CIs resample prompts.</p>\n${parts.join('\n')}`;
}
