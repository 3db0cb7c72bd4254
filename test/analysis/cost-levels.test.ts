/**
 * A sweep's costs: name factor levels as the scores do, whatever the spelling: "1.0" in sweep.yaml and 1 in
 * scores.csv are one weight. Planted: detail = 2 × weight, so weight 1 against 0.5 gains 1 for 2 GPU-hours.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { ScoreRow } from '../../src/run/scores-csv.js';
import { createRng } from '../../src/stats/index.js';
import { runCli } from '../helpers/cli.js';
import { scoreRow, scoresRun, sweepYaml, writeFile } from '../helpers/score-run.js';

const PROMPTS = Array.from({ length: 8 }, (_, i) => `p${i}`);

function weightRun(): string {
  const rng = createRng(3);
  const rows: ScoreRow[] = [];
  PROMPTS.forEach((prompt, p) => {
    for (const weight of ['0.5', '1'])
      for (const seed of ['1', '2'])
        rows.push(scoreRow({ target: 't', weight }, prompt, seed, 'detail', 'detail-v1', 2 * Number(weight) + 0.1 * p + 0.01 * rng.normal()));
  });
  return scoresRun(rows, ['target', 'weight']);
}

const claims = `hypotheses:
  - id: stronger
    metric: detail
    compare: { a: { weight: 1 }, b: { weight: 0.5 } }
    expect: greater
    test: t
    worth_it: { min_gain_per_gpu_hour: 0.1, higher_is_better: true }
`;

/** analyze with a sweep whose weight levels are written 0.5 and "1.0" (as its image folders are named) and these costs. */
function analyzeWithCosts(costs: string) {
  const dir = weightRun();
  const sweep = writeFile(
    dir,
    'sweep.yaml',
    sweepYaml('{ target: [t], weight: [0.5, "1.0"] }', 'w{weight}/{prompt}-{seed}.png', `costs: { weight: ${costs} }`),
  );
  const cli = runCli(['analyze', join(dir, 'scores.csv'), '--hypotheses', writeFile(dir, 'h.yaml', claims), '--sweep', sweep, '--reps', '200']);
  return { dir, cli };
}

describe('cost keys name levels by their canonical spelling', () => {
  it('finds the cost of level "1.0" under key 1 and of level 0.5 under key "0.50"', () => {
    const { dir, cli } = analyzeWithCosts('{ "0.50": 1, 1: 3 }');
    expect(cli.code, cli.stderr).toBe(0);
    const [row] = parse(readFileSync(join(dir, 'tests.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(Number(row.cost_difference_gpu_hours)).toBe(2);
    expect(Number(row.estimate)).toBeCloseTo(1, 1);
    expect(Number(row.per_gpu_hour)).toBeCloseTo(Number(row.estimate) / 2, 8);
    expect(row.worth_it).toBe('worth it');
  });

  it('refuses two keys of one factor that name the same level, naming both', () => {
    const quoted = analyzeWithCosts('{ 0.5: 1, "0.50": 2, 1: 3 }');
    expect(quoted.cli.code).toBe(2);
    expect(quoted.cli.stderr).toContain('"0.5" and "0.50" are the same level of weight; give its cost once');
    // Unquoted, YAML itself reads both as the number 0.5: the second would silently replace the first.
    const plain = analyzeWithCosts('{ 0.5: 1, 0.50: 2, 1: 3 }');
    expect(plain.cli.code).toBe(2);
    expect(plain.cli.stderr).toContain('keys "0.5" and "0.50" are read as the same key "0.5": write it once');
  });

  it('refuses a key that is no level of the factor, naming the factor, the key and the levels', () => {
    const { cli } = analyzeWithCosts('{ 0.5: 1, 1: 3, 2: 5 }');
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('"2" is not a level of weight; levels: 0.5, 1.0');
  });
});
