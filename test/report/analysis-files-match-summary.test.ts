/**
 * report reads cells.csv and tests.csv beside summary.json: a pair from another analysis (one that stopped after
 * writing them, before its summary.json) or edited since would be reported under summary.json's verdicts.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatScoresCsv, type ScoreRow } from '../../src/run/scores-csv.js';
import { createRng } from '../../src/stats/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

function scores(): string {
  const rng = createRng(5);
  const rows: ScoreRow[] = [];
  for (const base of ['nai', 'anylora'])
    for (const weight of ['0.5', '1'])
      for (const prompt of ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'])
        for (const seed of [1, 2])
          rows.push({
            image: `${base}/${weight}/${prompt}-${seed}.png`,
            sha256: '-',
            levels: { base, target: 't1', weight },
            prompt,
            seed: String(seed),
            metric: 'style_retention',
            model: 'clip',
            value: Number(weight) * (base === 'nai' ? 0.2 : 0.7) + 0.05 * rng.normal(),
          });
  return formatScoresCsv(rows, ['base', 'target', 'weight']);
}

const HYPOTHESIS = (expect: string) =>
  `hypotheses:\n  - id: nai-keeps-less\n    metric: style_retention\n    compare: { a: { base: nai }, b: { base: anylora } }\n    where: { weight: 1 }\n    expect: ${expect}\n`;

describe('report: cells.csv and tests.csv must be the ones summary.json was written with', () => {
  it('refuses (exit 2) a tests.csv of another analysis beside the summary.json, naming the file, and an edited cells.csv', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'scores.csv'), scores());
    writeFileSync(join(dir, 'less.yaml'), HYPOTHESIS('less'));
    writeFileSync(join(dir, 'greater.yaml'), HYPOTHESIS('greater'));
    // Another analysis of the same scores with the opposite hypothesis, whose tests.csv ends up beside this summary.json.
    const other = join(dir, 'other');
    mkdirSync(other);
    expect(runCli(['analyze', join(dir, 'scores.csv'), '--hypotheses', join(dir, 'greater.yaml'), '--reps', '200', '--out', other]).code).toBe(0);
    expect(runCli(['analyze', join(dir, 'scores.csv'), '--hypotheses', join(dir, 'less.yaml'), '--reps', '200']).code).toBe(0);
    expect(runCli(['report', dir]).code).toBe(0);

    copyFileSync(join(other, 'tests.csv'), join(dir, 'tests.csv'));
    const mixed = runCli(['report', dir]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain(`${join(dir, 'tests.csv')}: not the file ${join(dir, 'summary.json')} was written with`);
    expect(mixed.stderr).toContain('run "lora-eval analyze" again before reporting');

    expect(runCli(['analyze', join(dir, 'scores.csv'), '--hypotheses', join(dir, 'less.yaml'), '--reps', '200']).code).toBe(0);
    const cells = readFileSync(join(dir, 'cells.csv'), 'utf8');
    writeFileSync(join(dir, 'cells.csv'), cells.replace(/\n[^\n]+\n$/, '\n'));
    const cut = runCli(['report', dir]);
    expect(cut.code).toBe(2);
    expect(cut.stderr).toContain(`${join(dir, 'cells.csv')}: not the file`);
  }, 240_000);
});
