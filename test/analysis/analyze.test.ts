import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.js';
import { UserError } from '../../src/errors.js';
import { formatScoresCsv, type ScoreRow } from '../../src/run/scores-csv.js';
import { createRng } from '../../src/stats/index.js';
import { tempDir } from '../helpers/tmp.js';

const PROMPTS = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8'];
const seeds = [1, 2, 3];

/** A scores.csv with style_retention planted per base (weight 1) and a dose-response over weight. */
function plantedScores(retention: Record<string, number>, noise = 0.05, seed = 7, prompts = PROMPTS): string {
  const rng = createRng(seed);
  const promptEffect = Object.fromEntries(prompts.map((p, i) => [p, (i - (prompts.length - 1) / 2) * 0.04]));
  const rows: ScoreRow[] = [];
  for (const base of Object.keys(retention)) {
    for (const target of ['t1', 't2']) {
      for (const weight of [0.5, 1]) {
        for (const prompt of prompts) {
          for (const s of seeds) {
            const value = weight * retention[base] + promptEffect[prompt] + noise * rng.normal();
            rows.push({
              image: `${base}/${target}/w${weight}/${prompt}-${s}.png`,
              sha256: 'x',
              levels: { base, target, weight: String(weight) },
              prompt,
              seed: String(s),
              metric: 'style_retention',
              model: 'clip',
              value,
            });
          }
        }
      }
    }
  }
  const dir = tempDir();
  writeFileSync(join(dir, 'scores.csv'), formatScoresCsv(rows, ['base', 'target', 'weight']));
  return dir;
}

function hypotheses(dir: string, yaml: string): string {
  const file = join(dir, 'hypotheses.yaml');
  writeFileSync(file, yaml);
  return file;
}

const compareYaml = `hypotheses:
  - id: a-follows-target
    metric: style_retention
    compare: { a: { base: a }, b: { base: b } }
    where: { weight: 1 }
    across: target
    expect: less
    test: wilcoxon
  - id: a-follows-target-t
    metric: style_retention
    compare: { a: { base: a }, b: { base: b } }
    where: { weight: 1 }
    across: target
    expect: less
    test: t
  - id: dose
    metric: style_retention
    dose_response: { factor: weight }
    where: { base: b }
    across: target
    expect: increasing
`;

describe('analyze on planted scores', () => {
  it('supports a planted difference and a planted dose-response, with every column of tests.csv', () => {
    const dir = plantedScores({ a: 0.2, b: 0.6 });
    const result = analyze({ input: join(dir, 'scores.csv'), hypotheses: hypotheses(dir, compareYaml), reps: 500 });
    expect(result.hypotheses.map((h) => [h.id, h.verdict])).toEqual([
      ['a-follows-target', 'supported'],
      ['a-follows-target-t', 'supported'],
      ['dose', 'supported'],
    ]);
    const tests = parse(readFileSync(join(dir, 'tests.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(Object.keys(tests[0])).toEqual([
      'hypothesis',
      'metric',
      'test',
      'a',
      'b',
      'where',
      'n',
      'unit',
      'n_units',
      'estimate',
      'ci_low',
      'ci_high',
      'ci_method',
      'ci_level',
      'statistic',
      'p',
      'p_adj',
      'effect',
      'effect_ci_low',
      'effect_ci_high',
      'verdict',
      'per_gpu_hour',
      'per_gpu_hour_ci_low',
      'per_gpu_hour_ci_high',
      'cost_factor',
      'cost_difference_gpu_hours',
      'worth_it_min_gain_per_gpu_hour',
      'worth_it_gain_per_gpu_hour',
      'worth_it_gain_ci_low',
      'worth_it_gain_ci_high',
      'worth_it',
      'note',
    ]);
    const first = tests[0];
    expect(first.where).toBe('weight=1;target=t1');
    expect(first.a).toBe('base=a');
    expect(Number(first.n)).toBe(24);
    expect(first.unit).toBe('prompt');
    expect(Number(first.n_units)).toBe(8);
    expect(Number(first.estimate)).toBeCloseTo(-0.4, 1);
    expect(first.ci_method).toBe('t');
    expect(Number(first.ci_level)).toBe(0.95);
    expect(Number(first.ci_low)).toBeLessThan(Number(first.estimate));
    expect(Number(first.ci_high)).toBeGreaterThan(Number(first.estimate));
    // All 8 prompt differences negative: exact Wilcoxon V = 0, two-sided p = 2 / 2^8, Holm over 2 targets doubles it.
    expect(first.test).toBe('wilcoxon signed rank exact');
    expect(Number(first.statistic)).toBe(0);
    expect(Number(first.p)).toBeCloseTo(2 / 2 ** 8, 12);
    expect(Number(first.p_adj)).toBeCloseTo(4 / 2 ** 8, 12);
    expect(Number(first.effect)).toBe(-1);
    const dose = tests.find((t) => t.hypothesis === 'dose')!;
    expect(dose.test).toMatch(/^t on per-prompt slopes over weight \(AUC [\d.]+ over weight 0\.5–1, best weight 1\)$/);
    expect(Number(dose.n_units)).toBe(8);
  });

  it('leaves a null world inconclusive', () => {
    const dir = plantedScores({ a: 0.4, b: 0.4 });
    const result = analyze({ input: join(dir, 'scores.csv'), hypotheses: hypotheses(dir, compareYaml.split('  - id: dose')[0]), reps: 500 });
    expect(result.hypotheses.map((h) => h.verdict)).toEqual(['inconclusive', 'inconclusive']);
  });

  it('refutes a claim whose direction is planted the other way', () => {
    const dir = plantedScores({ a: 0.7, b: 0.2 });
    const result = analyze({ input: join(dir, 'scores.csv'), hypotheses: hypotheses(dir, compareYaml.split('  - id: a-follows-target-t')[0]), reps: 500 });
    expect(result.hypotheses[0].verdict).toBe('refuted');
  });

  it('shows equivalence within a margin and not outside it', () => {
    const dir = plantedScores({ a: 0.4, b: 0.4 }, 0.02);
    const yaml = (margin: number) =>
      `hypotheses:\n  - id: same\n    metric: style_retention\n    equivalence: { a: { base: a }, b: { base: b }, margin: ${margin} }\n    where: { weight: 1 }\n`;
    expect(analyze({ input: join(dir, 'scores.csv'), hypotheses: hypotheses(dir, yaml(0.05)), reps: 300 }).hypotheses[0].verdict).toBe('supported');
    expect(analyze({ input: join(dir, 'scores.csv'), hypotheses: hypotheses(dir, yaml(0.001)), reps: 300 }).hypotheses[0].verdict).toBe('inconclusive');
  });

  it('writes cell estimates with prompt-cluster CIs that contain the planted cell mean', () => {
    const dir = plantedScores({ a: 0.2, b: 0.6 });
    const result = analyze({ input: join(dir, 'scores.csv'), reps: 500 });
    const cell = result.cells.find((c) => c.levels.base === 'b' && c.levels.target === 't1' && c.levels.weight === '1')!;
    expect(cell.n).toBe(24);
    expect(cell.prompts).toBe(8);
    expect(cell.ciMethod).toBe('t');
    expect(cell.ciLow).toBeLessThan(0.6);
    expect(cell.ciHigh).toBeGreaterThan(0.6);
    expect(result.embeddings.available).toBe(false);
  });

  it('leaves a test the data cannot take inconclusive, with the reason, instead of failing the run', () => {
    const dir = plantedScores({ a: 0.2, b: 0.6 }, 0);
    const result = analyze({ input: join(dir, 'scores.csv'), hypotheses: hypotheses(dir, compareYaml.split('  - id: dose')[0]), reps: 200 });
    const t = result.tests.filter((r) => r.hypothesis === 'a-follows-target-t');
    expect(t.map((r) => r.verdict)).toEqual(['inconclusive', 'inconclusive']);
    expect(t[0].note).toMatch(/constant/i);
    expect(result.hypotheses[1].verdict).toBe('inconclusive');
  });

  it('names a metric, factor or level that does not exist, listing what exists', () => {
    const dir = plantedScores({ a: 0.2, b: 0.6 });
    const bad = `hypotheses:
  - id: typo
    metric: style_retension
    compare: { a: { bse: a }, b: { base: c } }
    expect: less
`;
    let error: unknown;
    try {
      analyze({ input: join(dir, 'scores.csv'), hypotheses: hypotheses(dir, bad) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    const message = (error as Error).message;
    expect(message).toContain('metric "style_retension" is not in the scores; metrics: style_retention');
    expect(message).toContain('compare.a: factor "bse" does not exist; factors: base, target, weight (and prompt)');
    expect(message).toContain('compare.b: base "c" is not a level; levels: a, b');
  });

  it('names the field and line of a malformed hypotheses file', () => {
    const dir = plantedScores({ a: 0.2, b: 0.6 });
    const bad = `hypotheses:\n  - id: x\n    metric: style_retention\n    compare: { a: { base: a }, b: { base: b } }\n    expect: sideways\n`;
    expect(() => analyze({ input: join(dir, 'scores.csv'), hypotheses: hypotheses(dir, bad) })).toThrow(/hypotheses\.yaml:5: hypotheses\.0\.expect: /);
  });
});

describe('non-inferiority (the regression gate)', () => {
  const yaml = (margin: number) => `hypotheses:
  - id: a-not-worse
    metric: style_retention
    non_inferiority: { a: { base: a }, b: { base: b }, margin: ${margin} }
    where: { weight: 1 }
    across: target
`;
  it('is supported when a is worse by less than the margin, and refuted when it is worse by more', () => {
    const slightlyWorse = plantedScores({ a: 0.59, b: 0.6 }, 0.02);
    expect(analyze({ input: join(slightlyWorse, 'scores.csv'), hypotheses: hypotheses(slightlyWorse, yaml(0.05)), reps: 200 }).hypotheses[0].verdict).toBe(
      'supported',
    );
    const muchWorse = plantedScores({ a: 0.4, b: 0.6 }, 0.02);
    expect(analyze({ input: join(muchWorse, 'scores.csv'), hypotheses: hypotheses(muchWorse, yaml(0.05)), reps: 200 }).hypotheses[0].verdict).toBe('refuted');
  });
});
