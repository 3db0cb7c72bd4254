import type { MetricDefinition } from './types.js';

/**
 * Did the character survive? The share of the LoRA's reference images CCIP judges to show the same character as the
 * image: difference ≤ the model's threshold (metrics.json), as imgutils' ccip_same. On weight-0 images the same share
 * is the leakage baseline.
 */
export const characterMatch: MetricDefinition = {
  name: 'character_match',
  description: "share of the reference images CCIP judges the same character (difference ≤ the model's threshold)",
  unit: 'share (0–1)',
  higherIsBetter: true,
  regressionMargin: 0.05,
  aggregation: 'mean',
  requires: 'ccip',
  emits: () => ['character_match'],
  appliesTo: () => true,
  compute({ ccip }) {
    if (!ccip) return { unavailable: 'no CCIP features' };
    if (ccip.differences.length === 0) return { unavailable: 'no reference images' };
    const same = ccip.differences.filter((d) => d <= ccip.threshold).length;
    return { values: [{ metric: 'character_match', value: same / ccip.differences.length }] };
  },
};
