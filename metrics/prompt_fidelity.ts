import { dot } from '../src/encoders/vector.js';
import type { MetricDefinition, MetricValue } from './types.js';

/** CLIPScore: 100·max(0, cos(E(x), T(p′))), and its change against the weight-0 image of the same key. */
export const promptFidelity: MetricDefinition = {
  name: 'prompt_fidelity',
  description:
    "CLIPScore of the image against its prompt (LoRA tag removed, trigger replaced by the LoRA's description); prompt_fidelity_delta is the change from the weight-0 image",
  unit: 'CLIPScore (0–100)',
  higherIsBetter: true,
  regressionMargin: 1,
  aggregation: 'mean',
  requires: 'clip',
  emits: () => ['prompt_fidelity', 'prompt_fidelity_delta'],
  appliesTo: () => true,
  compute({ image, clip }) {
    if (!clip) return { unavailable: 'no CLIP model' };
    const score = (e: Float32Array) => 100 * Math.max(0, dot(e, clip.promptText));
    const values: MetricValue[] = [{ metric: 'prompt_fidelity', value: score(clip.image) }];
    if (!image.native && clip.native) values.push({ metric: 'prompt_fidelity_delta', value: score(clip.image) - score(clip.native) });
    return { values };
  },
};
