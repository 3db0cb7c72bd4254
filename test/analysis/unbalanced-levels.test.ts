/**
 * Claims that average over the factors they do not fix, on a design where some level of such a factor was sampled
 * with one side only (a sweep's exclude:). Planted: resolution 768 scores 0.3 higher, weight does nothing; weight 0.5
 * was generated at resolution 512 only. Averaging over what each side has would show weight 1 ahead by 0.15.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { ScoreRow } from '../../src/run/scores-csv.js';
import { createRng } from '../../src/stats/index.js';
import { runCli } from '../helpers/cli.js';
import { plantedSweep } from '../helpers/planted-sweep.js';
import { conceptKinds, scoreRow, scoresRun, writeFile } from '../helpers/score-run.js';

const PROMPTS = Array.from({ length: 10 }, (_, i) => `p${i}`);
const RESOLUTION_GAIN = 0.3;

/** concept_detection over weight × resolution × prompt × seed, for the (weight, resolution) cells given. */
function run(cells: [weight: string, resolution: string][]): string {
  const rng = createRng(21);
  const promptEffect = PROMPTS.map(() => 0.1 * rng.normal());
  const rows: ScoreRow[] = [];
  for (const [weight, resolution] of cells)
    PROMPTS.forEach((prompt, p) => {
      for (const seed of ['1', '2']) {
        const value = 0.5 + (resolution === '768' ? RESOLUTION_GAIN : 0) + promptEffect[p] + 0.02 * rng.normal();
        rows.push(scoreRow({ resolution, target: 't', weight }, prompt, seed, 'concept_detection', 'm', value));
      }
    });
  return scoresRun(rows, ['resolution', 'target', 'weight'], undefined, conceptKinds(rows));
}

const UNBALANCED: [string, string][] = [
  ['0.5', '512'],
  ['1', '512'],
  ['1', '768'],
];
const DISJOINT: [string, string][] = [
  ['0.5', '512'],
  ['1', '768'],
];

const claims = `hypotheses:
  - id: dose
    metric: concept_detection
    dose_response: { factor: weight }
    expect: increasing
  - id: stronger
    metric: concept_detection
    compare: { a: { weight: 1 }, b: { weight: 0.5 } }
    expect: greater
    test: t
  - id: no-worse
    metric: concept_detection
    non_inferiority: { a: { weight: 0.5 }, b: { weight: 1 }, margin: 0.05 }
    test: t
`;

const analyze = (dir: string, hypotheses: string, ...extra: string[]) =>
  runCli(['analyze', join(dir, 'scores.csv'), '--hypotheses', writeFile(dir, 'h.yaml', hypotheses), '--reps', '300', ...extra]);

const testsCsv = (dir: string) => parse(readFileSync(join(dir, 'tests.csv'), 'utf8'), { columns: true }) as Record<string, string>[];

describe('claims over levels only one side has', () => {
  it('compare the doses only at the resolution both have: no weight effect, with a note naming resolution 768', () => {
    const dir = run(UNBALANCED);
    const cli = analyze(dir, claims);
    expect(cli.code, cli.stderr).toBe(0);
    const [dose, compare, noWorse] = testsCsv(dir);
    expect(dose.hypothesis).toBe('dose');
    // Over 512 alone the planted slope is 0; pooling 768 into weight 1 would give 0.15 / 0.5 = 0.3 per unit of weight.
    expect(Math.abs(Number(dose.estimate))).toBeLessThan(0.03);
    expect(Number(dose.ci_low)).toBeLessThan(0);
    expect(Number(dose.ci_high)).toBeGreaterThan(0);
    expect(dose.verdict).toBe('inconclusive');
    expect(dose.note).toContain('resolution=768 (weight=0.5 has none) left out: compared only over levels of resolution common to every weight level');
    // Only the 512 images enter: 2 weights × 10 prompts × 2 seeds.
    expect(Number(dose.n)).toBe(40);
    expect(compare.verdict).toBe('inconclusive');
    expect(Math.abs(Number(compare.estimate))).toBeLessThan(0.03);
    expect(compare.note).toContain('resolution=768 (b (weight=0.5) has none) left out: compared only over levels of resolution common to both sides');
    expect(cli.stdout).toMatch(/INCONCLUSIVE +dose /);
    // Pooling 768 into weight 1 would make weight 0.5 worse by 0.15, three times the margin.
    expect(noWorse.verdict).toBe('supported');
    expect(noWorse.note).toContain('resolution=768 (a (weight=0.5) has none) left out');
  });

  it('with the resolution gain also at weight 0.5, finds no left-out level and no note', () => {
    const dir = run([...UNBALANCED, ['0.5', '768']]);
    const cli = analyze(dir, claims);
    expect(cli.code, cli.stderr).toBe(0);
    for (const row of testsCsv(dir)) expect(row.note).not.toMatch(/left out/);
    expect(Number(testsCsv(dir)[0].n)).toBe(80);
  });

  it('let weight-0 images, blank in the LoRA-only factors, stand for every level of them', () => {
    // Base × target × checkpoint × weight (0, 0.65, 1, 1.2), checkpoint e4 not generated at weight 0.65.
    const table = plantedSweep({ bases: ['nai', 'sd15'], concept: (_b, _c, w) => 0.3 + 0.1 * w });
    const rows = table.rows.filter((r) => !(r.levels.weight === '0.65' && r.levels.checkpoint === 'e4'));
    const dir = scoresRun(rows, table.factors);
    const cli = analyze(dir, claims.split('  - id: stronger')[0]);
    expect(cli.code, cli.stderr).toBe(0);
    const [dose] = testsCsv(dir);
    expect(dose.note).toMatch(
      /^checkpoint=e4 \(weight=0\.65 has none\) left out: compared only over levels of base, target, checkpoint common to every weight level/,
    );
    // Every image but e4's: 40 weight-0 images (2 targets × 10 prompts × 2 seeds) and 2 bases × 2 targets × 3 checkpoints × 3 weights × 20.
    expect(Number(dose.n)).toBe(40 + 720);
    expect(dose.verdict).toBe('supported');
  });

  it('choose compares the candidates at the shared resolution and says so', () => {
    const dir = run(UNBALANCED);
    const cli = runCli(['analyze', join(dir, 'scores.csv'), '--choose', 'weight', '--reps', '500']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain('choose: resolution=768 (weight=0.5 has none) left out: compared only over levels of resolution common to every candidate');
    const choose = parse(readFileSync(join(dir, 'choose.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    const mean = (w: string) => Number(choose.find((c) => c.weight === w)!.mean);
    // Planted null: the means agree to noise (pooling 768 into weight 1 would put it 0.15 ahead), and neither is a sure best.
    expect(Math.abs(mean('1') - mean('0.5'))).toBeLessThan(0.03);
    for (const c of choose) expect(Number(c.p_best)).toBeLessThan(0.95);
  });

  it('refuse when the sides share no level, naming the claim, the factor and each side’s levels', () => {
    const dir = run(DISJOINT);
    const dose = analyze(dir, claims.split('  - id: stronger')[0]);
    expect(dose.code).toBe(2);
    expect(dose.stderr).toContain(
      'hypothesis "dose": dose_response over weight: no level of resolution is common to every weight level (weight=0.5: 512; weight=1: 768)',
    );
    const compare = analyze(dir, `hypotheses:\n  - id: stronger${claims.split('  - id: stronger')[1].split('  - id: no-worse')[0]}`);
    expect(compare.code).toBe(2);
    expect(compare.stderr).toContain('hypothesis "stronger": the sides pair on the levels of resolution');
    expect(compare.stderr).toContain('no level of resolution is common to both sides (a (weight=1): 768; b (weight=0.5): 512)');
    const choose = runCli(['analyze', join(dir, 'scores.csv'), '--choose', 'weight', '--reps', '100']);
    expect(choose.code).toBe(2);
    expect(choose.stderr).toContain('--choose: the candidates are averaged over resolution, target');
    expect(choose.stderr).toContain('no level of resolution is common to every candidate (weight=0.5: 512; weight=1: 768)');
  });
});
