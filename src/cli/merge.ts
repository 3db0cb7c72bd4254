import type { Command } from 'commander';
import { EXIT, runCommand } from './errors.js';

export function register(program: Command): void {
  program
    .command('merge')
    .description('combine the run folders of a sharded score (--shard i/N) into one run folder')
    .argument('<runs...>', 'run folders written by "lora-eval score --shard"')
    .requiredOption('-o, --out <dir>', 'the merged run folder')
    .action((runs: string[], opts) =>
      runCommand(async () => {
        const { mergeRuns } = await import('../run/merge-runs.js');
        const result = mergeRuns(runs, opts.out);
        process.stdout.write(`merged ${result.runs} runs: ${result.rows} rows, ${result.failures} failure(s), into ${result.outDir}\n`);
        return result.failures ? EXIT.failed : EXIT.ok;
      }),
    );
}
