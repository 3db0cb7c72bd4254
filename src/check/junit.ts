import { escapeHtml as xml } from '../report/escape.js';
import type { CheckReport } from './check-runs.js';

const f = (v: number) => (Number.isFinite(v) ? v.toPrecision(4) : 'n/a');

/** JUnit XML for CI systems: one test suite per metric, one test case per group; a regression is a failure. */
export function checkJunit(report: CheckReport): string {
  const metrics = [...new Set(report.results.map((r) => r.metric))];
  const suites = metrics.map((metric) => {
    const rows = report.results.filter((r) => r.metric === metric);
    const failures = rows.filter((r) => r.status === 'regression').length;
    const skipped = rows.filter((r) => r.status === 'inconclusive').length;
    const cases = rows.map((r) => {
      const detail = `mean difference ${f(r.difference)} (margin ${r.margin}, ${r.higherIsBetter ? 'higher' : 'lower'} is better), n=${r.n}, p(regression)=${f(r.pRegression)}, p(non-inferior)=${f(r.pNonInferior)}`;
      const body =
        r.status === 'regression'
          ? `<failure message="${xml(r.reason)}">${xml(detail)}</failure>`
          : r.status === 'inconclusive'
            ? `<skipped message="${xml(`inconclusive: ${r.reason}`)}"/>`
            : `<system-out>${xml(`${r.reason}; ${detail}`)}</system-out>`;
      return `    <testcase classname="lora-eval.${xml(metric)}" name="${xml(r.group)}">${body}</testcase>`;
    });
    return `  <testsuite name="${xml(metric)}" tests="${rows.length}" failures="${failures}" skipped="${skipped}">\n${cases.join('\n')}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="lora-eval check">\n${suites.join('\n')}\n</testsuites>\n`;
}
