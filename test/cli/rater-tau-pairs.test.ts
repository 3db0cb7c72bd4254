import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { appendRating } from '../../src/rate/ratings-csv.js';
import { formatScoresCsv, type ScoreRow } from '../../src/run/scores-csv.js';
import { kendall } from '../../src/stats/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe("agreement.csv: Kendall's τ counts each rated pair once", () => {
  it('three raters answering the same 30 pairs are 30 observations, not 90', () => {
    // Pair i: image a_i has metric m = i − 15.5 more than b_i; all three raters choose the same side, which agrees
    // with m a little more often than not.
    const difference = Array.from({ length: 30 }, (_, i) => i - 15.5);
    const choice = difference.map((_, i) => ((i * 7 + 8) % 10 < (i < 15 ? 4 : 6) ? 1 : -1) as 1 | -1);
    const dir = tempDir();
    const rows: ScoreRow[] = difference.flatMap((d, i) =>
      (['a', 'b'] as const).map((side) => ({
        image: `p${i % 5}/${side}${i}.png`,
        sha256: sha(`${side}${i}`),
        levels: { base: side },
        prompt: `p${i % 5}`,
        seed: String(i),
        metric: 'm',
        model: 'clip',
        value: side === 'a' ? d : 0,
      })),
    );
    writeFileSync(join(dir, 'scores.csv'), formatScoresCsv(rows, ['base']));
    for (const rater of ['ann', 'bob', 'cy'])
      difference.forEach((_, i) =>
        appendRating(join(dir, 'ratings.csv'), {
          rater,
          task: 'style',
          left: `p${i % 5}/a${i}.png`,
          right: `p${i % 5}/b${i}.png`,
          leftSha256: sha(`a${i}`),
          rightSha256: sha(`b${i}`),
          choice: choice[i] === 1 ? 'left' : 'right',
          time: '2026-01-01T00:00:00.000Z',
        }),
      );

    const r = runCli(['analyze', join(dir, 'scores.csv'), '--reps', '200']);
    expect(r.code, r.stderr).toBe(0);
    const row = (parse(readFileSync(join(dir, 'agreement.csv')), { columns: true }) as Record<string, string>[]).find((x) => x.metric === 'm')!;
    const perPair = kendall(difference, choice);
    expect(Number(row.tau_b)).toBeCloseTo(perPair.tau, 8);
    expect(Number(row.tau_p)).toBeCloseTo(perPair.p, 8);
    expect(Number(row.tau_p)).toBeGreaterThan(0.1);
    // Each answer counted alone, the same data looked significant.
    const perAnswer = kendall([...difference, ...difference, ...difference], [...choice, ...choice, ...choice]);
    expect(perAnswer.p).toBeLessThan(0.05);
  });
});
