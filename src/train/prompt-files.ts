import type { Seed } from '../sweep/seed.js';
import { fillTemplate } from '../sweep/template.js';
import type { CliArgs } from './arg-check.js';
import type { Experiment, ModelRef } from './experiment-schema.js';
import {
  checkpointLevel,
  containerCheckpoint,
  containerVae,
  imageTemplates,
  loraFile,
  NATIVE_DIR,
  OUTPUTS_DIR,
  RUN_MOUNT,
  sampledEpochs,
  sweepWeights,
  weightText,
} from './layout.js';
import { networkModule } from './training-config.js';

/** One gen_img.py run: a prompt file for one target, with one LoRA checkpoint or none (weight 0). */
export interface GenerationJob {
  /** Names the step and its log, e.g. "generate-nai-e10-anything" or "generate-native-anything". */
  id: string;
  /** Relative to the run folder. */
  promptFile: string;
  target: ModelRef;
  lora?: { base: string; epoch: number; file: string };
  /** The prompt file's lines: one image each. */
  lines: string[];
  /** The image each line writes, relative to outputs/ (the --f value), in line order. */
  images: string[];
  /**
   * gen_img.py arguments besides --from_file, which run.sh gives (it passes only the lines still to generate):
   * the target's, those every job shares, and the LoRA's.
   */
  args: { target: CliArgs; common: CliArgs; lora: CliArgs };
  /** Prompt-line options the lines use, for checking against gen_img.py's list. */
  lineOptions: string[];
}

/** The gen_img.py arguments that load a target (--v1: SD1.x, not guessed from the file size). */
export function targetArgs(target: ModelRef): CliArgs {
  const args: CliArgs = [['--ckpt', containerCheckpoint('target', target)], ['--v1']];
  const vae = containerVae('target', target);
  if (vae) args.push(['--vae', vae]);
  return args;
}

/** The gen_img.py arguments every job shares. */
export function commonArgs(exp: Experiment): CliArgs {
  const g = exp.generation;
  const args: CliArgs = [];
  args.push(
    ['--outdir', `${RUN_MOUNT}/${OUTPUTS_DIR}`],
    ['--sampler', g.sampler],
    ['--steps', String(g.steps)],
    ['--scale', String(g.cfg)],
    ['--W', String(g.width)],
    ['--H', String(g.height)],
    ['--images_per_prompt', '1'],
    ['--batch_size', String(g.batch_size)],
    ['--sdpa'],
  );
  if (g.precision !== 'fp32') args.push([`--${g.precision}`]);
  if (g.clip_skip !== undefined) args.push(['--clip_skip', String(g.clip_skip)]);
  if (g.max_embeddings_multiples !== undefined) args.push(['--max_embeddings_multiples', String(g.max_embeddings_multiples)]);
  return args;
}

/** The gen_img.py arguments that apply a LoRA file; each prompt line sets its weight with --am. */
function loraArgs(exp: Experiment, file: string): CliArgs {
  return [
    ['--network_module', networkModule(exp)],
    ['--network_weights', `${RUN_MOUNT}/${file}`],
    ['--network_mul', '1.0'],
  ];
}

/** All arguments of a job, in the order run.sh passes them. */
export function jobArgs(job: GenerationJob): CliArgs {
  return [...job.args.target, ...job.args.common, ...job.args.lora];
}

/**
 * The prompt line for one image: the prompt, then " --n" negative prompt, " --d" seed, " --am" LoRA weight
 * (LoRA files only) and " --f" file name last, so run.sh can read the output path back from the line's end.
 */
function promptLine(exp: Experiment, text: string, seed: Seed, weight: number | undefined, image: string): string {
  const parts = [text];
  if (exp.generation.negative_prompt) parts.push(`--n ${exp.generation.negative_prompt}`);
  parts.push(`--d ${seed}`);
  if (weight !== undefined) parts.push(`--am ${weightText(weight)}`);
  parts.push(`--f ${image}`);
  return parts.join(' ');
}

/**
 * Every generation job: one per (base, sampled epoch, target) with prompts × seeds × non-zero weights lines,
 * then one per target for weight 0 with prompts × seeds lines. Weight-0 images are the target without the
 * LoRA, the same for every base and epoch, so they are generated once per target, not once per LoRA file.
 */
export function generationJobs(exp: Experiment): GenerationJob[] {
  const templates = imageTemplates(exp);
  const loraWeights = sweepWeights(exp).filter((w) => w > 0);
  const jobs: GenerationJob[] = [];
  const fill = (template: string, levels: Record<string, string | number>) => fillTemplate(template, levels);

  for (const target of exp.targets) {
    const lines: string[] = [];
    const images: string[] = [];
    for (const prompt of exp.prompts) {
      for (const seed of exp.seeds) {
        const image = fill(templates.native, { target: target.name, prompt: prompt.id, seed });
        images.push(image);
        lines.push(promptLine(exp, prompt.text, seed, undefined, image));
      }
    }
    jobs.push({
      id: `generate-${NATIVE_DIR}-${target.name}`,
      promptFile: `prompts/${NATIVE_DIR}/${target.name}.txt`,
      target,
      lines,
      images,
      args: { target: targetArgs(target), common: commonArgs(exp), lora: [] },
      lineOptions: exp.generation.negative_prompt ? ['n', 'd', 'f'] : ['d', 'f'],
    });
  }

  for (const base of exp.bases) {
    for (const epoch of sampledEpochs(exp)) {
      const file = loraFile(exp, base.name, epoch);
      for (const target of exp.targets) {
        const lines: string[] = [];
        const images: string[] = [];
        for (const prompt of exp.prompts) {
          for (const seed of exp.seeds) {
            for (const weight of loraWeights) {
              const image = fill(templates.template, {
                base: base.name,
                checkpoint: checkpointLevel(epoch),
                target: target.name,
                weight: weightText(weight),
                prompt: prompt.id,
                seed,
              });
              images.push(image);
              lines.push(promptLine(exp, prompt.text, seed, weight, image));
            }
          }
        }
        jobs.push({
          id: `generate-${base.name}-${checkpointLevel(epoch)}-${target.name}`,
          promptFile: `prompts/${base.name}/${checkpointLevel(epoch)}/${target.name}.txt`,
          target,
          lora: { base: base.name, epoch, file },
          lines,
          images,
          args: { target: targetArgs(target), common: commonArgs(exp), lora: loraArgs(exp, file) },
          lineOptions: exp.generation.negative_prompt ? ['n', 'd', 'am', 'f'] : ['d', 'am', 'f'],
        });
      }
    }
  }
  return jobs;
}
