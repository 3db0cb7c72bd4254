import { dotOfDifferences } from '../src/encoders/vector.js';
import type { MetricDefinition } from './types.js';

/** An axis shorter than this fraction of the sweep's median is too short to measure along: ratios on it explode. */
export const MIN_STYLE_AXIS_FRACTION = 0.1;

/**
 * Projection of the LoRA's shift onto the style axis from the target's native look to the training style:
 * ((E(x) − E(x0))·(μ_S − E(x0))) / ‖μ_S − E(x0)‖². 0 = the target's native look, 1 = the training style.
 */
export const styleRetention: MetricDefinition = {
  name: 'style_retention',
  description: "how far the image moved from the target's native output (0) toward the LoRA's training style (1)",
  unit: 'fraction of the style axis',
  higherIsBetter: true,
  regressionMargin: 0.05,
  aggregation: 'mean',
  requires: 'clip',
  emits: () => ['style_retention'],
  appliesTo: (image) => !image.native,
  compute({ clip }) {
    if (!clip) return { unavailable: 'no CLIP model' };
    if (!clip.native) return { unavailable: 'no weight-0 image with the same target, prompt and seed' };
    if (!clip.styleCentroid) return { unavailable: 'no style reference image could be encoded' };
    // The axis is μ_S − E(x0) and the shift E(x) − E(x0), never materialized: ten thousand images would allocate twice each.
    const length2 = dotOfDifferences(clip.styleCentroid, clip.native, clip.styleCentroid, clip.native);
    if (length2 < 1e-12) return { unavailable: 'the weight-0 image already sits on the style centroid (empty style axis)' };
    const median = clip.medianStyleAxisLength;
    if (median !== undefined && Math.sqrt(length2) < MIN_STYLE_AXIS_FRACTION * median) {
      return {
        unavailable: `the style axis is shorter than ${MIN_STYLE_AXIS_FRACTION} of the sweep's median (the weight-0 image nearly shows the style already)`,
      };
    }
    return { values: [{ metric: 'style_retention', value: dotOfDifferences(clip.image, clip.native, clip.styleCentroid, clip.native) / length2 }] };
  },
};
