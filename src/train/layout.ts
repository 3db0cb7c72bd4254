/**
 * Where things live: in the run folder the plan writes, and inside the container, where the run folder is
 * mounted at /work/run and every model and dataset folder is mounted read-only at a fixed place.
 */
import { posix } from 'node:path';
import type { Experiment, ModelRef } from './experiment-schema.js';

export const RUN_MOUNT = '/work/run';
export const SD_SCRIPTS_DIR = '/opt/sd-scripts';
export const DATASET_MOUNT = '/data/images';
export const REGULARIZATION_MOUNT = '/data/regularization';
/** gen_img.py --outdir; sweep.yaml's root. */
export const OUTPUTS_DIR = 'outputs';
export const MODELS_DIR = 'models';
export const NATIVE_DIR = 'native';

export type ModelRole = 'base' | 'target';

/**
 * A host file's name as the container sees it: characters other than letters, digits, ".", "_", "+" and "-"
 * become "_", so that docker -v (which splits at ":"), the TOML configs and gen_img.py's arguments get a
 * plain name whatever the file is called. The extension is kept: sd-scripts tells formats apart by it.
 */
const fileName = (p: string) => posix.basename(p.replace(/\\/g, '/')).replace(/[^A-Za-z0-9._+-]/g, '_');

export function containerCheckpoint(role: ModelRole, model: ModelRef): string {
  return `/models/${role}/${model.name}/${fileName(model.checkpoint)}`;
}

export function containerVae(role: ModelRole, model: ModelRef): string | undefined {
  return model.vae ? `/models/${role}-vae/${model.name}/${fileName(model.vae)}` : undefined;
}

export function loraName(exp: Experiment): string {
  return exp.lora.name ?? exp.name;
}

/** The epochs generated from: the sampled ones and the last, ascending. */
export function sampledEpochs(exp: Experiment): number[] {
  return [...new Set([...(exp.checkpoints ?? []), exp.training.epochs])].sort((a, b) => a - b);
}

/** Whether the checkpoint is a factor of the sweep (more than the last epoch is sampled). */
export function hasCheckpointFactor(exp: Experiment): boolean {
  return exp.checkpoints !== undefined && exp.checkpoints.length > 0;
}

export const checkpointLevel = (epoch: number): string => `e${epoch}`;

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** save_every_n_epochs: as given, or the greatest common divisor of the sampled epochs before the last. */
export function saveEveryNEpochs(exp: Experiment): number | undefined {
  if (exp.training.save_every_n_epochs !== undefined) return exp.training.save_every_n_epochs;
  const intermediate = sampledEpochs(exp).filter((e) => e < exp.training.epochs);
  return intermediate.length ? intermediate.reduce(gcd) : undefined;
}

/**
 * The LoRA file train_network.py writes for an epoch, relative to the run folder: intermediate epochs are
 * "<name>-<epoch:06d>.safetensors" (train_util.EPOCH_FILE_NAME), the last is "<name>.safetensors".
 */
export function loraFile(exp: Experiment, base: string, epoch: number): string {
  const name = loraName(exp);
  const file = epoch === exp.training.epochs ? `${name}.safetensors` : `${name}-${String(epoch).padStart(6, '0')}.safetensors`;
  return `${MODELS_DIR}/${base}/${file}`;
}

/** sweep.yaml's path templates, relative to outputs/; the prompt files fill the same templates. */
export function imageTemplates(exp: Experiment): { template: string; native: string } {
  return {
    template: hasCheckpointFactor(exp) ? '{base}/{checkpoint}/{target}/w{weight}/{prompt}-{seed}.png' : '{base}/{target}/w{weight}/{prompt}-{seed}.png',
    native: `${NATIVE_DIR}/{target}/{prompt}-{seed}.png`,
  };
}

/** A weight as the sweep's path template writes it ({weight} is filled with String(level)). */
export const weightText = (w: number): string => String(w);

/** The weights generated: 0 and the experiment's, ascending, without repeats. */
export function sweepWeights(exp: Experiment): number[] {
  return [...new Set([0, ...exp.weights])].sort((a, b) => a - b);
}
