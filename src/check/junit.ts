import { escapeHtml as xml } from '../report/escape.js';
import { describeModelFile } from './provenance.js';
import type { CheckReport, SideModels } from './types.js';

const f = (v: number) => (Number.isFinite(v) ? v.toPrecision(4) : 'n/a');

function properties(report: CheckReport): string {
  const side = (name: string, m: SideModels) => [
    ...m.ids.map((id) => `      <property name="${name}.model" value="${xml(id)}"/>`),
    ...m.files.map((file) => `      <property name="${name}.model_file" value="${xml(describeModelFile(file))}"/>`),
  ];
  return ['    <properties>', ...side('run', report.models.run), ...side('baseline', report.models.baseline), '    </properties>'].join('\n');
}

function suite(name: string, cases: { name: string; body: string; failed: boolean; skipped: boolean }[], report: CheckReport): string {
  const failures = cases.filter((c) => c.failed).length;
  const skipped = cases.filter((c) => c.skipped).length;
  const body = cases.map((c) => `    <testcase classname="lora-eval.${xml(name)}" name="${xml(c.name)}">${c.body}</testcase>`);
  return `  <testsuite name="${xml(name)}" tests="${cases.length}" failures="${failures}" skipped="${skipped}">\n${properties(report)}\n${body.join('\n')}\n  </testsuite>`;
}

/**
 * JUnit XML for CI systems: one test suite per metric, one test case per group (tolerance mode: per metric), and a
 * "coverage" suite with what could not be compared. Regressions, moved scores, missing groups and (by default)
 * inconclusive groups are failures; the models of both sides are suite properties.
 */
export function checkJunit(report: CheckReport): string {
  const suites: string[] = [];
  const failOnInconclusive = report.inconclusive === 'fail';
  for (const metric of [...new Set(report.results.map((r) => r.metric))]) {
    const cases = report.results
      .filter((r) => r.metric === metric)
      .map((r) => {
        const detail = `mean difference ${f(r.difference)} (margin ${r.margin}, ${r.higherIsBetter ? 'higher' : 'lower'} is better), ${r.prompts} prompts, n=${r.n}, p(regression)=${f(r.pRegression)}, p(non-inferior)=${f(r.pNonInferior)}`;
        const failed = r.status === 'regression' || (r.status === 'inconclusive' && failOnInconclusive);
        const message = r.status === 'inconclusive' ? `inconclusive: ${r.reason}` : r.reason;
        const body = failed
          ? `<failure message="${xml(message)}">${xml(detail)}</failure>`
          : r.status === 'inconclusive'
            ? `<skipped message="${xml(message)}"/>`
            : `<system-out>${xml(`${r.reason}; ${detail}`)}</system-out>`;
        return { name: r.group, body, failed, skipped: !failed && r.status === 'inconclusive' };
      });
    suites.push(suite(metric, cases, report));
  }
  for (const r of report.rescore) {
    const moved = report.moved.filter((m) => m.metric === r.metric).map((m) => `${m.image}: ${m.baseline} → ${m.run}`);
    const detail = `${r.compared} images, largest move ${f(r.largestMove)}, tolerance ${r.tolerance}`;
    const body =
      r.status === 'moved'
        ? `<failure message="${xml(`${r.moved} of ${r.compared} images moved by more than ${r.tolerance}`)}">${xml([detail, ...moved].join('\n'))}</failure>`
        : `<system-out>${xml(detail)}</system-out>`;
    suites.push(suite(r.metric, [{ name: 're-score within tolerance', body, failed: r.status === 'moved', skipped: false }], report));
  }
  if (report.problems.length) {
    const cases = report.problems.map((p) => ({ name: p, body: `<failure message="${xml(p)}"/>`, failed: true, skipped: false }));
    suites.push(suite('coverage', cases, report));
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="lora-eval check">\n${suites.join('\n')}\n</testsuites>\n`;
}
