import type { CheckReport } from './check-runs.js';

const f = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : '–');
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;'));
const ICON = { pass: '✅ pass', regression: '❌ regression', inconclusive: '⚪ inconclusive' } as const;

/** A Markdown summary for CI job pages (e.g. $GITHUB_STEP_SUMMARY): regressions first, then a count per metric. */
export function checkMarkdown(report: CheckReport): string {
  const count = (s: string) => report.results.filter((r) => r.status === s).length;
  const lines = [
    `## lora-eval check: ${report.passed ? 'passed' : 'failed'}`,
    '',
    `${count('pass')} pass, ${count('regression')} regression, ${count('inconclusive')} inconclusive (one-sided paired t tests against the baseline, Holm-corrected per metric).`,
    '',
    '| metric | group | n | mean difference | margin | p (regression) | status |',
    '|---|---|---|---|---|---|---|',
  ];
  const order = { regression: 0, inconclusive: 1, pass: 2 } as const;
  for (const r of [...report.results].sort((a, b) => order[a.status] - order[b.status])) {
    lines.push(`| ${cell(r.metric)} | ${cell(r.group)} | ${r.n} | ${f(r.difference)} | ${r.margin} | ${f(r.pRegression)} | ${ICON[r.status]} |`);
  }
  return lines.join('\n') + '\n';
}
