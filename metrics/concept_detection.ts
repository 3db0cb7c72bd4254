import { tagLookup } from './tag-lookup.js';
import type { MetricDefinition, MetricValue, TaggerInputs } from './types.js';

function conceptIndexes(tagger: TaggerInputs, conceptTags: string[]): number[] {
  const { index } = tagLookup(tagger.tags);
  return conceptTags.map((name) => index.get(name) ?? -1);
}

function recall(tagger: TaggerInputs, indexes: number[], p: Float32Array): number {
  return indexes.filter((i) => tagger.detected(i, p)).length / indexes.length;
}

/**
 * Did the character survive? Per concept tag: detected (1) or not (0); recall over the LoRA's concept tags;
 * mean tagger probability. On weight-0 images the same numbers are the leakage baseline, and on LoRA images
 * concept_detection_delta is the change from the weight-0 image of the same key.
 */
export const conceptDetection: MetricDefinition = {
  name: 'concept_detection',
  description:
    "share of the LoRA's concept tags the tagger detects (recall); concept_probability is their mean probability, concept_tag:<tag> each tag's detection",
  unit: 'recall (0–1)',
  higherIsBetter: true,
  regressionMargin: 0.05,
  aggregation: 'mean',
  requires: 'tagger',
  emits: (lora) => ['concept_detection', 'concept_detection_delta', 'concept_probability', ...lora.concept_tags.map((t) => `concept_tag:${t}`)],
  appliesTo: () => true,
  compute({ image, lora, tagger }) {
    if (!tagger) return { unavailable: 'no tagger' };
    if (lora.concept_tags.length === 0) return { unavailable: 'the sweep lists no lora.concept_tags' };
    const indexes = conceptIndexes(tagger, lora.concept_tags);
    const p = tagger.probabilities;
    const values: MetricValue[] = [
      { metric: 'concept_detection', value: recall(tagger, indexes, p) },
      { metric: 'concept_probability', value: indexes.reduce((s, i) => s + p[i], 0) / indexes.length },
      ...indexes.map((i, k) => ({ metric: `concept_tag:${lora.concept_tags[k]}`, value: tagger.detected(i, p) ? 1 : 0 })),
    ];
    if (!image.native && tagger.native)
      values.push({ metric: 'concept_detection_delta', value: recall(tagger, indexes, p) - recall(tagger, indexes, tagger.native) });
    return { values };
  },
};
