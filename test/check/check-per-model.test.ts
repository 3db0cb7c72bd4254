import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRuns } from '../../src/check/check-runs.js';
import { formatScoresCsv, type ScoreRow } from '../../src/run/scores-csv.js';
import { createRng } from '../../src/stats/index.js';
import { tempDir } from '../helpers/tmp.js';

/** concept_similarity from CLIP (around 0.8) and from DINOv2 (around 0.4), 2 bases, 4 prompts × 6 seeds; `dinoShift` moves DINO's. */
function scores(seed: number, dinoShift: number): string {
  const rng = createRng(seed);
  const rows: ScoreRow[] = [];
  for (const base of ['nai', 'anylora'])
    for (const prompt of ['p1', 'p2', 'p3', 'p4'])
      for (const s of [1, 2, 3, 4, 5, 6]) {
        const image = `${base}/${prompt}-${s}.png`;
        const common = { image, sha256: '-', levels: { base, weight: '1' }, prompt, seed: String(s), metric: 'concept_similarity' };
        rows.push({ ...common, model: 'clip', value: 0.8 + 0.01 * s + 0.005 * rng.normal() });
        rows.push({ ...common, model: 'dinov2-small', value: 0.4 + 0.01 * s + dinoShift + 0.005 * rng.normal() });
      }
  const dir = tempDir();
  writeFileSync(join(dir, 'scores.csv'), formatScoresCsv(rows, ['base', 'weight']));
  return dir;
}

describe('check with a metric scored by two models', () => {
  it('compares each model with itself and names the model in the group', () => {
    const report = checkRuns({ run: scores(2, -0.1), baseline: scores(1, 0) });
    const groups = Object.fromEntries(report.results.map((r) => [r.group, r.status]));
    expect(groups).toEqual({
      'model=clip: base=anylora;weight=1': 'pass',
      'model=clip: base=nai;weight=1': 'pass',
      'model=dinov2-small: base=anylora;weight=1': 'regression',
      'model=dinov2-small: base=nai;weight=1': 'regression',
    });
    const dino = report.results.find((r) => r.group.startsWith('model=dinov2-small'))!;
    expect(dino.difference).toBeCloseTo(-0.1, 2);
  });
});
