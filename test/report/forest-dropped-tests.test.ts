/** The forest plot draws the tests with an estimate; the caption must count those it leaves out, not drop them silently. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatScoresCsv, type ScoreRow } from '../../src/run/scores-csv.js';
import { createRng } from '../../src/stats/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

describe('report: forest plot of tests without an estimate', () => {
  it('says in its caption that the test on target t2 (one prompt, not run) is not drawn', () => {
    const rng = createRng(8);
    const rows: ScoreRow[] = [];
    for (const base of ['nai', 'anylora'])
      for (const target of ['t1', 't2'])
        for (const prompt of target === 't1' ? ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'] : ['p1'])
          for (const seed of [1, 2])
            rows.push({
              image: `${base}/${target}/${prompt}-${seed}.png`,
              sha256: '-',
              levels: { base, target, weight: '1' },
              prompt,
              seed: String(seed),
              metric: 'style_retention',
              model: 'clip',
              value: (base === 'nai' ? 0.3 : 0.6) + 0.02 * rng.normal(),
            });
    const dir = tempDir();
    writeFileSync(join(dir, 'scores.csv'), formatScoresCsv(rows, ['base', 'target', 'weight']));
    writeFileSync(
      join(dir, 'h.yaml'),
      'hypotheses:\n  - id: nai-keeps-less\n    metric: style_retention\n    compare: { a: { base: nai }, b: { base: anylora } }\n    across: target\n    expect: less\n',
    );
    expect(runCli(['analyze', join(dir, 'scores.csv'), '--hypotheses', join(dir, 'h.yaml'), '--reps', '200']).code).toBe(0);
    const tests = readFileSync(join(dir, 'tests.csv'), 'utf8');
    expect(tests).toMatch(/target=t2,2,prompt,1,,/);
    expect(runCli(['report', dir]).code).toBe(0);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    const caption = /<figure id="chart-forest"><figcaption>([^<]*)<\/figcaption>/.exec(html)?.[1];
    expect(caption).toContain('1 of 2 tests has no estimate and is not drawn (nai-keeps-less target=t2; see the tests table)');
  }, 240_000);
});
