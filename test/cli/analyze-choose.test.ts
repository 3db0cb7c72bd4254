import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { plantedSweep } from '../helpers/planted-sweep.js';
import { scoresCsvOf } from '../helpers/score-run.js';
import { tempDir } from '../helpers/tmp.js';

describe('lora-eval analyze --choose', () => {
  let csv: string;
  beforeAll(() => {
    const table = plantedSweep({ concept: (_b, c, w) => 0.3 + 0.1 * Number(c.slice(1)) + 0.1 * w, fidelity: (_c, w) => (w > 1 ? 25 : 30) });
    csv = scoresCsvOf(table);
  });

  it('prints the chosen checkpoint and weight with P(best), and the largest factor per metric', () => {
    const run = runCli(['analyze', csv, '--reps', '200', '--choose', 'checkpoint,weight', '--choose-floor', 'base_preservation=0.9']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /choose concept_detection \(base=nai\): checkpoint=e4, weight=1, clear: better than each of the 7 other feasible candidates \(p_adj ≤ 0\.0\d+\), P\(best\) (0\.9\d|1\.00)/,
    );
    expect(run.stdout).toContain('choose: clear = better than every other feasible candidate by a paired t test on prompt means');
    expect(run.stdout).toMatch(/variance concept_detection \(m\): largest factor term checkpoint, partial η² 0\.9\d\d/);
    expect(run.stdout).toContain('choose.csv');
    const summary = JSON.parse(readFileSync(join(csv, '..', 'summary.json'), 'utf8'));
    expect(summary.choose.floors).toContainEqual({ metric: 'base_preservation', kind: 'absolute', value: 0.9 });
  });

  it('refuses bad choose options with exit code 2 and a one-line message', () => {
    const cases: [string[], string][] = [
      [['--choose', 'epoch'], '--choose: the run has no factor "epoch" (its factors: base, target, checkpoint, weight)'],
      [['--choose', 'weight', '--choose-floor', 'base_preservation'], '--choose-floor: expected metric=number or metric=none, got "base_preservation"'],
      [['--choose-metric', 'concept_similarity'], '--choose-metric and --choose-floor need --choose'],
      [['--choose', 'weight'], '--choose-floor: base_preservation needs a stated floor'],
      [
        ['--choose', 'weight', '--choose-floor', 'base_preservation=high'],
        '--choose-floor: expected metric=number or metric=none, got "base_preservation=high"',
      ],
      [
        ['--choose', 'weight', '--choose-metric', 'concept_similarity', '--choose-floor', 'base_preservation=0.9'],
        '--choose-metric: the run has no "concept_similarity" rows',
      ],
    ];
    for (const [args, message] of cases) {
      const run = runCli(['analyze', csv, '--reps', '100', ...args]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(message);
    }
  });

  it('takes the choice from the hypotheses file, the options overriding it field by field', () => {
    const dir = tempDir();
    const file = join(dir, 'h.yaml');
    writeFileSync(
      file,
      'choose:\n  id: best-epoch\n  claim: images 7-12\n  factors: [checkpoint, weight]\n  floors: { base_preservation: 0.9, prompt_fidelity: 28 }\n',
    );
    const fromFile = runCli(['analyze', csv, '--reps', '200', '--hypotheses', file, '--out', join(dir, 'a')]);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(fromFile.stdout).toMatch(/CHOICE +best-epoch \[claim images 7-12\] \(checkpoint, weight, concept_detection\)/);
    // An absolute prompt-fidelity floor of 28 leaves out weight 1.2 (fidelity 25), as the relative default does.
    expect(fromFile.stdout).toMatch(/choose concept_detection \(base=nai\): checkpoint=e4, weight=1, clear: .*, P\(best\)/);
    expect(fromFile.stdout).toMatch(/CHOICE +best-epoch .*: 1 of 1 group\(s\) chosen, 1 clear/);
    const summary = JSON.parse(readFileSync(join(dir, 'a', 'summary.json'), 'utf8'));
    expect(summary.choose).toMatchObject({ id: 'best-epoch', claim: 'images 7-12', factors: ['checkpoint', 'weight'] });
    expect(summary.choose.floors).toEqual([
      { metric: 'prompt_fidelity', kind: 'absolute', value: 28 },
      { metric: 'base_preservation', kind: 'absolute', value: 0.9 },
    ]);
    // --choose replaces the factors, --choose-floor one floor; the file's other floor stays.
    const overridden = runCli([
      'analyze',
      csv,
      '--reps',
      '200',
      '--hypotheses',
      file,
      '--out',
      join(dir, 'b'),
      '--choose',
      'weight',
      '--choose-floor',
      'prompt_fidelity=none',
    ]);
    expect(overridden.code, overridden.stderr).toBe(0);
    const over = JSON.parse(readFileSync(join(dir, 'b', 'summary.json'), 'utf8'));
    expect(over.choose.factors).toEqual(['weight']);
    expect(over.choose.floors).toEqual([{ metric: 'base_preservation', kind: 'absolute', value: 0.9 }]);
    expect(over.choose.groups.map((g: { chosen: unknown }) => g.chosen)).toContainEqual({ weight: '1.2' });
  });

  it('names the file and field of a bad choose: section', () => {
    const dir = tempDir();
    const cases: [string, string][] = [
      ['choose:\n  factors: [epoch]\n  floors: { base_preservation: 0.9 }\n', 'h.yaml: choose.factors: the run has no factor "epoch"'],
      ['choose:\n  factors: [weight]\n', 'h.yaml: choose.floors: base_preservation needs a stated floor'],
      ['choose:\n  factors: [weight]\n  floors: { base_preservation: high }\n', 'choose.floors.base_preservation'],
      ['choose:\n  factor: [weight]\n', 'choose'],
    ];
    for (const [text, message] of cases) {
      const file = join(dir, 'h.yaml');
      writeFileSync(file, text);
      const run = runCli(['analyze', csv, '--reps', '100', '--hypotheses', file, '--out', join(dir, 'o')]);
      expect(run.code, text).toBe(2);
      expect(run.stderr, text).toContain(message);
    }
  });
});
