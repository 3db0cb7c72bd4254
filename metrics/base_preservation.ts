import { dot } from '../src/encoders/vector.js';
import type { MetricDefinition } from './types.js';

/** LyCORIS base model preservation: cos(E(x), E(x0)) on prompts the LoRA should not affect. */
export const basePreservation: MetricDefinition = {
  name: 'base_preservation',
  description: "cosine similarity to the target's weight-0 image on unrelated prompts (1 = unaffected by the LoRA)",
  unit: 'cosine',
  higherIsBetter: true,
  regressionMargin: 0.01,
  aggregation: 'mean',
  requires: 'clip',
  emits: () => ['base_preservation'],
  appliesTo: (image, prompt) => !image.native && prompt.kind === 'unrelated',
  compute({ clip }) {
    if (!clip) return { unavailable: 'no CLIP model' };
    if (!clip.native) return { unavailable: 'no weight-0 image with the same target, prompt and seed' };
    return { values: [{ metric: 'base_preservation', value: dot(clip.image, clip.native) }] };
  },
};
