import type { Command } from 'commander';
import { EXIT, runCommand, UserError } from './errors.js';

function numberList(text: string, flag: string): number[] {
  const values = text.split(',').map((s) => Number(s.trim()));
  if (!values.length || values.some((v) => !Number.isFinite(v) || v <= 0))
    throw new UserError(`${flag} must be numbers > 0 separated by commas, got "${text}"`);
  return values;
}

export function register(program: Command): void {
  program
    .command('power')
    .description(
      'prompts a paired comparison needs: for effect size d (mean per-prompt difference ÷ SD of the per-prompt differences), ' +
        'the number of prompts that gives a paired t test on prompt means the requested power (R power.t.test, type = "paired")',
    )
    .requiredOption('-d, --effect <d>', 'standardised effect size(s) d_z at the prompt level, e.g. 0.8 or 0.5,0.8,1.2')
    .option('--power <p>', 'target power', '0.8')
    .option('--alpha <a>', 'significance level (per test, after any correction you plan)', '0.05')
    .option('--one-sided', 'one-sided test (default two-sided)')
    .option('--prompts <k>', 'also give the power with this many prompts')
    .action((opts) =>
      runCommand(async () => {
        const { pairedTPower, pairedTSampleSize, signedRankUnitsNeeded, StatsInputError } = await import('../stats/index.js');
        const effects = numberList(opts.effect, '--effect');
        const power = Number(opts.power);
        const alpha = Number(opts.alpha);
        if (!(power > 0 && power < 1)) throw new UserError(`--power must be between 0 and 1, got "${opts.power}"`);
        if (!(alpha > 0 && alpha < 1)) throw new UserError(`--alpha must be between 0 and 1, got "${opts.alpha}"`);
        const prompts = opts.prompts === undefined ? undefined : Number(opts.prompts);
        if (prompts !== undefined && !(Number.isInteger(prompts) && prompts >= 2))
          throw new UserError(`--prompts must be an integer ≥ 2, got "${opts.prompts}"`);
        const sided = opts.oneSided ? ('one.sided' as const) : ('two.sided' as const);
        const out = process.stdout;
        out.write(`paired t on prompt means, ${sided === 'two.sided' ? 'two-sided' : 'one-sided'}, alpha ${alpha}, power ${power}\n`);
        try {
          for (const d of effects) {
            const size = pairedTSampleSize(d, power, { alpha, sided });
            const at = prompts === undefined ? '' : `; with ${prompts} prompts the power is ${pairedTPower(prompts, d, { alpha, sided }).toFixed(3)}`;
            out.write(`d = ${d}: ${size.needed} prompts (n = ${size.n.toFixed(2)}; power ${size.power.toFixed(3)} at ${size.needed})${at}\n`);
          }
        } catch (e) {
          if (e instanceof StatsInputError) throw new UserError(e.message);
          throw e;
        }
        const wilcoxon = signedRankUnitsNeeded(alpha, sided === 'two.sided' ? 'two.sided' : 'greater');
        out.write(`an exact Wilcoxon signed-rank test cannot reach alpha ${alpha} with fewer than ${wilcoxon} prompts, whatever the effect\n`);
        return EXIT.ok;
      }),
    );
}
