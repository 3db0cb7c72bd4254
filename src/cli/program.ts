import { Command } from 'commander';
import { EXIT } from '../errors.js';
import { TOOL_VERSION } from '../version.js';
import { register as registerAnalyze } from './analyze.js';
import { register as registerCheck } from './check.js';
import { register as registerIngest } from './ingest.js';
import { register as registerInspect } from './inspect.js';
import { registerInspectMeta } from './inspect-meta.js';
import { register as registerMerge } from './merge.js';
import { register as registerModels } from './models.js';
import { register as registerPlan } from './plan.js';
import { register as registerPower } from './power.js';
import { register as registerRate } from './rate.js';
import { register as registerReport } from './report.js';
import { register as registerScore } from './score.js';

export function buildProgram(): Command {
  const program = new Command()
    .name('lora-eval')
    .version(TOOL_VERSION)
    .description(
      'Measure how a LoRA transfers between Stable Diffusion models.\n\n' +
        'Typical flow: score a sweep (CLIP and WD14 tagger scores per image), analyze it (cell estimates, paired tests, ' +
        "hypothesis verdicts), then report, or check against a baseline. Each stage reads the previous stage's files, " +
        'so any stage can be re-run alone. Exit codes: 0 ok, 1 something failed or a check did not pass, 2 bad input.',
    )
    .showHelpAfterError('(add --help for usage)')
    // Usage mistakes (unknown command or option, missing argument) are bad input: exit 2, as documented.
    // Subcommands inherit this from the program when they are added, so it comes before them.
    .exitOverride((err) => process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.badInput));
  registerScore(program);
  registerAnalyze(program);
  registerCheck(program);
  registerMerge(program);
  registerModels(program);
  registerPlan(program);
  registerPower(program);
  registerReport(program);
  registerRate(program);
  registerIngest(program);
  registerInspectMeta(registerInspect(program));
  return program;
}
