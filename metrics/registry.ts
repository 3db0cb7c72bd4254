import { basePreservation } from './base_preservation.js';
import { characterMatch } from './character_match.js';
import { characterSimilarity } from './character_similarity.js';
import { conceptDetection } from './concept_detection.js';
import { conceptSimilarity } from './concept_similarity.js';
import { detail } from './detail.js';
import { detailTags } from './detail_tags.js';
import { promptFidelity } from './prompt_fidelity.js';
import { promptTagFidelity } from './prompt_tag_fidelity.js';
import { styleRetention } from './style_retention.js';
import type { MetricDefinition } from './types.js';

/** Every per-image metric, in the order rows are written. */
export const metricRegistry: MetricDefinition[] = [
  promptFidelity,
  conceptSimilarity,
  styleRetention,
  basePreservation,
  conceptDetection,
  promptTagFidelity,
  detail,
  detailTags,
  characterSimilarity,
  characterMatch,
];

export function metricsRequiring(kind: MetricDefinition['requires']): MetricDefinition[] {
  return metricRegistry.filter((m) => m.requires === kind);
}

export type { MetricDefinition, MetricContext, MetricResult, MetricValue } from './types.js';

/** The definition behind a row's metric name, including companions such as prompt_fidelity_delta or concept_tag:<tag>. */
export function metricFor(rowMetric: string): MetricDefinition | undefined {
  const base = rowMetric
    .replace(/_delta$/, '')
    .replace(/^concept_tag:.*/, 'concept_detection')
    .replace(/^concept_probability$/, 'concept_detection');
  return metricRegistry.find((m) => m.name === base);
}
