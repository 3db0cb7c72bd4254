/**
 * The heatmap and dose charts show base × target × weight. With another factor (clip skip here) each value is the
 * mean of several cells and its CI bounds the widest of theirs: the charts must say so, not pass them off as one
 * cell's mean and 95% CI.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatScoresCsv, type ScoreRow } from '../../src/run/scores-csv.js';
import { createRng } from '../../src/stats/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

function analyzedRun(clipSkips: string[]): string {
  const rng = createRng(11);
  const rows: ScoreRow[] = [];
  const factors = ['base', 'target', 'weight', 'clip_skip'];
  for (const target of ['t1', 't2'])
    for (const weight of ['0', '0.5', '1'])
      for (const base of weight === '0' ? [''] : ['nai', 'anylora'])
        for (const clip_skip of weight === '0' ? [''] : clipSkips)
          for (const prompt of ['p1', 'p2', 'p3', 'p4'])
            for (const seed of [1, 2])
              rows.push({
                image: `${base || 'native'}/${target}/${weight}/${clip_skip}/${prompt}-${seed}.png`,
                sha256: '-',
                levels: { base, target, weight, clip_skip },
                prompt,
                seed: String(seed),
                metric: 'style_retention',
                model: 'clip',
                // clip skip 2 keeps 0.3 more style: the two levels' cells differ, so their mean is no cell's.
                value: 0.4 + Number(weight) * 0.2 + (clip_skip === '2' ? 0.3 : 0) + 0.02 * rng.normal(),
              });
  const dir = tempDir();
  writeFileSync(join(dir, 'scores.csv'), formatScoresCsv(rows, factors));
  expect(runCli(['analyze', join(dir, 'scores.csv'), '--reps', '200']).code).toBe(0);
  expect(runCli(['report', dir]).code).toBe(0);
  return dir;
}

const tooltipTitles = (file: string) =>
  JSON.stringify(JSON.parse(readFileSync(file, 'utf8')))
    .match(/"title":"[^"]*CI[^"]*"/g)
    ?.sort();

describe('report: charts that average over a factor say so', () => {
  it('names clip_skip in the heatmap and dose captions and labels the CI bounds as the widest of the cells', () => {
    const dir = analyzedRun(['1', '2']);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain(
      'style_retention: base × target at each LoRA weight (each value the mean of the cells over clip_skip; CI bounds the widest of theirs)',
    );
    expect(html).toContain(
      'style_retention against LoRA weight, by base, per target (each value the mean of the cells over clip_skip; CI bounds the widest of theirs)',
    );
    for (const chart of ['heatmap-style_retention', 'dose-style_retention'])
      expect(tooltipTitles(join(dir, 'charts', `${chart}.vl.json`))).toEqual([
        '"title":"highest 95% CI high of the cells over clip_skip"',
        '"title":"lowest 95% CI low of the cells over clip_skip"',
      ]);
  }, 240_000);

  it('keeps the plain captions and 95% CI labels when nothing is averaged', () => {
    const dir = analyzedRun(['2']);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('<figcaption>style_retention: base × target at each LoRA weight</figcaption>');
    expect(tooltipTitles(join(dir, 'charts', 'heatmap-style_retention.vl.json'))).toEqual(['"title":"95% CI high"', '"title":"95% CI low"']);
  }, 240_000);
});
