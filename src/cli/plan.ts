import { resolve } from 'node:path';
import type { Command } from 'commander';
import { pairedTPower, pairedTSampleSize, signedRankUnitsNeeded } from '../stats/index.js';
import { runCommand } from './errors.js';

/**
 * What the planned prompts can show: tests run across prompts (the unit of inference), so the prompt count, not the
 * image count, sets the power. Power of a two-sided paired t on prompt means at alpha 0.05 for a few effect sizes.
 */
export function promptPowerNote(prompts: { kind: string }[]): string {
  const k = prompts.length;
  const concept = prompts.filter((p) => p.kind === 'concept').length;
  const effects = [0.5, 0.8, 1.2];
  const at = (n: number) => effects.map((d) => `d = ${d}: ${n >= 2 ? pairedTPower(n, d).toFixed(2) : '–'}`).join(', ');
  const needed = effects.map((d) => `${pairedTSampleSize(d).needed} for d = ${d}`).join(', ');
  return (
    `power (paired t on prompt means, two-sided, alpha 0.05): ${k} prompts → ${at(k)}; ${concept} concept prompts → ${at(concept)}
` +
    `80 % power needs ${needed} prompts; an exact Wilcoxon needs at least ${signedRankUnitsNeeded(0.05, 'two.sided')} prompts (lora-eval power -d <d> for others)
`
  );
}

/** Adds `plan`: experiment.yaml → a run folder with a pinned sd-scripts container, configs, prompt files, run.sh, sweep.yaml. */
export function register(program: Command): Command {
  return program
    .command('plan')
    .description(
      'plan LoRA training and generation in a pinned CUDA sd-scripts container: Dockerfile, dataset.toml, training ' +
        'configs, gen_img.py prompt files, a resumable run.sh (needs Docker with an NVIDIA GPU) and the sweep.yaml for score',
    )
    .argument('<experiment>', 'experiment.yaml')
    .option('--out <dir>', 'run folder to write (default: runs/<experiment name>)')
    .option('--dry-run', 'print the plan as a table (steps, images, estimated GPU work) and write nothing')
    .action((experimentFile: string, opts: { out?: string; dryRun?: boolean }) =>
      runCommand(async () => {
        const { formatPlanTable } = await import('../train/estimate.js');
        const { loadExperiment } = await import('../train/load-experiment.js');
        const { planExperiment, writePlan } = await import('../train/plan.js');
        const loaded = loadExperiment(resolve(experimentFile));
        const outDir = resolve(opts.out ?? `runs/${loaded.experiment.name}`);
        const plan = planExperiment(loaded, { outDir });
        for (const w of plan.warnings) process.stderr.write(`warning: ${w}\n`);
        if (plan.baseImage.via !== 'given')
          process.stderr.write(`pinned ${loaded.experiment.pins.base_image} to ${plan.baseImage.image} (${plan.baseImage.via})\n`);
        if (opts.dryRun) {
          process.stdout.write(formatPlanTable(plan.summary));
          process.stdout.write(`\n${promptPowerNote(loaded.experiment.prompts)}`);
          process.stdout.write(`\ndry run: would write ${plan.files.length} files and copy ${plan.copies.length} reference images to ${outDir}\n`);
          return;
        }
        writePlan(plan);
        process.stdout.write(formatPlanTable(plan.summary));
        process.stdout.write(`\n${promptPowerNote(loaded.experiment.prompts)}`);
        process.stdout.write(
          `\nwrote ${plan.files.length} files and copied ${plan.copies.length} reference images to ${outDir}\n` +
            `next: ${resolve(outDir, 'run.sh')} (Docker with an NVIDIA GPU), then: lora-eval score ${resolve(outDir, 'sweep.yaml')}\n`,
        );
      }),
    );
}
