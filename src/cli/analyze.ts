import type { Command } from 'commander';
import { analyze } from '../analysis/analyze.js';
import type { TestRow } from '../analysis/test-row.js';
import { EXIT, runCommand, UserError } from './errors.js';

const fmtP = (p: number) => (Number.isFinite(p) ? (p < 1e-4 ? p.toExponential(1) : p.toFixed(4)) : '–');

/** One test as analyze prints it: where, how many units of which kind, the corrected p and the verdict or why it did not run. */
export function testLine(t: TestRow): string {
  const units = Number.isFinite(t.nUnits) ? `${t.nUnits} ${t.unit}${t.nUnits === 1 ? '' : 's'}` : `0 ${t.unit}s`;
  const where = t.where || '(all)';
  const result = Number.isFinite(t.p) ? `p_adj ${fmtP(t.pAdj)} ${t.verdict}` : `not run: ${t.note ?? ''}`;
  return `${where}: ${t.test.replace(/ \(.*\)$/, '')}, ${units}${t.unit === 'image' ? ' (image-level)' : ''}, ${result}`;
}

export function register(program: Command): void {
  program
    .command('analyze')
    .description('cell estimates, paired tests and hypothesis verdicts from a run: writes cells.csv, tests.csv and summary.json')
    .argument('<run>', 'run folder written by "lora-eval score" (or any scores.csv it wrote)')
    .option('--hypotheses <file>', 'hypotheses.yaml: the claims to test (compare, equivalence, correlation, dose_response)')
    .option('-o, --out <dir>', 'output folder (default: the run folder)')
    .option('--seed <n>', 'seed of every bootstrap', '1')
    .option('--reps <n>', 'bootstrap replicates', '2000')
    .option('--ci <method>', 'CI of cell and test estimates: t (over prompt means, K − 1 df) or bootstrap (resampling prompts)', 't')
    .action((run: string, opts) =>
      runCommand(async () => {
        const seed = Number(opts.seed);
        const reps = Number(opts.reps);
        if (!Number.isInteger(seed)) throw new UserError(`--seed must be an integer, got "${opts.seed}"`);
        if (!Number.isInteger(reps) || reps < 100) throw new UserError(`--reps must be an integer ≥ 100, got "${opts.reps}"`);
        if (opts.ci !== 't' && opts.ci !== 'bootstrap') throw new UserError(`--ci must be "t" or "bootstrap", got "${opts.ci}"`);
        const ci = opts.ci === 't' ? 't' : 'prompt bootstrap';
        const result = analyze({ input: run, hypotheses: opts.hypotheses, out: opts.out, seed, reps, ci });
        const out = process.stdout;
        out.write(`${result.cells.length} cell estimates, ${result.tests.length} tests\n`);
        if (!result.embeddings.available) out.write(`model distance and diversity unavailable: ${result.embeddings.reason}\n`);
        for (const h of result.hypotheses) {
          out.write(
            `${h.verdict.toUpperCase().padEnd(12)} ${h.id} (${h.type}, ${h.metric}): ${h.supported} supported, ${h.refuted} refuted, ${h.inconclusive} inconclusive of ${h.tests} test(s)${h.notRun ? `, ${h.notRun} could not run` : ''}\n`,
          );
          for (const t of result.tests.filter((t) => t.hypothesis === h.id)) out.write(`  ${testLine(t)}\n`);
        }
        out.write(`wrote ${result.files.join(', ')}\n`);
        return EXIT.ok;
      }),
    );
}
