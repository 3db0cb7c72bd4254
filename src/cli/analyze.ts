import type { Command } from 'commander';
import { analyze } from '../analysis/analyze.js';
import { agreementSentence } from '../analysis/agreement-text.js';
import { TASKS, isTaskName } from '../rate/tasks.js';
import { EXIT, runCommand, UserError } from './errors.js';

export function register(program: Command): void {
  program
    .command('analyze')
    .description('cell estimates, paired tests and hypothesis verdicts from a run: writes cells.csv, tests.csv and summary.json')
    .argument('<run>', 'run folder written by "lora-eval score" (or any scores.csv it wrote)')
    .option('--hypotheses <file>', 'hypotheses.yaml: the claims to test (compare, equivalence, correlation, dose_response)')
    .option('-o, --out <dir>', 'output folder (default: the run folder)')
    .option('--seed <n>', 'seed of every bootstrap', '1')
    .option('--reps <n>', 'bootstrap replicates', '2000')
    .action((run: string, opts) =>
      runCommand(async () => {
        const seed = Number(opts.seed);
        const reps = Number(opts.reps);
        if (!Number.isInteger(seed)) throw new UserError(`--seed must be an integer, got "${opts.seed}"`);
        if (!Number.isInteger(reps) || reps < 100) throw new UserError(`--reps must be an integer ≥ 100, got "${opts.reps}"`);
        const result = analyze({ input: run, hypotheses: opts.hypotheses, out: opts.out, seed, reps });
        const out = process.stdout;
        out.write(`${result.cells.length} cell estimates, ${result.tests.length} tests\n`);
        if (!result.embeddings.available) out.write(`model distance and diversity unavailable: ${result.embeddings.reason}\n`);
        for (const h of result.hypotheses) {
          out.write(
            `${h.verdict.toUpperCase().padEnd(12)} ${h.id} (${h.type}, ${h.metric}): ${h.supported} supported, ${h.refuted} refuted, ${h.inconclusive} inconclusive of ${h.tests} test(s)${h.notRun ? `, ${h.notRun} could not run` : ''}\n`,
          );
        }
        const rated = result.raterAgreement;
        for (const m of rated?.metrics.filter((x) => isTaskName(x.task) && (TASKS[x.task].metrics as readonly string[]).includes(x.metric)) ?? []) {
          out.write(`${agreementSentence(rated!, m)}\n`);
        }
        out.write(`wrote ${result.files.join(', ')}\n`);
        return EXIT.ok;
      }),
    );
}
