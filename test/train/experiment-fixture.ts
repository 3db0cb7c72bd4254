import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { tempDir, writeTree } from '../helpers/tmp.js';

/** A 1×1 PNG, so that folders hold real images. */
export const PNG_1x1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

export const BASE_IMAGE = 'nvidia/cuda:12.2.2-cudnn8-runtime-ubuntu22.04@sha256:2d913b09e6be8387e1a10976933642c73c840c0b735f0bf3c28d97fc9bc422e0';
export const COMMIT = '6edbe00547bac6c2efb2d6952eb910851662cdf2';
export const MODEL_BYTES = 'not a real checkpoint\n';
export const MODEL_SHA256 = createHash('sha256').update(MODEL_BYTES).digest('hex');

/**
 * A small experiment: bases alpha and beta (beta is also a target), targets beta and gamma, weights 0.5 and 1,
 * prompts p1 (concept) and p2 (unrelated), seeds 7 and 8, epochs 4 with checkpoint 2 sampled.
 */
export function smallExperiment(): Record<string, any> {
  return {
    name: 'small',
    lora: { trigger: 'zzchar', description: 'a girl with red hair', concept_tags: ['red_hair'] },
    dataset: { images: 'data/train', repeats: 3 },
    bases: [
      { name: 'alpha', checkpoint: 'models/alpha.safetensors', sha256: MODEL_SHA256 },
      { name: 'beta', checkpoint: 'models/beta.safetensors' },
    ],
    targets: [
      { name: 'beta', checkpoint: 'models/beta.safetensors' },
      { name: 'gamma', checkpoint: 'models/gamma.safetensors' },
    ],
    weights: [0.5, 1],
    prompts: [
      { id: 'p1', kind: 'concept', text: 'zzchar, 1girl, smile' },
      { id: 'p2', kind: 'unrelated', text: 'a cafe, no humans' },
    ],
    seeds: [7, 8],
    checkpoints: [2],
    training: { dim: 4, alpha: 2, learning_rate: 0.0001, epochs: 4, batch_size: 2 },
    generation: { steps: 20, width: 512, height: 512, negative_prompt: 'lowres' },
    pins: {
      sd_scripts: { commit: COMMIT },
      base_image: BASE_IMAGE,
      torch: { version: '2.6.0', torchvision: '0.21.0', index_url: 'https://download.pytorch.org/whl/cu124' },
      python_packages: { numpy: '1.26.4', tensorboard: '2.18.0' },
    },
  };
}

/** Writes an experiment folder: experiment.yaml, data/train with two captioned PNGs, and stand-in model files. */
export function experimentDir(experiment: Record<string, any> = smallExperiment()): { dir: string; file: string } {
  const dir = tempDir('lora-eval-plan-');
  writeTree(dir, {
    'experiment.yaml': stringify(experiment),
    'data/train/a.png': PNG_1x1,
    'data/train/a.txt': 'zzchar, 1girl',
    'data/train/b.png': PNG_1x1,
    'data/train/b.txt': 'zzchar, 1girl, smile',
    'models/alpha.safetensors': MODEL_BYTES,
    'models/beta.safetensors': MODEL_BYTES,
    'models/gamma.safetensors': MODEL_BYTES,
  });
  return { dir, file: join(dir, 'experiment.yaml') };
}
