/** Chart panels and axes follow the numeric order of LoRA weights: 2 before 10, as the values are, not as text sorts. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatScoresCsv, type ScoreRow } from '../../src/run/scores-csv.js';
import { createRng } from '../../src/stats/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

describe('report: weight panels in numeric order', () => {
  it('puts the heatmap panel of weight 2 before that of weight 10', () => {
    const rng = createRng(4);
    const rows: ScoreRow[] = [];
    for (const target of ['t1', 't2'])
      for (const weight of ['0', '2', '10'])
        for (const base of weight === '0' ? [''] : ['nai', 'anylora'])
          for (const prompt of ['p1', 'p2', 'p3'])
            for (const seed of [1, 2])
              rows.push({
                image: `${base || 'native'}/${target}/${weight}/${prompt}-${seed}.png`,
                sha256: '-',
                levels: { base, target, weight },
                prompt,
                seed: String(seed),
                metric: 'style_retention',
                model: 'clip',
                value: 0.5 + 0.01 * Number(weight) + 0.02 * rng.normal(),
              });
    const dir = tempDir();
    writeFileSync(join(dir, 'scores.csv'), formatScoresCsv(rows, ['base', 'target', 'weight']));
    expect(runCli(['analyze', join(dir, 'scores.csv'), '--reps', '200']).code).toBe(0);
    expect(runCli(['report', dir]).code).toBe(0);
    const svg = readFileSync(join(dir, 'charts', 'heatmap-style_retention.svg'), 'utf8');
    const panels = [...svg.matchAll(/aria-label="Title text '([^']+)'"/g)].map((m) => m[1]).filter((t) => t !== 'LoRA weight');
    expect(panels).toEqual(['2', '10']);
  }, 240_000);
});
