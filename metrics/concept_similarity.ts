import { dot } from '../src/encoders/vector.js';
import type { MetricDefinition } from './types.js';

/** DreamBench-style CLIP-I: mean cosine similarity of the image to the LoRA's reference images. */
export const conceptSimilarity: MetricDefinition = {
  name: 'concept_similarity',
  description: 'mean cosine similarity between the image and the reference (training) images',
  unit: 'cosine',
  higherIsBetter: true,
  regressionMargin: 0.01,
  aggregation: 'mean',
  requires: 'clip',
  emits: () => ['concept_similarity'],
  appliesTo: () => true,
  compute({ clip }) {
    if (!clip) return { unavailable: 'no CLIP model' };
    if (clip.references.length === 0) return { unavailable: 'no reference images' };
    const total = clip.references.reduce((s, r) => s + dot(clip.image, r), 0);
    return { values: [{ metric: 'concept_similarity', value: total / clip.references.length }] };
  },
};
