import type { Experiment } from './experiment-schema.js';
import { DATASET_MOUNT, REGULARIZATION_MOUNT } from './layout.js';
import { int, type TomlTable } from './toml.js';

const optionalInt = (n: number | undefined) => (n === undefined ? undefined : int(n));

/** dataset.toml in sd-scripts' dataset config schema: [general], one [[datasets]], its [[datasets.subsets]]. */
export function datasetConfig(exp: Experiment): TomlTable {
  const d = exp.dataset;
  const t = exp.training;
  const subsets: TomlTable[] = [{ image_dir: DATASET_MOUNT, num_repeats: int(d.repeats) }];
  if (d.regularization) {
    subsets.push({
      image_dir: REGULARIZATION_MOUNT,
      is_reg: true,
      num_repeats: int(d.regularization.repeats),
      class_tokens: d.regularization.class_tokens,
    });
  }
  return {
    general: {
      caption_extension: d.caption_extension,
      shuffle_caption: d.shuffle_caption,
      keep_tokens: optionalInt(d.keep_tokens),
      flip_aug: d.flip_aug,
      color_aug: d.color_aug,
      random_crop: d.random_crop,
      caption_dropout_rate: d.caption_dropout_rate,
      caption_tag_dropout_rate: d.caption_tag_dropout_rate,
      enable_bucket: d.enable_bucket,
      min_bucket_reso: optionalInt(d.min_bucket_reso),
      max_bucket_reso: optionalInt(d.max_bucket_reso),
      bucket_no_upscale: d.bucket_no_upscale,
    },
    datasets: [
      {
        resolution: Array.isArray(t.resolution) ? t.resolution.map(int) : int(t.resolution),
        batch_size: int(t.batch_size),
        subsets,
      },
    ],
  };
}
