import { describeModelFile } from './provenance.js';
import { summaryLine } from './summary.js';
import type { CheckReport, SideModels } from './types.js';

const f = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : '–');
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;'));
const ICON = { pass: '✅ pass', regression: '❌ regression', inconclusive: '⚪ inconclusive' } as const;

const modelText = (m: SideModels) => [...m.ids, ...m.files.map(describeModelFile)].join(', ') || '(unknown)';

/** A Markdown summary for CI job pages (e.g. $GITHUB_STEP_SUMMARY): failures first, then every result. */
export function checkMarkdown(report: CheckReport): string {
  const lines = [
    `## lora-eval check: ${report.passed ? 'passed' : 'failed'}`,
    '',
    cell(summaryLine(report)),
    '',
    `| | models |`,
    `|---|---|`,
    `| run | ${cell(modelText(report.models.run))} |`,
    `| baseline | ${cell(modelText(report.models.baseline))} |`,
    '',
  ];
  if (report.problems.length) lines.push('**Not compared (fails the check):**', '', ...report.problems.map((p) => `- ${cell(p)}`), '');
  if (report.notes.length) lines.push('Notes:', '', ...report.notes.map((p) => `- ${cell(p)}`), '');
  if (report.mode === 'tolerance') {
    lines.push(`Exact re-score check: every image scored in both runs must stay within the metric's tolerance.`, '');
    lines.push('| metric | images | moved | largest move | tolerance |', '|---|---|---|---|---|');
    for (const r of report.rescore) lines.push(`| ${cell(r.metric)} | ${r.compared} | ${r.moved} | ${r.largestMove.toPrecision(4)} | ${r.tolerance} |`);
    if (report.moved.length) {
      lines.push('', 'Images that moved most:', '', '| image | metric | baseline | run |', '|---|---|---|---|');
      for (const m of report.moved) lines.push(`| ${cell(m.image)} | ${cell(m.metric)} | ${m.baseline} | ${m.run} |`);
    }
    return lines.join('\n') + '\n';
  }
  lines.push(
    `Non-inferiority against the baseline with the prompt as the unit (one-sided t tests across per-prompt mean differences, Holm-corrected per metric); inconclusive groups ${report.inconclusive === 'fail' ? 'fail' : 'pass'} the check.`,
    '',
    '| metric | group | prompts | images | mean difference | margin | p (regression) | p (non-inferior) | status |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  const order = { regression: 0, inconclusive: 1, pass: 2 } as const;
  for (const r of [...report.results].sort((a, b) => order[a.status] - order[b.status])) {
    lines.push(
      `| ${cell(r.metric)} | ${cell(r.group)} | ${r.prompts} | ${r.n} | ${f(r.difference)} | ${r.margin} | ${f(r.pRegression)} | ${f(r.pNonInferior)} | ${ICON[r.status]} |`,
    );
  }
  return lines.join('\n') + '\n';
}
