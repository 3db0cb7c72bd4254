import { dot } from '../src/encoders/vector.js';
import type { MetricDefinition } from './types.js';

/**
 * DreamBench-style CLIP-I (with CLIP) and DINO score (with a DINOv2 --encoder, on its CLS token): mean cosine
 * similarity of the image to the LoRA's reference images. Rows carry the embedding model, so CLIP's and DINO's
 * values are never mixed.
 */
export const conceptSimilarity: MetricDefinition = {
  name: 'concept_similarity',
  description: 'mean cosine similarity between the image and the reference (training) images',
  unit: 'cosine',
  higherIsBetter: true,
  regressionMargin: 0.01,
  aggregation: 'mean',
  requires: 'embedding',
  emits: () => ['concept_similarity'],
  appliesTo: () => true,
  compute({ embedding }) {
    if (!embedding) return { unavailable: 'no image embedding' };
    if (embedding.references.length === 0) return { unavailable: 'no reference images' };
    const total = embedding.references.reduce((s, r) => s + dot(embedding.image, r), 0);
    return { values: [{ metric: 'concept_similarity', value: total / embedding.references.length }] };
  },
};
