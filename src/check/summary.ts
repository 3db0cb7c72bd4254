import type { CheckReport } from './types.js';

/** The one line a CI log ends with: the verdict and every count behind it, inconclusive groups included. */
export function summaryLine(report: CheckReport): string {
  const verdict = report.passed ? 'passed' : 'FAILED';
  const problems = report.problems.length ? `, ${report.problems.length} not compared (${report.problems.length === 1 ? 'fails' : 'fail'} the check)` : '';
  if (report.mode === 'tolerance') {
    const compared = report.rescore.reduce((s, r) => s + r.compared, 0);
    const moved = report.rescore.reduce((s, r) => s + r.moved, 0);
    return `${verdict}: ${compared} scores re-checked, ${moved} moved beyond tolerance${problems}`;
  }
  const count = (s: string) => report.results.filter((r) => r.status === s).length;
  const inconclusive = count('inconclusive');
  const effect = inconclusive ? ` (${report.inconclusive === 'fail' ? 'failing; --inconclusive pass accepts them' : 'accepted by --inconclusive pass'})` : '';
  return `${verdict}: ${count('pass')} pass, ${count('regression')} regression, ${inconclusive} inconclusive${effect}${problems}`;
}
