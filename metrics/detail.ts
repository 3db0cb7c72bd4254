import type { MetricDefinition } from './types.js';

/**
 * Fine detail without a reference: the RMS of the luminance Laplacian at a fixed analysis scale (short side 512),
 * as src/imaging/detail.ts defines it. Higher means more high-frequency energy: texture and sharp edges, but noise
 * too, so compare conditions that share targets, prompts and seeds.
 */
export const detail: MetricDefinition = {
  name: 'detail',
  description: 'RMS of the luminance Laplacian at short side 512 px: fine detail and texture, measured without a reference',
  unit: 'gray levels (0–255)',
  higherIsBetter: true,
  regressionMargin: 1,
  aggregation: 'mean',
  requires: 'pixels',
  emits: () => ['detail'],
  appliesTo: () => true,
  compute({ pixels }) {
    if (pixels?.detail === undefined) return { unavailable: 'no detail value' };
    return { values: [{ metric: 'detail', value: pixels.detail }] };
  },
};
