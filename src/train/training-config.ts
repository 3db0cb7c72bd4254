import type { Experiment, ModelRef } from './experiment-schema.js';
import { containerCheckpoint, containerVae, loraName, MODELS_DIR, RUN_MOUNT, saveEveryNEpochs } from './layout.js';
import { int, type TomlTable, type TomlValue } from './toml.js';

/** The network module train_network.py and gen_img.py import for each kind of network. */
export function networkModule(exp: Experiment): string {
  return exp.training.network === 'lycoris' ? 'lycoris.kohya' : 'networks.lora';
}

/** train_network.py arguments the plan sets itself (or that dataset.toml governs): training.extra may not set them. */
export const PLAN_MANAGED_TRAIN_ARGS: readonly string[] = [
  'pretrained_model_name_or_path',
  'vae',
  'clip_skip',
  'v2',
  'v_parameterization',
  'dataset_config',
  'train_data_dir',
  'reg_data_dir',
  'in_json',
  'dataset_class',
  'resolution',
  'train_batch_size',
  'caption_extension',
  'caption_extention',
  'shuffle_caption',
  'keep_tokens',
  'flip_aug',
  'color_aug',
  'random_crop',
  'caption_dropout_rate',
  'caption_tag_dropout_rate',
  'enable_bucket',
  'min_bucket_reso',
  'max_bucket_reso',
  'bucket_no_upscale',
  'dataset_repeats',
  'cache_latents',
  'max_data_loader_n_workers',
  'network_module',
  'network_dim',
  'network_alpha',
  'network_args',
  'network_dropout',
  'network_train_unet_only',
  'optimizer_type',
  'optimizer_args',
  'learning_rate',
  'unet_lr',
  'text_encoder_lr',
  'lr_scheduler',
  'lr_warmup_steps',
  'max_train_epochs',
  'max_train_steps',
  'mixed_precision',
  'seed',
  'sdpa',
  'xformers',
  'mem_eff_attn',
  'gradient_checkpointing',
  'output_dir',
  'output_name',
  'save_model_as',
  'save_precision',
  'save_every_n_epochs',
  'save_last_n_epochs',
  'training_comment',
  'config_file',
  'output_config',
];

function networkArgs(exp: Experiment): string[] | undefined {
  const t = exp.training;
  const args: string[] = [];
  if (t.network === 'lycoris') args.push(`algo=${t.algo}`);
  if (t.conv_dim !== undefined) args.push(`conv_dim=${t.conv_dim}`, `conv_alpha=${t.conv_alpha ?? t.conv_dim}`);
  return args.length ? args : undefined;
}

/**
 * The train_network.py config (for --config_file) that trains the LoRA on one base. sd-scripts flattens the
 * sections, so they only group the keys for a reader.
 */
export function trainingConfig(exp: Experiment, base: ModelRef, extra: Record<string, TomlValue>, datasetFile = 'dataset.toml'): TomlTable {
  const t = exp.training;
  const config: TomlTable = {
    model: {
      pretrained_model_name_or_path: containerCheckpoint('base', base),
      vae: containerVae('base', base),
      clip_skip: t.clip_skip === undefined ? undefined : int(t.clip_skip),
    },
    dataset: {
      dataset_config: `${RUN_MOUNT}/${datasetFile}`,
      cache_latents: t.cache_latents,
      max_data_loader_n_workers: int(t.max_data_loader_n_workers),
    },
    network: {
      network_module: networkModule(exp),
      network_dim: int(t.dim),
      network_alpha: t.alpha,
      network_args: networkArgs(exp),
      network_dropout: t.dropout,
      network_train_unet_only: t.train_text_encoder ? undefined : true,
    },
    optimizer: {
      optimizer_type: t.optimizer,
      optimizer_args: t.optimizer_args,
      learning_rate: t.learning_rate,
      unet_lr: t.unet_lr,
      // a list: networks.lora takes one rate per text encoder, lycoris.kohya the first
      text_encoder_lr: t.text_encoder_lr === undefined ? undefined : [t.text_encoder_lr],
      lr_scheduler: t.lr_scheduler,
      lr_warmup_steps: t.lr_warmup_steps === undefined ? undefined : int(t.lr_warmup_steps),
    },
    training: {
      max_train_epochs: int(t.epochs),
      mixed_precision: t.mixed_precision,
      seed: int(t.seed),
      sdpa: true,
      gradient_checkpointing: t.gradient_checkpointing,
    },
    saving: {
      output_dir: `${RUN_MOUNT}/${MODELS_DIR}/${base.name}`,
      output_name: loraName(exp),
      save_model_as: 'safetensors',
      save_precision: t.save_precision ?? (t.mixed_precision === 'no' ? 'float' : t.mixed_precision),
      save_every_n_epochs: (() => {
        const n = saveEveryNEpochs(exp);
        return n === undefined ? undefined : int(n);
      })(),
      training_comment: `lora-eval plan ${exp.name}, base ${base.name}`,
    },
  };
  if (Object.keys(extra).length) config.extra = { ...extra };
  return config;
}
