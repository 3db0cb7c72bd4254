import type { ScoreTable } from '../run/score-table.js';
import { metricRows } from './claims/shared.js';
import type { Claim } from './hypothesis-schema.js';
import { matchesSelector } from './selection.js';

/**
 * Metrics of the LoRA's concept: scored on every prompt, they measure fidelity on a concept prompt and leakage on a
 * style or unrelated one.
 */
const CONCEPT_METRICS = new Set([
  'concept_detection',
  'concept_detection_delta',
  'concept_probability',
  'concept_similarity',
  'character_similarity',
  'character_match',
]);

export function isConceptMetric(metric: string): boolean {
  return CONCEPT_METRICS.has(metric) || metric.startsWith('concept_tag:');
}

/**
 * Why a claim on a concept metric may not mean what it says: without `prompt` in its `where:` it averages concept
 * prompts (fidelity) with prompts of other kinds (leakage). Undefined when the claim names its prompts, the metric
 * is no concept metric, the run has no recorded kinds, or its prompts are of one side only.
 */
export function mixedPromptsNote(claim: Claim, table: ScoreTable): string | undefined {
  const kinds = table.promptKinds;
  const where = claim.where ?? {};
  if (!kinds || !isConceptMetric(claim.metric) || 'prompt' in where) return undefined;
  const prompts = [
    ...new Set(
      metricRows(claim, table)
        .filter((r) => matchesSelector(r, where, table.loraFactors, table.lineage))
        .map((r) => r.prompt),
    ),
  ];
  const concept = prompts.filter((p) => kinds[p] === 'concept');
  const others = prompts.filter((p) => p in kinds && kinds[p] !== 'concept');
  if (concept.length === 0 || others.length === 0) return undefined;
  return (
    `${claim.metric} over ${concept.length} concept and ${others.length} other prompt(s) (${others.join(', ')}), where it measures leakage rather than fidelity; ` +
    `where: { prompt: [${concept.join(', ')}] } tests the concept prompts alone`
  );
}
