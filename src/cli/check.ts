import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { checkRuns } from '../check/check-runs.js';
import { checkJunit } from '../check/junit.js';
import { checkMarkdown } from '../check/markdown.js';
import { fileError } from '../file-error.js';
import { EXIT, runCommand, UserError } from './errors.js';

function parseMargins(values: string[]): Record<string, number> {
  return Object.fromEntries(
    values.map((v) => {
      const m = /^([^=]+)=([0-9.eE+-]+)$/.exec(v);
      if (!m || !(Number(m[2]) > 0)) throw new UserError(`--margin expects metric=value with value > 0, got "${v}"`);
      return [m[1], Number(m[2])];
    }),
  );
}

export function register(program: Command): void {
  program
    .command('check')
    .description("regression gate: is a run worse than its baseline by more than each metric's margin? exit 1 if so")
    .argument('<run>', 'run folder (or scores.csv) to check')
    .requiredOption('--baseline <run>', 'baseline run folder or scores.csv (e.g. reports/baselines/<name>)')
    .option('--metric <name...>', 'metrics to check (default: every registered metric in both runs)')
    .option('--margin <metric=value...>', "tolerated worsening per metric, in the metric's unit (default from the metric registry)")
    .option('--by <factor...>', 'factors whose levels form the groups tested (default: every factor, one group per cell)')
    .option('--alpha <p>', 'significance level', '0.05')
    .option('--junit <file>', 'write JUnit XML (one test case per metric × group)')
    .option('--markdown <file>', 'write a Markdown summary (e.g. $GITHUB_STEP_SUMMARY)')
    .action((run: string, opts) =>
      runCommand(async () => {
        const alpha = Number(opts.alpha);
        if (!(alpha > 0 && alpha < 1)) throw new UserError(`--alpha must be between 0 and 1, got "${opts.alpha}"`);
        const report = checkRuns({ run, baseline: opts.baseline, metrics: opts.metric, margins: parseMargins(opts.margin ?? []), by: opts.by, alpha });
        const write = (file: string, text: string) => {
          try {
            writeFileSync(file, text);
          } catch (e) {
            throw fileError(e, 'write', file);
          }
        };
        if (opts.junit) write(opts.junit, checkJunit(report));
        if (opts.markdown) write(opts.markdown, checkMarkdown(report));
        for (const r of report.results.filter((x) => x.status !== 'pass')) {
          process.stdout.write(
            `${r.status === 'regression' ? 'REGRESSION  ' : 'inconclusive'} ${r.metric} ${r.group}: ${r.reason} (mean difference ${r.difference.toFixed(4)}, n=${r.n})\n`,
          );
        }
        const count = (s: string) => report.results.filter((r) => r.status === s).length;
        process.stdout.write(
          `${report.passed ? 'passed' : 'FAILED'}: ${count('pass')} pass, ${count('regression')} regression, ${count('inconclusive')} inconclusive\n`,
        );
        return report.passed ? EXIT.ok : EXIT.failed;
      }),
    );
}
