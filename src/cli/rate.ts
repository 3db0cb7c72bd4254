import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { isTaskName, TASK_NAMES } from '../rate/tasks.js';
import { EXIT, runCommand, UserError } from './errors.js';

function defaultRater(): string {
  try {
    return userInfo().username || 'rater';
  } catch {
    return 'rater';
  }
}

export function register(program: Command): void {
  program
    .command('rate')
    .description('serve a rating page on 127.0.0.1: people compare pairs of images of a run; answers go to ratings.csv for "analyze"')
    .argument('<run>', 'run folder written by "lora-eval score"')
    .option('--task <task>', `what to ask: ${TASK_NAMES.join(', ')}`, 'style')
    .option('--pairs <n>', 'distinct pairs to rate (a share of them is shown again, sides swapped)', '60')
    .option('--repeats <share>', 'share of the pairs shown a second time to measure self-consistency', '0.15')
    .option('--rater <name>', 'name recorded with each answer (default: your user name)')
    .option('--seed <n>', 'seed of the pair selection (the same seed gives every rater the same pairs)', '1')
    .option('--port <n>', 'port on 127.0.0.1 (default: any free port)', '0')
    .action((run: string, opts) =>
      runCommand(async () => {
        const { buildRatingPlan } = await import('../rate/plan.js');
        const { RatingsCsvError } = await import('../rate/ratings-csv.js');
        const { startRatingServer } = await import('../rate/server.js');
        const pairs = Number(opts.pairs);
        const repeatShare = Number(opts.repeats);
        const seed = Number(opts.seed);
        const port = Number(opts.port);
        const rater = String(opts.rater ?? defaultRater()).trim();
        if (!isTaskName(opts.task)) throw new UserError(`--task must be one of ${TASK_NAMES.join(', ')}, got "${opts.task}"`);
        if (!Number.isInteger(pairs) || pairs < 2) throw new UserError(`--pairs must be an integer ≥ 2, got "${opts.pairs}"`);
        if (!(repeatShare >= 0 && repeatShare <= 0.5)) throw new UserError(`--repeats must be a share from 0 to 0.5, got "${opts.repeats}"`);
        if (!Number.isInteger(seed)) throw new UserError(`--seed must be an integer, got "${opts.seed}"`);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port must be an integer from 0 to 65535, got "${opts.port}"`);
        if (rater === '' || /[\r\n]/.test(rater)) throw new UserError(`--rater must be a non-empty name on one line`);
        const plan = await buildRatingPlan({ run, task: opts.task, pairs, repeatShare, seed });
        let server;
        try {
          server = await startRatingServer({ plan, rater, port });
        } catch (e) {
          if (e instanceof RatingsCsvError) throw new UserError(e.message);
          throw e;
        }
        const repeats = plan.items.filter((i) => i.repeatOf !== undefined).length;
        process.stdout.write(
          `${plan.items.length - repeats} pairs (+${repeats} repeats) of ${plan.candidates} candidates, chosen by ${plan.metric}; answers go to ${plan.ratingsFile}\n` +
            `rating as "${rater}": open ${server.url} (← left, → right, ↓ can't tell, Backspace undo); Ctrl-C to stop\n`,
        );
        await new Promise<void>((done) => {
          process.once('SIGINT', done);
          process.once('SIGTERM', done);
        });
        await server.close();
        return EXIT.ok;
      }),
    );
}
