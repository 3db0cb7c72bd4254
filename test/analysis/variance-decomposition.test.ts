import { describe, expect, it } from 'vitest';
import { crossedCells, varianceDecompositions } from '../../src/analysis/variance-decomposition.js';
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

  it('decomposes the crossed part of a design that sampled a level with some levels only, says what it left out, and leaves per-tag rows out', () => {
    const table = plantedSweep({ bases: ['nai', 'sd15'], concept: (b, c) => (b === 'nai' ? 0.3 : 0.6) + 0.02 * Number(c.slice(1)) });
    // sd15's checkpoint e4 was never generated (a sweep's exclude:): the base:checkpoint cell (sd15, e4) is empty.
    table.rows = table.rows.filter((r) => !(r.levels.base === 'sd15' && r.levels.checkpoint === 'e4'));
    table.rows.push(...table.rows.filter((r) => r.metric === 'concept_detection').map((r) => ({ ...r, metric: 'concept_tag:hat', value: 1 })));
    const result = varianceDecompositions(table, { reps: 50 });
    const concept = result.find((v) => v.metric === 'concept_detection')!;
    expect(concept.unavailable).toBeUndefined();
    expect(concept.note).toMatch(/checkpoint=e4 left out: not crossed with every level of the other factors/);
    // The same figures as a decomposition of the run without epoch 4.
    const without = { ...table, rows: table.rows.filter((r) => r.levels.checkpoint !== 'e4') };
    const reference = varianceDecompositions(without, { reps: 50 }).find((v) => v.metric === 'concept_detection')!;
    expect(concept.terms.map((t) => [t.term, t.ss, t.df])).toEqual(reference.terms.map((t) => [t.term, t.ss, t.df]));
    expect(concept.terms.find((t) => t.term === 'base')!.partialEta2).toBeGreaterThan(0.9);
    expect(result.some((v) => v.metric.startsWith('concept_tag:'))).toBe(false);
  });

  it('crossedCells drops the sparser level of an empty two-way cell, one at a time, until every two-way cell is filled', () => {
    const cell = (base: string, checkpoint: string, target: string) => ({ levels: { base, checkpoint, target }, prompt: 'p' });
    const cells = ['nai', 'sd15', 'any'].flatMap((b) => ['t1', 't2'].flatMap((t) => ['e10', ...(b === 'nai' ? ['e4', 'e8'] : [])].map((c) => cell(b, c, t))));
    const { cells: kept, dropped } = crossedCells(cells, ['base', 'checkpoint', 'target']);
    expect(dropped).toEqual(['checkpoint=e4', 'checkpoint=e8']);
    expect(kept).toHaveLength(6);
    expect(crossedCells(kept, ['base', 'checkpoint', 'target']).dropped).toEqual([]);
  });
});
