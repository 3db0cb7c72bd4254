import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.js';
import { formatScoresCsv, type ScoreRow } from '../../src/run/scores-csv.js';
import { createRng } from '../../src/stats/index.js';
import { parseYamlFile } from '../../src/sweep/load.js';
import { SweepSchema } from '../../src/sweep/schema.js';
import { tempDir } from '../helpers/tmp.js';

const sweep = parseYamlFile('examples/certain-theory/sweep.yaml', SweepSchema);
const factors = Object.keys(sweep.factors);

/** Scores for the example design in a world where the published claims hold. */
function worldWhereTheClaimsHold(): ScoreRow[] {
  const rng = createRng('certain-theory');
  const away = { nai: 0.25, acertainty: 0.3, anylora: 0.8, sd15: 0.5 } as Record<string, number>;
  const keep = { nai: 0.9, acertainty: 0.9, anylora: 0.9, sd15: 0.3 } as Record<string, number>;
  const rows: ScoreRow[] = [];
  for (const base of sweep.factors.base.map(String)) {
    for (const target of sweep.factors.target.map(String)) {
      for (const weight of sweep.factors.weight.map(String).filter((w) => w !== '0')) {
        for (const prompt of sweep.prompts) {
          for (const seed of sweep.seeds) {
            const retain = (target === base ? 0.9 : away[base]) * Number(weight) + 0.05 * rng.normal();
            const shown = prompt.kind === 'concept' && rng.next() < keep[base] * Number(weight) ? 1 : 0;
            for (const clipSkip of sweep.factors.clip_skip.map(String)) {
              const levels = { base, clip_skip: clipSkip, target, weight };
              const image = `${base}/cs${clipSkip}/${target}/w${weight}/${prompt.id}-${seed}.png`;
              rows.push({ image, sha256: '-', levels, prompt: prompt.id, seed, metric: 'style_retention', model: 'clip', value: retain + 0.01 * rng.normal() });
              rows.push({ image, sha256: '-', levels, prompt: prompt.id, seed, metric: 'concept_detection', model: 'wd', value: shown });
            }
          }
        }
      }
    }
  }
  return rows;
}

describe('examples/certain-theory', () => {
  it('states every published claim against the example design, and each gets its verdict', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'scores.csv'), formatScoresCsv(worldWhereTheClaimsHold(), factors));
    const result = analyze({ input: join(dir, 'scores.csv'), hypotheses: 'examples/certain-theory/hypotheses.yaml', reps: 300 });
    expect(Object.fromEntries(result.hypotheses.map((h) => [h.id, h.verdict]))).toEqual({
      'neutral-ancestor-follows-target': 'supported',
      'acertainty-follows-target': 'supported',
      'close-base-keeps-style': 'inconclusive',
      'sd15-transfers-worse': 'supported',
      'clip-skip-equivalent': 'supported',
    });
    // From a bare scores.csv the distance-based claim cannot be tested, and says why.
    const distance = result.tests.filter((t) => t.hypothesis === 'close-base-keeps-style');
    expect(distance[0].note).toBe('model_distance needs the run folder with its store.sqlite');
  });
});
