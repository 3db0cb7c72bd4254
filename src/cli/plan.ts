import { resolve } from 'node:path';
import type { Command } from 'commander';
import { runCommand } from './errors.js';

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
        const { promptPowerNote } = await import('../train/prompt-power-note.js');
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
