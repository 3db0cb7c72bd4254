import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatScoresCsv } from '../../src/run/scores-csv.js';
import { runCli } from '../helpers/cli.js';
import { plantedSweep } from '../helpers/planted-sweep.js';
import { tempDir } from '../helpers/tmp.js';

describe('lora-eval analyze --choose', () => {
  let csv: string;
  beforeAll(() => {
    const table = plantedSweep({ concept: (_b, c, w) => 0.3 + 0.1 * Number(c.slice(1)) + 0.1 * w, fidelity: (_c, w) => (w > 1 ? 25 : 30) });
    csv = join(tempDir(), 'scores.csv');
    writeFileSync(csv, formatScoresCsv(table.rows, table.factors));
  });

  it('prints the chosen checkpoint and weight with P(best), and the largest factor per metric', () => {
    const run = runCli(['analyze', csv, '--reps', '200', '--choose', 'checkpoint,weight', '--choose-floor', 'base_preservation=0.9']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/choose concept_detection \(base=nai\): checkpoint=e4, weight=1, P\(best\) (0\.9\d|1\.00)/);
    expect(run.stdout).toMatch(/variance concept_detection \(m\): largest factor term checkpoint, partial η² 0\.9\d\d/);
    expect(run.stdout).toContain('choose.csv');
    const summary = JSON.parse(readFileSync(join(csv, '..', 'summary.json'), 'utf8'));
    expect(summary.choose.floors).toContainEqual({ metric: 'base_preservation', kind: 'absolute', value: 0.9 });
  });

  it('refuses bad choose options with exit code 2 and a one-line message', () => {
    const cases: [string[], string][] = [
      [['--choose', 'epoch'], '--choose: the run has no factor "epoch" (its factors: base, target, checkpoint, weight)'],
      [['--choose', 'weight', '--choose-floor', 'base_preservation'], '--choose-floor: expected metric=number, got "base_preservation"'],
      [['--choose-metric', 'concept_similarity'], '--choose-metric and --choose-floor need --choose'],
      [['--choose', 'weight', '--choose-metric', 'concept_similarity'], '--choose-metric: the run has no "concept_similarity" rows'],
    ];
    for (const [args, message] of cases) {
      const run = runCli(['analyze', csv, '--reps', '100', ...args]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(message);
    }
  });
});
