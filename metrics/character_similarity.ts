import type { MetricDefinition } from './types.js';

/**
 * CCIP (deepghs' character model): 1 − the mean CCIP difference between the image and the LoRA's reference images.
 * Higher is more alike; 1 would be the reference picture itself. The scale is the CCIP model's own: compare values of
 * one model only (the rows carry its id).
 */
export const characterSimilarity: MetricDefinition = {
  name: 'character_similarity',
  description: '1 − mean CCIP difference to the reference (training) images: higher = the character looks more like the references',
  unit: '1 − CCIP difference',
  higherIsBetter: true,
  regressionMargin: 0.02,
  aggregation: 'mean',
  requires: 'ccip',
  emits: () => ['character_similarity'],
  appliesTo: () => true,
  compute({ ccip }) {
    if (!ccip) return { unavailable: 'no CCIP features' };
    if (ccip.differences.length === 0) return { unavailable: 'no reference images' };
    const mean = ccip.differences.reduce((s, d) => s + d, 0) / ccip.differences.length;
    return { values: [{ metric: 'character_similarity', value: 1 - mean }] };
  },
};
