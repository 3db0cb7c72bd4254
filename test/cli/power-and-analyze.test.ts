import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatScoresCsv, type ScoreRow } from '../../src/run/scores-csv.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

describe('lora-eval power', () => {
  it('gives the prompts a paired t test on prompt means needs (R power.t.test: n = 14.30 for d = 0.8) and the Wilcoxon floor', () => {
    const run = runCli(['power', '-d', '0.8,0.5', '--prompts', '12']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('d = 0.8: 15 prompts (n = 14.30;');
    expect(run.stdout).toContain('d = 0.5: 34 prompts (n = 33.37;');
    expect(run.stdout).toContain('with 12 prompts the power is 0.714');
    expect(run.stdout).toContain('cannot reach alpha 0.05 with fewer than 6 prompts');
  });

  it('refuses an effect size that is not a positive number, with exit code 2', () => {
    const run = runCli(['power', '-d', 'big']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--effect must be numbers > 0');
  });
});

describe('lora-eval analyze prints every test with its unit and K', () => {
  it('names the prompts behind each test, and why a test could not run', () => {
    const rows: ScoreRow[] = [];
    for (const base of ['a', 'b']) {
      for (let p = 0; p < 4; p++) {
        for (let s = 0; s < 3; s++) {
          rows.push({
            image: `${base}/p${p}-${s}.png`,
            sha256: '-',
            levels: { base, weight: '1' },
            prompt: `p${p}`,
            seed: String(s),
            metric: 'style_retention',
            model: 'clip',
            value: (base === 'a' ? 0.2 : 0.6) + 0.01 * p + 0.001 * s,
          });
        }
      }
    }
    const dir = tempDir();
    writeFileSync(join(dir, 'scores.csv'), formatScoresCsv(rows, ['base', 'weight']));
    writeFileSync(
      join(dir, 'h.yaml'),
      'hypotheses:\n  - id: w\n    metric: style_retention\n    compare: { a: { base: a }, b: { base: b } }\n    expect: less\n' +
        '  - id: img\n    metric: style_retention\n    compare: { a: { base: a }, b: { base: b } }\n    expect: less\n    unit: image\n',
    );
    const run = runCli(['analyze', join(dir, 'scores.csv'), '--hypotheses', join(dir, 'h.yaml'), '--reps', '200']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('INCONCLUSIVE w ');
    expect(run.stdout).toContain('(all): wilcoxon signed rank, 4 prompts, not run: 4 prompts: the smallest possible p is 0.125; 6 are needed');
    expect(run.stdout).toMatch(/\(all\): wilcoxon signed rank, 12 images \(image-level\), p_adj 0\.00\d+ supported/);
  });
});
