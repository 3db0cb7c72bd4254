import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.js';
import { chooseBest } from '../../src/analysis/choose.js';
import { UserError } from '../../src/errors.js';
import { plantedSweep as world } from '../helpers/planted-sweep.js';
import { scoresCsvOf } from '../helpers/score-run.js';
import { tempDir } from '../helpers/tmp.js';

const epoch = (c: string) => Number(c.slice(1));
/** base_preservation has no default floor: these worlds move unrelated images by 0.005 of cosine, so 0.99 keeps every candidate. */
const floors = { base_preservation: 0.99 };

describe('chooseBest', () => {
  it('recovers a planted best checkpoint and weight, passing over a higher-concept candidate that breaks the prompt-fidelity floor', () => {
    const table = world({
      // Concept grows with epoch up to e3 and with weight; weight 1.2 costs 3 points of prompt fidelity (margin 1).
      concept: (_b, c, w) => 0.4 + 0.1 * Math.min(epoch(c), 3) - 0.05 * Math.max(epoch(c) - 3, 0) + 0.2 * w,
      fidelity: (_c, w) => (w > 1 ? 27 : 30),
    });
    const r = chooseBest(table, { factors: ['checkpoint', 'weight'], floors, reps: 500 });
    expect(r.metric).toBe('concept_detection');
    expect(r.groups).toHaveLength(1);
    expect(r.groups[0].chosen).toEqual({ checkpoint: 'e3', weight: '1' });
    expect(r.groups[0].pBest).toBeGreaterThan(0.9);
    const top = r.candidates.find((c) => c.levels.checkpoint === 'e3' && c.levels.weight === '1.2')!;
    expect(top.mean).toBeGreaterThan(r.candidates.find((c) => c.chosen)!.mean);
    expect(top.feasible).toBe(false);
    expect(top.pFeasible).toBeLessThan(0.05);
    expect(top.floors.find((f) => f.metric === 'prompt_fidelity')!.pass).toBe(false);
    expect(r.candidates.reduce((s, c) => s + c.pBest, 0) + r.groups[0].pNone).toBeCloseTo(1, 10);
    expect(r.floors.map((f) => [f.metric, f.kind, f.value])).toEqual([
      ['prompt_fidelity', 'relative', 1],
      ['base_preservation', 'absolute', 0.99],
    ]);
  });

  it('null: with every candidate equal, no candidate is best with probability over 0.9', () => {
    const table = world({ concept: () => 0.7, noise: 0.05, seed: 8 });
    const r = chooseBest(table, { factors: ['checkpoint', 'weight'], floors, reps: 500 });
    expect(r.groups[0].chosen).not.toBeNull();
    const max = Math.max(...r.candidates.map((c) => c.pBest));
    expect(max).toBeLessThan(0.9);
    expect(r.candidates.filter((c) => c.pBest > 0.02).length).toBeGreaterThan(2);
  });

  it('shares tied replicates equally instead of crediting the first candidate', () => {
    const table = world({ concept: () => 0.7, noise: 0 });
    table.rows = table.rows.map((r) => (r.metric === 'concept_detection' && r.levels.weight !== '0' ? { ...r, value: 0.7 } : r));
    const r = chooseBest(table, { factors: ['checkpoint', 'weight'], floors, reps: 100 });
    for (const c of r.candidates) expect(c.pBest).toBeCloseTo(1 / 12, 12);
  });

  it('chooses within each base, and works with weight alone when there is no checkpoint factor', () => {
    const table = world({ bases: ['nai', 'sd15'], checkpoints: null, concept: (b, _c, w) => (b === 'nai' ? 0.5 + 0.2 * w : 1 - 0.3 * w) });
    const r = chooseBest(table, { factors: ['weight'], floors, reps: 300 });
    expect(r.groupFactors).toEqual(['base']);
    expect(r.groups.map((g) => [g.group.base, g.chosen?.weight])).toEqual([
      ['nai', '1.2'],
      ['sd15', '0.65'],
    ]);
  });

  it('base_preservation needs a stated floor (its weight-0 value is 1 by construction); none leaves it out', () => {
    const table = world({ concept: (_b, c, w) => 0.3 + 0.1 * epoch(c) + 0.1 * w });
    expect(() => chooseBest(table, { factors: ['weight'] })).toThrow(
      '--choose-floor: base_preservation needs a stated floor (its weight-0 value is 1 by construction, so no default follows from it), e.g. base_preservation=0.9',
    );
    const labels = { factors: 'h.yaml: choose.factors', metric: 'h.yaml: choose.metric', floors: 'h.yaml: choose.floors' };
    expect(() => chooseBest(table, { factors: ['weight'], labels })).toThrow('h.yaml: choose.floors: base_preservation needs a stated floor');
    expect(() => chooseBest(table, { factors: ['epoch'], floors, labels })).toThrow('h.yaml: choose.factors: the run has no factor "epoch"');
    const none = chooseBest(table, { factors: ['checkpoint', 'weight'], floors: { base_preservation: null }, reps: 100 });
    expect(none.floors.map((f) => f.metric)).toEqual(['prompt_fidelity']);
    expect(none.notes).toContain('no floor on base_preservation: none was asked for');
    expect(none.groups[0].chosen).toEqual({ checkpoint: 'e4', weight: '1.2' });
  });

  it('an absolute floor is applied as given, and no candidate meeting it is reported as none', () => {
    const table = world({ concept: (_b, _c, w) => w, preservation: (w) => 0.95 - 0.05 * w });
    const strict = chooseBest(table, { factors: ['checkpoint', 'weight'], floors, reps: 200 });
    expect(strict.floors.find((f) => f.metric === 'base_preservation')).toEqual({ metric: 'base_preservation', kind: 'absolute', value: 0.99 });
    expect(strict.groups[0].chosen).toBeNull();
    expect(strict.groups[0].pNone).toBeGreaterThan(0.9);
    const lenient = chooseBest(table, { factors: ['checkpoint', 'weight'], floors: { base_preservation: 0.91 }, reps: 200 });
    expect(lenient.groups[0].chosen?.weight).toBe('0.65');
    expect(lenient.floors.find((f) => f.metric === 'base_preservation')).toEqual({ metric: 'base_preservation', kind: 'absolute', value: 0.91 });
  });

  it('resamples the prompts of each kind separately: base preservation measured on 2 unrelated prompts is in every replicate', () => {
    const table = world({ concept: (_b, c, w) => 0.3 + 0.1 * epoch(c) + 0.1 * w, fidelity: (_c, w) => (w > 1 ? 25 : 30) });
    table.rows = table.rows.flatMap((r) =>
      r.metric !== 'base_preservation' ? [r] : ['p0', 'p1'].includes(r.prompt) ? [{ ...r, prompt: r.prompt.replace('p', 'unrelated') }] : [],
    );
    const r = chooseBest(table, { factors: ['checkpoint', 'weight'], floors, reps: 300 });
    expect(r.groups[0].chosen).toEqual({ checkpoint: 'e4', weight: '1' });
    expect(r.groups[0].pNone).toBe(0);
    expect(r.candidates.find((c) => c.chosen)!.pFeasible).toBe(1);
  });

  it('does not estimate P(best) from fewer than 5 prompts', () => {
    const table = world({ concept: (_b, c) => epoch(c) });
    table.rows = table.rows.filter((r) => ['p0', 'p1', 'p2', 'p3'].includes(r.prompt));
    const r = chooseBest(table, { factors: ['checkpoint', 'weight'], floors, reps: 300 });
    expect(r.groups[0].chosen?.checkpoint).toBe('e4');
    expect(r.reps).toBe(0);
    expect(r.candidates.every((c) => Number.isNaN(c.pBest))).toBe(true);
    expect(r.notes.join()).toContain('4 prompts with concept_detection: P(best) is not estimated');
  });

  it('refuses an unknown factor or metric with a one-line message', () => {
    const table = world({ concept: () => 0.5 });
    expect(() => chooseBest(table, { factors: ['epoch'] })).toThrow(UserError);
    expect(() => chooseBest(table, { factors: ['epoch'] })).toThrow(/no factor "epoch"/);
    expect(() => chooseBest(table, { factors: ['weight'], metric: 'concept_similarity', floors })).toThrow(/no "concept_similarity" rows/);
    expect(() => chooseBest(table, { factors: ['weight'], floors: { ...floors, detail: 1 } })).toThrow(/--choose-floor/);
  });
});

describe('analyze --choose and variance.csv', () => {
  it('writes choose.csv, variance.csv and their summary.json fields', () => {
    const table = world({ concept: (_b, c, w) => 0.3 + 0.1 * epoch(c) + 0.1 * w });
    const dir = tempDir();
    const result = analyze({ input: scoresCsvOf(table, dir), reps: 200, choose: { factors: ['checkpoint', 'weight'], floors } });
    const choose = parse(readFileSync(join(dir, 'choose.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(choose).toHaveLength(12);
    expect(Object.keys(choose[0])).toEqual([
      'base',
      'checkpoint',
      'weight',
      'metric',
      'prompts',
      'mean',
      'ci_low',
      'ci_high',
      'prompt_fidelity_mean',
      'prompt_fidelity_floor',
      'base_preservation_mean',
      'base_preservation_floor',
      'feasible',
      'p_feasible',
      'p_best',
      'chosen',
      'status',
      'difference_to_chosen',
      'p_vs_chosen',
      'p_adj_vs_chosen',
    ]);
    expect(choose.filter((c) => c.chosen === 'true').map((c) => [c.checkpoint, c.weight])).toEqual([['e4', '1.2']]);
    const variance = parse(readFileSync(join(dir, 'variance.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    const concept = variance.filter((v) => v.metric === 'concept_detection');
    expect(concept.map((v) => v.term)).toEqual(['prompt', 'target', 'checkpoint', 'weight', 'target:checkpoint', 'target:weight', 'checkpoint:weight']);
    expect(concept[0].note).toMatch(/left out/);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary.choose.groups[0].chosen).toEqual({ checkpoint: 'e4', weight: '1.2' });
    expect(summary.choose.rule).toMatch(/F-score/);
    expect(summary.variance.metrics.map((m: { metric: string }) => m.metric).sort()).toEqual(['base_preservation', 'concept_detection', 'prompt_fidelity']);
    expect(result.variance.find((v) => v.metric === 'concept_detection')!.terms.find((t) => t.term === 'checkpoint')!.partialEta2Low).toBeGreaterThan(0.5);
  });
});
