/**
 * The test behind a choice: is the chosen candidate better than every other feasible candidate of its group, by a
 * paired t test across prompts, Holm-corrected over every comparison of every group? Known answers: R's t.test,
 * wilcox.test and p.adjust on the same data (test/reference/choice-test.R); a planted world where some groups have a
 * clearly better weight; and null worlds where no candidate differs, whose rate of any clear choice must stay at alpha.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { chooseBest, type ChooseGroup } from '../../src/analysis/choose.js';
import type { ScoreRow } from '../../src/run/scores-csv.js';
import type { ScoreTable } from '../../src/run/score-table.js';
import { choiceWorld, nativeRows, type ChoiceWorld } from '../helpers/choice-world.js';
import { runCli } from '../helpers/cli.js';
import { plantedSweep } from '../helpers/planted-sweep.js';
import { conceptKinds, scoresCsvOf } from '../helpers/score-run.js';
import { tempDir } from '../helpers/tmp.js';

interface Reference {
  comparisons: { base: string; chosen: string; other: string; prompts: number; difference: number; test: string; p: number; p_adj: number }[];
  rows: { base: string; weight: string; prompt: string; seed: string; value: number }[];
}
const reference = JSON.parse(readFileSync(new URL('../reference/choice-test-reference.json', import.meta.url), 'utf8')) as Reference;

/** Writes a table as scores.csv and runs analyze --choose weight on it; returns stdout and summary.json's choose. */
function analyzeChoice(table: ScoreTable) {
  const dir = tempDir();
  const run = runCli(['analyze', scoresCsvOf(table, dir), '--reps', '200', '--choose', 'weight']);
  expect(run.code, run.stderr).toBe(0);
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  const csv = parse(readFileSync(join(dir, 'choose.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
  return { stdout: run.stdout, choose: summary.choose as { groups: ChooseGroup[]; test: { comparisons: number; alpha: number } }, csv };
}

const byBase = (groups: ChooseGroup[]) => Object.fromEntries(groups.map((g) => [g.group.base, g]));

describe('the test behind a choice, against R', () => {
  const rows: ScoreRow[] = reference.rows.map((r) => ({
    image: `${r.base}/${r.weight}/${r.prompt}-${r.seed}.png`,
    sha256: 'x',
    levels: { base: r.base, weight: r.weight },
    prompt: r.prompt,
    seed: r.seed,
    metric: 'concept_detection',
    model: 'm',
    value: r.value,
  }));
  const all = [...rows, ...nativeRows(8, 2)];
  const table: ScoreTable = { source: 'reference', factors: ['base', 'weight'], loraFactors: ['base'], rows: all, promptKinds: conceptKinds(all) };

  it("gives R's p and Holm p_adj for each comparison, and calls clear only the groups whose every comparison holds", () => {
    const { stdout, choose, csv } = analyzeChoice(table);
    expect(choose.test.comparisons).toBe(reference.comparisons.length);
    const groups = byBase(choose.groups);
    for (const ref of reference.comparisons) {
      const g = groups[ref.base];
      expect(g.chosen, ref.base).toEqual({ weight: ref.chosen });
      const c = g.comparisons.find((x) => x.levels.weight === ref.other)!;
      expect(c.test, `${ref.base} vs ${ref.other}`).toBe(ref.test);
      expect(c.prompts).toBe(ref.prompts);
      // summary.json rounds; p agrees with R to 8 significant digits or better.
      expect(c.difference).toBeCloseTo(ref.difference, 10);
      expect(Math.abs(c.p / ref.p - 1)).toBeLessThan(1e-8);
      expect(Math.abs(c.pAdj / ref.p_adj - 1)).toBeLessThan(1e-8);
      expect(c.distinguishable).toBe(ref.p_adj < 0.05);
    }
    // b1: a planted gain of 0.12; b4: the same gain of 0.25 on every prompt, decided by the signed-rank test.
    expect(groups.b1.status).toBe('clear');
    expect(groups.b4.status).toBe('clear');
    // b2: nothing planted; b3: a gain of 0.05 over weight 1 that Holm does not carry (p_adj 0.057).
    expect(groups.b2.status).toBe('not distinguishable');
    expect(groups.b3.status).toBe('not distinguishable');
    expect(groups.b3.statusText).toBe('not distinguishable from weight=1 (p_adj 0.0570)');
    expect(stdout).toContain(
      'choose concept_detection (base=b1): weight=1, clear: better than each of the 2 other feasible candidates (p_adj ≤ 0.0417), P(best)',
    );
    expect(stdout).toContain(
      'choose concept_detection (base=b2): weight=0.65 (highest mean), not distinguishable from weight=1 (p_adj 0.3056), weight=1.2 (p_adj 0.5408), P(best)',
    );
    expect(stdout).toContain('choose concept_detection (base=b3): weight=1.2 (highest mean), not distinguishable from weight=1 (p_adj 0.0570), P(best)');
    expect(stdout).toContain('paired t test on prompt means, two-sided');
    expect(stdout).toContain('holm over 8 comparison(s) at 0.05; P(best) is per group and uncorrected');
    // choose.csv: the chosen row carries its group's status, every other row its test against the chosen one.
    const b3 = csv.filter((r) => r.base === 'b3');
    expect(b3.find((r) => r.chosen === 'true')!.status).toBe('not distinguishable');
    expect(Number(b3.find((r) => r.weight === '1')!.p_adj_vs_chosen)).toBeCloseTo(0.056977787383868064, 8);
    expect(b3.find((r) => r.chosen === 'true')!.p_adj_vs_chosen).toBe('');
  });
});

describe('the status of a choice in a planted world', () => {
  it('calls clear the groups where one weight is better by a clear margin, and only those', () => {
    // Six bases; in b0–b2 weight 1 is better by 0.3 (prompt × weight SD 0.05, image SD 0.05, 8 prompts: a per-prompt difference SD near 0.09); b3–b5 have no difference.
    const table = choiceWorld({
      bases: 6,
      weights: ['0.65', '1', '1.2'],
      prompts: 8,
      seeds: 2,
      effect: (b, w) => 0.5 + (b < 3 && w === '1' ? 0.3 : 0),
      interaction: 0.05,
      noise: 0.05,
      seed: 11,
    });
    const { stdout, choose } = analyzeChoice(table);
    const groups = byBase(choose.groups);
    for (const b of ['b0', 'b1', 'b2']) {
      expect(groups[b].chosen, b).toEqual({ weight: '1' });
      expect(groups[b].status, b).toBe('clear');
      expect(groups[b].comparisons.map((c) => c.levels.weight).sort()).toEqual(['0.65', '1.2']);
      for (const c of groups[b].comparisons) expect(c.pAdj).toBeLessThan(0.05);
      expect(stdout).toMatch(new RegExp(`choose concept_detection \\(base=${b}\\): weight=1, clear: better than each of the 2 other feasible candidates`));
    }
    for (const b of ['b3', 'b4', 'b5']) {
      expect(groups[b].status, b).toBe('not distinguishable');
      expect(groups[b].statusText).toMatch(/^not distinguishable from weight=[\d.]+ \(p_adj [\d.]+\)/);
    }
    expect(stdout).toMatch(/choose concept_detection \(base=b3\): weight=[\d.]+ \(highest mean\), not distinguishable from/);
    expect(choose.test.comparisons).toBe(12);
  });
});

describe('the status of a choice in null worlds', () => {
  // 5 groups, 8 prompts × 2 seeds; every candidate has the same mean, each prompt its own response to each (SD 0.1).
  const nullWorld = (weights: string[], seed: number, binary = false): ChoiceWorld => ({
    bases: 5,
    weights,
    prompts: 8,
    seeds: 2,
    effect: () => 0.5,
    interaction: 0.1,
    noise: 0.05,
    binary,
    seed,
  });
  /** Share of simulated sweeps in which any group's choice is called clear. */
  const anyClearRate = (weights: string[], sweeps: number, binary = false) => {
    let any = 0;
    for (let i = 0; i < sweeps; i++) {
      const r = chooseBest(choiceWorld(nullWorld(weights, 1000 + i, binary)), { factors: ['weight'], reps: 10 });
      if (r.groups.some((g) => g.status === 'clear')) any++;
    }
    return any / sweeps;
  };
  /** alpha plus three Monte-Carlo standard errors. */
  const bound = (sweeps: number) => 0.05 + 3 * Math.sqrt((0.05 * 0.95) / sweeps);

  it('two candidates: a clear choice in any of 5 groups in at most 5 % of sweeps, and not far below (the test has its size)', () => {
    const rate = anyClearRate(['0.65', '1'], 2000);
    // Measured: 0.0495 (seeds 1000–4999: 0.0485). Holm over 5 two-sided tests, the first at 0.05 / 5.
    expect(rate).toBeLessThanOrEqual(bound(2000));
    expect(rate).toBeGreaterThan(0.03);
  }, 60_000);

  it('two candidates scored 0 or 1 (detections): the rate stays at most 5 %', () => {
    const rate = anyClearRate(['0.65', '1'], 1000, true);
    // Measured: 0.049.
    expect(rate).toBeLessThanOrEqual(bound(1000));
  }, 60_000);

  it('three candidates: the highest mean must beat both others, so the rate is well under 5 %', () => {
    const rate = anyClearRate(['0.65', '0.8', '1'], 1000);
    // Measured: 0.004.
    expect(rate).toBeLessThanOrEqual(bound(1000));
  }, 60_000);
});

describe('a choice that cannot be tested says why', () => {
  const floors = { base_preservation: 0.99 };

  it('one prompt: not tested, with the minimum the test needs', () => {
    const table = choiceWorld({
      bases: 2,
      weights: ['0.65', '1'],
      prompts: 1,
      seeds: 3,
      effect: (_b, w) => (w === '1' ? 0.9 : 0.1),
      interaction: 0,
      noise: 0.01,
      seed: 3,
    });
    const r = chooseBest(table, { factors: ['weight'], reps: 100 });
    for (const g of r.groups) {
      expect(g.chosen).toEqual({ weight: '1' });
      expect(g.status).toBe('untested');
      expect(g.statusText).toBe('not tested: 1 prompt: a paired test needs at least 2 prompts');
      expect(g.comparisons[0].p).toBeNaN();
    }
    expect(r.test.comparisons).toBe(0);
  });

  it('the only candidate meeting every floor is said to be so, not clear', () => {
    // Weights 1 and 1.2 cost 5 points of prompt fidelity (margin 1): only 0.65 is feasible.
    const table = plantedSweep({ checkpoints: null, concept: (_b, _c, w) => w, fidelity: (_c, w) => (w > 0.7 ? 25 : 30) });
    const r = chooseBest(table, { factors: ['weight'], floors, reps: 100 });
    expect(r.groups[0].chosen).toEqual({ weight: '0.65' });
    expect(r.groups[0].status).toBe('only feasible');
    expect(r.groups[0].comparisons).toEqual([]);
  });

  it('no candidate meeting the floors is none; candidates identical on every prompt are not distinguishable', () => {
    const strict = chooseBest(plantedSweep({ concept: (_b, _c, w) => w, preservation: (w) => 0.95 - 0.05 * w }), {
      factors: ['checkpoint', 'weight'],
      floors,
      reps: 100,
    });
    expect(strict.groups[0].status).toBe('none');
    expect(strict.groups[0].statusText).toBe('none meets every floor');
    const table = choiceWorld({ bases: 1, weights: ['0.65', '1'], prompts: 8, seeds: 2, effect: () => 0.5, interaction: 0.1, noise: 0.05, seed: 5 });
    table.rows = [
      ...table.rows.filter((x) => x.levels.weight === '1'),
      ...table.rows.filter((x) => x.levels.weight === '1').map((x) => ({ ...x, levels: { ...x.levels, weight: '0.65' } })),
    ];
    const tied = chooseBest(table, { factors: ['weight'], reps: 100 });
    expect(tied.groups[0].status).toBe('untested');
    expect(tied.groups[0].statusText).toBe('not tested: the two candidates score the same on every prompt');
  });
});
