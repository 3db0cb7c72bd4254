import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRuns } from '../../src/check/check-runs.js';
import { formatScoresCsv, type ScoreRow } from '../../src/run/scores-csv.js';
import { createRng } from '../../src/stats/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/** Scores for 2 bases × 2 targets at weight 1, 4 prompts × 6 seeds; `shift` moves one cell's style retention. */
function scores(seed: number, shift: (base: string, target: string) => number, noise = 0.01): ScoreRow[] {
  const rng = createRng(seed);
  const rows: ScoreRow[] = [];
  for (const base of ['nai', 'anylora']) {
    for (const target of ['t1', 't2']) {
      for (const prompt of ['p1', 'p2', 'p3', 'p4']) {
        for (const s of [1, 2, 3, 4, 5, 6]) {
          const truth = (base === 'nai' ? 0.3 : 0.7) + 0.01 * s;
          const image = `${base}/${target}/${prompt}-${s}.png`;
          const levels = { base, target, weight: '1' };
          rows.push({
            image,
            sha256: '-',
            levels,
            prompt,
            seed: String(s),
            metric: 'style_retention',
            model: 'clip',
            value: truth + shift(base, target) + noise * rng.normal(),
          });
          rows.push({ image, sha256: '-', levels, prompt, seed: String(s), metric: 'prompt_fidelity', model: 'clip', value: 25 + s });
        }
      }
    }
  }
  return rows;
}

function write(rows: ScoreRow[]): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'scores.csv'), formatScoresCsv(rows, ['base', 'target', 'weight']));
  return dir;
}

describe('lora-eval check', () => {
  const baseline = write(scores(1, () => 0));

  it('passes a re-run that only differs by noise, and an identical one', () => {
    const report = checkRuns({ run: write(scores(2, () => 0)), baseline });
    expect(report.passed).toBe(true);
    const style = report.results.filter((r) => r.metric === 'style_retention');
    expect(style).toHaveLength(4);
    expect(style.every((r) => r.status === 'pass')).toBe(true);
    expect(report.results.filter((r) => r.metric === 'prompt_fidelity').every((r) => r.reason === 'identical scores')).toBe(true);
  });

  it('fails on a planted regression beyond the margin, naming the cell, and writes JUnit and Markdown', () => {
    const run = write(scores(3, (b, t) => (b === 'nai' && t === 't1' ? -0.2 : 0)));
    const junit = join(run, 'junit.xml');
    const md = join(run, 'summary.md');
    const cli = runCli(['check', run, '--baseline', baseline, '--junit', junit, '--markdown', md]);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain('REGRESSION   style_retention base=nai;target=t1;weight=1: worse than the baseline by more than 0.05');
    expect(cli.stdout).toMatch(/FAILED: 7 pass, 1 regression, 0 inconclusive/);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/<testsuite name="style_retention" tests="4" failures="1" skipped="0">/);
    expect(xml).toMatch(
      /<testcase classname="lora-eval.style_retention" name="base=nai;target=t1;weight=1"><failure message="worse than the baseline by more than 0.05">/,
    );
    expect(readFileSync(md, 'utf8')).toMatch(/^## lora-eval check: failed/);
  }, 60_000);

  it('leaves a worsening smaller than the margin as a pass or inconclusive, never a regression', () => {
    const report = checkRuns({ run: write(scores(4, (b, t) => (b === 'nai' && t === 't1' ? -0.02 : 0))), baseline });
    expect(report.passed).toBe(true);
    const cell = report.results.find((r) => r.metric === 'style_retention' && r.group === 'base=nai;target=t1;weight=1')!;
    expect(cell.difference).toBeCloseTo(-0.02, 1);
    expect(cell.status).not.toBe('regression');
  });

  it('takes margins and groups from the command line', () => {
    const run = write(scores(5, (b, t) => (b === 'nai' && t === 't1' ? -0.2 : 0)));
    expect(checkRuns({ run, baseline, margins: { style_retention: 0.5 } }).passed).toBe(true);
    const byBase = checkRuns({ run, baseline, by: ['base'], metrics: ['style_retention'] });
    expect(byBase.results.map((r) => r.group).sort()).toEqual(['base=anylora', 'base=nai']);
    expect(() => checkRuns({ run, baseline, metrics: ['concept_detection'] })).toThrow(
      /metric "concept_detection" is not in the baseline; its metrics: style_retention, prompt_fidelity/,
    );
  });
});
