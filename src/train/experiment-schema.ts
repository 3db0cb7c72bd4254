import { z } from 'zod';
import { ModelInfoSchema, PromptSchema } from '../sweep/schema.js';
import { parseSeed } from '../sweep/seed.js';
import { checkExperiment } from './experiment-checks.js';

/** Base, target, LoRA and experiment names become folder names, docker tags and sweep factor levels. */
const pathSafeName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'use letters, digits, "_", "." and "-", starting with a letter or digit (it becomes a folder name)');

/** A strict object whose unknown keys are reported as "unknown <section> option", with the options it knows. */
function section<T extends z.ZodRawShape>(name: string, shape: T) {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (iss) => {
      if (iss.code !== 'unrecognized_keys') return undefined;
      const keys = (iss as unknown as { keys: string[] }).keys;
      const fields = keys.map((k) => (name ? `${name}.${k}` : k)).join(', ');
      return `unknown ${name || 'top-level'} option${keys.length > 1 ? 's' : ''} ${fields}; known options: ${known}`;
    },
  });
}

const required = (what: string) => ({
  error: (iss: { input?: unknown }) => (iss.input === undefined ? `${what} is required` : undefined),
});

/** A version string; YAML reads 2.0 as the number 2, so numbers are refused with a hint. */
const versionString = (example: string) =>
  z.string({
    error: (iss) => (typeof iss.input === 'number' ? `write the version in quotes, e.g. "${example}" (YAML reads an unquoted 2.0 as the number 2)` : undefined),
  });

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lowercase hex digits');

export const ModelRefSchema = section('model', {
  name: pathSafeName.describe('short name: a factor level of the sweep and a folder name'),
  checkpoint: z
    .string(required('checkpoint (path of the .safetensors/.ckpt file or diffusers folder, relative to the experiment file)'))
    .min(1)
    .describe('model checkpoint: a .safetensors/.ckpt file or a diffusers folder, relative to the experiment file'),
  sha256: sha256.optional().describe('expected sha256 of the checkpoint file; run.sh verifies it before use'),
  vae: z.string().min(1).optional().describe('VAE file to use with this model, relative to the experiment file'),
});

export const LoraInfoSchema = section('lora', {
  name: pathSafeName.optional().describe('file name of the trained LoRA (default: the experiment name)'),
  trigger: z.string().min(1).describe('trigger word used in concept prompts'),
  description: z.string().min(1).describe('plain words that replace the trigger when prompts are scored'),
  concept_tags: z.array(z.string().min(1)).default([]).describe('tagger tags that show the concept'),
  references: z.string().min(1).optional().describe('reference images for scoring (default: dataset.images)'),
  style_references: z.string().min(1).optional().describe('images carrying the trained style (default: references)'),
});

export const RegularizationSchema = section('dataset.regularization', {
  images: z.string().min(1).describe('folder of regularization images, relative to the experiment file'),
  repeats: z.number().int().min(1).default(1),
  class_tokens: z.string().min(1).optional().describe('caption used for images without a caption file'),
});

export const DatasetSchema = section('dataset', {
  images: z
    .string(required('dataset.images (folder of training images)'))
    .min(1)
    .describe('folder of training images with their caption files, relative to the experiment file'),
  caption_extension: z
    .string()
    .regex(/^\.[A-Za-z0-9_.-]+$/, 'caption_extension starts with a dot, e.g. ".txt"')
    .default('.txt'),
  repeats: z.number().int().min(1).describe('times each image is repeated per epoch'),
  regularization: RegularizationSchema.optional(),
  shuffle_caption: z.boolean().optional(),
  keep_tokens: z.number().int().min(0).optional(),
  flip_aug: z.boolean().optional(),
  color_aug: z.boolean().optional(),
  random_crop: z.boolean().optional(),
  caption_dropout_rate: z.number().min(0).max(1).optional(),
  caption_tag_dropout_rate: z.number().min(0).max(1).optional(),
  enable_bucket: z.boolean().default(true),
  min_bucket_reso: z.number().int().min(64).optional(),
  max_bucket_reso: z.number().int().min(64).optional(),
  bucket_no_upscale: z.boolean().optional(),
});

const TrainArgValueSchema = z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number()]))]);

export const LYCORIS_ALGOS = ['locon', 'loha', 'lokr', 'ia3', 'dylora', 'glora', 'full', 'diag-oft', 'boft'] as const;

export const TrainingSchema = section('training', {
  network: z.enum(['lora', 'lycoris']).default('lora').describe('lora: sd-scripts networks.lora; lycoris: lycoris.kohya (needs pins.lycoris_lora)'),
  algo: z.enum(LYCORIS_ALGOS).optional().describe('LyCORIS algorithm (network: lycoris only)'),
  dim: z.number().int().min(1).describe('network_dim (rank)'),
  alpha: z.number().positive().describe('network_alpha'),
  conv_dim: z.number().int().min(1).optional().describe('rank of the conv layers (LoCon); omitted: linear layers only'),
  conv_alpha: z.number().positive().optional(),
  dropout: z.number().min(0).max(1).optional().describe('network_dropout'),
  learning_rate: z.number().positive(),
  unet_lr: z.number().positive().optional(),
  text_encoder_lr: z.number().positive().optional(),
  train_text_encoder: z.boolean().default(true).describe('false: network_train_unet_only'),
  optimizer: z.string().min(1).default('AdamW8bit').describe('optimizer_type, e.g. AdamW, AdamW8bit, Lion, Prodigy'),
  optimizer_args: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*=.+$/, 'optimizer_args entries are key=value')).optional(),
  lr_scheduler: z.string().min(1).default('constant'),
  lr_warmup_steps: z.number().int().min(0).optional(),
  epochs: z.number().int().min(1),
  save_every_n_epochs: z.number().int().min(1).optional().describe('default with checkpoints: the greatest common divisor of the sampled epochs'),
  resolution: z
    .union([z.number().int(), z.tuple([z.number().int(), z.number().int()])])
    .default(512)
    .describe('training resolution: 512 or [width, height]; a multiple of 64'),
  batch_size: z.number().int().min(1).default(1),
  clip_skip: z.number().int().min(1).max(12).optional(),
  mixed_precision: z.enum(['no', 'fp16', 'bf16']).default('fp16'),
  save_precision: z.enum(['float', 'fp16', 'bf16']).optional().describe('default: the mixed precision (float when "no")'),
  seed: z.number().int().min(0).default(42),
  cache_latents: z.boolean().default(true),
  gradient_checkpointing: z.boolean().optional(),
  max_data_loader_n_workers: z.number().int().min(0).default(2),
  extra: z
    .record(z.string(), TrainArgValueSchema)
    .default({})
    .describe('further train_network.py arguments, checked against the pinned sd-scripts argument list'),
});

export const GenerationSchema = section('generation', {
  steps: z.number().int().min(1).max(1000).default(28),
  sampler: z.string().min(1).default('k_euler_a').describe("gen_img.py --sampler, checked against the pinned sd-scripts' choices"),
  cfg: z.number().positive().default(7).describe('classifier-free guidance scale'),
  width: z.number().int().min(64).default(512),
  height: z.number().int().min(64).default(512),
  negative_prompt: z.string().default(''),
  clip_skip: z.number().int().min(1).max(12).optional(),
  batch_size: z.number().int().min(1).default(1),
  precision: z.enum(['fp16', 'bf16', 'fp32']).default('fp16'),
  max_embeddings_multiples: z.number().int().min(1).max(10).optional().describe('prompts up to 75 × this many tokens'),
});

export const PinsSchema = section('pins', {
  sd_scripts: section('pins.sd_scripts', {
    repository: z.string().url().default('https://github.com/kohya-ss/sd-scripts'),
    commit: z.string().regex(/^[0-9a-f]{40}$/, 'commit must be a full 40-hex git commit'),
  }),
  base_image: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._\/:@-]*$/, 'base_image is an image reference such as nvidia/cuda:12.2.2-runtime-ubuntu22.04@sha256:<digest>')
    .describe('container base image; give it with @sha256:<digest>, or as a tag that the local Docker client can resolve'),
  torch: section('pins.torch', {
    version: versionString('2.6.0').regex(/^\d+\.\d+\.\d+$/, 'torch version like 2.6.0'),
    torchvision: versionString('0.21.0').regex(/^\d+\.\d+\.\d+$/, 'torchvision version like 0.21.0'),
    index_url: z.string().url().describe('PyTorch wheel index for the CUDA version, e.g. https://download.pytorch.org/whl/cu124'),
  }),
  python_packages: z
    .record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/), versionString('1.26.4').regex(/^[0-9][0-9A-Za-z.+!-]*$/, 'a version such as 1.26.4'))
    .default({})
    .describe('versions for requirements that sd-scripts leaves unpinned (e.g. numpy, tensorboard)'),
  lycoris_lora: versionString('3.2.0.post2')
    .regex(/^[0-9][0-9A-Za-z.+!-]*$/, 'a version such as 3.2.0.post2')
    .optional()
    .describe('lycoris_lora version, required for training.network: lycoris'),
});

/** gen_img.py seeds its generator with 32 bits; like sweep seeds, a seed may also be written as quoted digits. */
const GEN_IMG_SEED_RANGE = 'gen_img.py seeds are integers from 0 to 4294967295 (below 2^32)';
const GenerationSeedSchema = z
  .union(
    [
      z.number().int({ error: GEN_IMG_SEED_RANGE, abort: true }).min(0, GEN_IMG_SEED_RANGE).max(4294967295, GEN_IMG_SEED_RANGE),
      z.string().regex(/^\d+$/, GEN_IMG_SEED_RANGE),
    ],
    {
      error: GEN_IMG_SEED_RANGE,
    },
  )
  .transform((value) => parseSeed(value))
  .refine((seed) => BigInt(seed) < 2n ** 32n, GEN_IMG_SEED_RANGE)
  .describe('generation seed, 0 to 4294967295');

/** The experiment without its cross-field checks (those need the parsed values). */
export const ExperimentObjectSchema = section('', {
  $schema: z.string().optional(),
  name: pathSafeName.describe('experiment name: names the run folder and the container image'),
  lora: LoraInfoSchema,
  dataset: DatasetSchema,
  bases: z.array(ModelRefSchema).min(1).describe('models the LoRA is trained on, one training run each'),
  targets: z.array(ModelRefSchema).min(1).describe('models the LoRA is applied to'),
  weights: z
    .array(z.number().min(0, { error: 'a LoRA weight must be a number ≥ 0' }))
    .min(1)
    .describe('LoRA weights to generate at; 0 (the target without the LoRA) is added automatically'),
  prompts: z.array(PromptSchema).min(1),
  seeds: z.array(GenerationSeedSchema).min(1),
  checkpoints: z
    .array(z.number().int().min(1))
    .optional()
    .describe('training epochs to generate from besides the last; makes "checkpoint" a factor of the sweep'),
  resolutions: z
    .array(z.number().int())
    .min(2, 'resolutions lists two or more training resolutions (for one, set training.resolution)')
    .optional()
    .describe('training resolutions, each trained on every base: makes "resolution" a factor of the sweep (replaces training.resolution)'),
  models: z
    .record(z.string().min(1), ModelInfoSchema)
    .optional()
    .describe('ancestry of the models, e.g. { chilloutmix: { ancestors: [nai, sd15] } }: copied into sweep.yaml for claims that select by it'),
  training: TrainingSchema,
  generation: GenerationSchema,
  pins: PinsSchema,
});

export type Experiment = z.infer<typeof ExperimentObjectSchema>;

/** experiment.yaml: the design of a LoRA transfer sweep and how to train and generate it. */
export const ExperimentSchema = ExperimentObjectSchema.superRefine((exp, ctx) => {
  for (const p of checkExperiment(exp)) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
});

export type ModelRef = z.infer<typeof ModelRefSchema>;
export type TrainingSettings = z.infer<typeof TrainingSchema>;
export type GenerationSettings = z.infer<typeof GenerationSchema>;
