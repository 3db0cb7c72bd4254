import type { RaterAgreementSummary } from '../analysis/agreement-files.js';
import { agreementSentence } from '../analysis/agreement-text.js';
import { TASKS, isTaskName } from '../rate/tasks.js';
import { escapeHtml as h } from './escape.js';

/** The metric's agreement lines, one per rated task, for the place where the metric's results are shown. */
export function agreementNote(agreement: RaterAgreementSummary | null | undefined, metric: string): string {
  const rows = (agreement?.metrics ?? []).filter((m) => m.metric === metric);
  return rows.map((m) => `<br><span class="agreement">${h(agreementSentence(agreement!, m))}</span>`).join('');
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
      `<ul>${rows.map((m) => `<li>${h(agreementSentence(agreement, m))}</li>`).join('')}</ul>`
    );
  });
  return `<h2>Agreement with raters</h2>\n<p class="meta">From ratings.csv (lora-eval rate): the share of rated pairs where the image with the higher metric value is the one the rater chose; 95 % CIs resample prompts.</p>\n${parts.join('\n')}`;
}
