import { describe, expect, it } from 'vitest';
import { varianceDecompositions } from '../../src/analysis/variance-decomposition.js';
import { plantedSweep } from '../helpers/planted-sweep.js';

describe('varianceDecompositions', () => {
  it('answers "does the base matter more than the target?": a planted base effect dominates, with CIs that do not overlap', () => {
    const table = plantedSweep({ bases: ['nai', 'sd15', 'anyv3'], checkpoints: null, concept: (b) => ({ nai: 0.2, sd15: 0.5, anyv3: 0.8 })[b]! });
    const concept = varianceDecompositions(table, { reps: 300 }).find((v) => v.metric === 'concept_detection')!;
    expect(concept.factors).toEqual(['base', 'target', 'weight']);
    const term = (name: string) => concept.terms.find((t) => t.term === name)!;
    expect(term('base').partialEta2Low).toBeGreaterThan(term('target').partialEta2High);
    expect(term('base').eta2Low).toBeGreaterThan(0.5);
    expect(term('target').eta2High).toBeLessThan(0.05);
    expect(concept.note).toMatch(/^\d+ image rows with a blank factor \(weight 0\) left out$/);
  });

  it('null: no factor of a run without effects has a large η²', () => {
    const table = plantedSweep({ bases: ['nai', 'sd15'], concept: () => 0.5, seed: 12 });
    for (const v of varianceDecompositions(table, { reps: 300 })) {
      for (const t of v.terms.filter((x) => x.term !== 'prompt')) expect(t.eta2High).toBeLessThan(0.1);
    }
  });

  it('says why a metric is not decomposed instead of fitting an aliased design, and leaves per-tag rows out', () => {
    const table = plantedSweep({ bases: ['nai', 'sd15'], concept: () => 0.5 });
    // sd15's checkpoint e4 was never scored: the base:checkpoint cell (sd15, e4) is empty.
    table.rows = table.rows.filter((r) => !(r.metric === 'concept_detection' && r.levels.base === 'sd15' && r.levels.checkpoint === 'e4'));
    table.rows.push(...table.rows.filter((r) => r.metric === 'concept_detection').map((r) => ({ ...r, metric: 'concept_tag:hat', value: 1 })));
    const result = varianceDecompositions(table, { reps: 50 });
    const concept = result.find((v) => v.metric === 'concept_detection')!;
    expect(concept.unavailable).toMatch(/aliased columns .* every two-way cell/);
    expect(concept.terms).toEqual([]);
    expect(result.some((v) => v.metric.startsWith('concept_tag:'))).toBe(false);
  });
});
