import type { Command } from 'commander';
import type { CheckReport } from '../check/check-runs.js';
import { writeFileAtomic } from '../run/atomic-write.js';
import { summaryLine } from '../check/summary.js';
import type { Tolerance } from '../check/rescore.js';
import { EXIT, runCommand, UserError } from './errors.js';

function parseMargins(values: string[]): Record<string, number> {
  const margins: Record<string, number> = {};
  for (const v of values) {
    const m = /^([^=]+)=([0-9.eE+-]+)$/.exec(v);
    if (!m || !(Number(m[2]) > 0)) throw new UserError(`--margin expects metric=value with value > 0, got "${v}"`);
    if (m[1] in margins) throw new UserError(`--margin: ${m[1]} is given twice (${margins[m[1]]} and ${Number(m[2])}); give one margin per metric`);
    margins[m[1]] = Number(m[2]);
  }
  return margins;
}

function parseDirections(higher: string[], lower: string[]): Record<string, boolean> {
  const both = higher.filter((m) => lower.includes(m));
  if (both.length) throw new UserError(`--higher-is-better and --lower-is-better both name ${both.join(', ')}`);
  return { ...Object.fromEntries(higher.map((m) => [m, true])), ...Object.fromEntries(lower.map((m) => [m, false])) };
}

function parseTolerance(values: string[]): Tolerance {
  const tolerance: Tolerance = { perMetric: {} };
  for (const v of values) {
    const m = /^(?:([^=]+)=)?([0-9.eE+-]+)$/.exec(v);
    const eps = m ? Number(m[2]) : NaN;
    if (!m || !(eps >= 0)) throw new UserError(`--tolerance expects <eps> or metric=<eps> with eps ≥ 0, got "${v}"`);
    if (m[1] === undefined) {
      if (tolerance.all !== undefined) throw new UserError(`--tolerance: give one tolerance for all metrics, got ${tolerance.all} and ${eps}`);
      tolerance.all = eps;
    } else {
      if (m[1] in tolerance.perMetric)
        throw new UserError(`--tolerance: ${m[1]} is given twice (${tolerance.perMetric[m[1]]} and ${eps}); give one tolerance per metric`);
      tolerance.perMetric[m[1]] = eps;
    }
  }
  return tolerance;
}

function parseCompare(value: string | undefined): { factor: string; level?: string } | undefined {
  if (value === undefined) return undefined;
  const m = /^([^=]+)(?:=(.+))?$/.exec(value);
  if (!m) throw new UserError(`--compare expects <factor> or <factor>=<level>, got "${value}"`);
  return { factor: m[1], level: m[2] };
}

function printReport(report: CheckReport): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  for (const p of report.problems) out(`FAILED       ${p}`);
  for (const r of report.results.filter((x) => x.status !== 'pass')) {
    const label = r.status === 'regression' ? 'REGRESSION  ' : 'inconclusive';
    out(`${label} ${r.metric} ${r.group}: ${r.reason} (mean difference ${r.difference.toFixed(4)}, ${r.prompts} prompts, n=${r.n})`);
  }
  for (const r of report.rescore.filter((x) => x.status === 'moved'))
    out(`MOVED        ${r.metric}: ${r.moved} of ${r.compared} images moved by more than ${r.tolerance} (largest ${r.largestMove.toPrecision(4)})`);
  for (const m of report.moved) out(`  ${m.image} ${m.metric}: baseline ${m.baseline} → run ${m.run} (${(m.run - m.baseline).toPrecision(4)})`);
  for (const n of report.notes) out(`note: ${n}`);
  out(summaryLine(report));
}

export function register(program: Command): void {
  program
    .command('check')
    .description("regression gate: is a run worse than its baseline by more than each metric's margin, or did a re-score move? exit 1 if so")
    .argument('<run>', 'run folder (or scores.csv) to check')
    .requiredOption('--baseline <run>', 'baseline run folder or scores.csv (e.g. reports/baselines/<name>)')
    .option('--metric <name...>', 'metrics to check (default: every registered metric of the baseline; with --tolerance every metric)')
    .option('--margin <metric=value...>', "tolerated worsening per metric, in the metric's unit (default from the metric registry)")
    .option('--by <factor...>', 'factors whose levels form the groups tested (default: every factor, one group per cell)')
    .option('--compare <factor[=level]>', "compare the run's levels of a factor with this baseline level (without one: each baseline level in turn)")
    .option('--inconclusive <fail|pass>', 'whether a group that could not be decided fails the gate', 'fail')
    .option('--allow-missing', 'report baseline groups (or images) missing from the run instead of failing')
    .option('--allow-model-change', 'compare runs scored with different model files or scoring settings (resize engine, thresholds, preprocessing, references)')
    .option('--tolerance <eps|metric=eps...>', 'exact re-score check: every image scored in both runs must stay within eps (one for all and/or per metric)')
    .option('--higher-is-better <metric...>', 'metrics not in the metric registry for which higher values are better')
    .option('--lower-is-better <metric...>', 'metrics not in the metric registry for which lower values are better')
    .option('--alpha <p>', 'significance level', '0.05')
    .option('--junit <file>', 'write JUnit XML (one test case per metric × group)')
    .option('--markdown <file>', 'write a Markdown summary (e.g. $GITHUB_STEP_SUMMARY)')
    .action((run: string, opts) =>
      runCommand(async () => {
        const { checkRuns } = await import('../check/check-runs.js');
        const { checkJunit } = await import('../check/junit.js');
        const { checkMarkdown } = await import('../check/markdown.js');
        const alpha = Number(opts.alpha);
        if (!(alpha > 0 && alpha < 1)) throw new UserError(`--alpha must be between 0 and 1, got "${opts.alpha}"`);
        if (opts.inconclusive !== 'fail' && opts.inconclusive !== 'pass')
          throw new UserError(`--inconclusive must be fail or pass, got "${opts.inconclusive}"`);
        const tolerance = opts.tolerance ? parseTolerance(opts.tolerance) : undefined;
        if (tolerance)
          for (const [flag, name] of [
            ['compare', 'compare'],
            ['margin', 'margin'],
            ['by', 'by'],
            ['higherIsBetter', 'higher-is-better'],
            ['lowerIsBetter', 'lower-is-better'],
          ] as const)
            if (opts[flag] !== undefined) throw new UserError(`--${name} does not apply to --tolerance (an exact re-score check of the same images)`);
        const report = checkRuns({
          run,
          baseline: opts.baseline,
          metrics: opts.metric,
          margins: parseMargins(opts.margin ?? []),
          higherIsBetter: parseDirections(opts.higherIsBetter ?? [], opts.lowerIsBetter ?? []),
          by: opts.by,
          alpha,
          compare: parseCompare(opts.compare),
          inconclusive: opts.inconclusive,
          allowMissing: Boolean(opts.allowMissing),
          allowModelChange: Boolean(opts.allowModelChange),
          tolerance,
        });
        if (opts.junit) writeFileAtomic(opts.junit, checkJunit(report));
        if (opts.markdown) writeFileAtomic(opts.markdown, checkMarkdown(report));
        printReport(report);
        return report.passed ? EXIT.ok : EXIT.failed;
      }),
    );
}
