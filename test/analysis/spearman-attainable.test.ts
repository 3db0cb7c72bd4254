import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.js';
import { formatScoresCsv, type ScoreRow } from '../../src/run/scores-csv.js';
import { smallestSpearmanP, spearman, spearmanPointsNeeded } from '../../src/stats/index.js';
import { tempDir } from '../helpers/tmp.js';

const PROMPTS = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];

/** Cells base × target where style_retention falls exactly as detail rises: a perfect negative rank correlation. */
function cells(bases: string[], targets: string[]): string {
  const rows: ScoreRow[] = [];
  let cell = 0;
  for (const base of bases) {
    for (const target of targets) {
      cell++;
      for (const prompt of PROMPTS) {
        for (const [metric, value] of [
          ['style_retention', 1 - cell / 10],
          ['detail', cell],
        ] as const) {
          rows.push({
            image: `${base}/${target}/w1/${prompt}-1.png`,
            sha256: 'x',
            levels: { base, target, weight: '1' },
            prompt,
            seed: '1',
            metric,
            model: 'clip',
            value,
          });
        }
      }
    }
  }
  const dir = tempDir();
  writeFileSync(join(dir, 'scores.csv'), formatScoresCsv(rows, ['base', 'target', 'weight']));
  writeFileSync(
    join(dir, 'hypotheses.yaml'),
    'hypotheses:\n  - id: retention-falls-with-detail\n    metric: style_retention\n    correlation: { with: detail, over: [base, target] }\n    where: { weight: 1 }\n    expect: negative\n',
  );
  return dir;
}

describe("Spearman's test where no data could reach α", () => {
  it('has the smallest p of the exact test: 2 / n! two-sided, as the test itself gives on a perfect ordering', () => {
    for (const n of [3, 4, 5, 6]) {
      const x = Array.from({ length: n }, (_, i) => i);
      expect(smallestSpearmanP(n)).toBeCloseTo(
        spearman(
          x,
          x.map((v) => -v),
        ).p,
        15,
      );
    }
    expect(spearmanPointsNeeded(0.05)).toBe(5);
    expect(spearmanPointsNeeded(0.05, 'less')).toBe(4);
  });

  it('is not run over 4 cells, saying why, and runs over 6', () => {
    const four = cells(['a', 'b'], ['t1', 't2']);
    const notRun = analyze({ input: join(four, 'scores.csv'), hypotheses: join(four, 'hypotheses.yaml'), reps: 100, out: join(four, 'out') });
    expect(notRun.tests[0].note).toBe("4 points: the smallest possible p of Spearman's test is 0.0833; 5 are needed");
    expect(notRun.hypotheses[0].verdict).toBe('inconclusive');

    const six = cells(['a', 'b', 'c'], ['t1', 't2']);
    const run = analyze({ input: join(six, 'scores.csv'), hypotheses: join(six, 'hypotheses.yaml'), reps: 100, out: join(six, 'out') });
    expect(run.tests[0].estimate).toBe(-1);
    expect(run.hypotheses[0].verdict).toBe('supported');
  });
});
