/**
 * The choice maximizes the concept metric on the concept prompts only. concept_detection is scored on every prompt,
 * and on an unrelated prompt a detection is the character leaking into an image that did not ask for it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { ScoreRow } from '../../src/run/scores-csv.js';
import { createRng } from '../../src/stats/index.js';
import type { PromptKind } from '../../src/sweep/schema.js';
import { runCli } from '../helpers/cli.js';
import { scoreRow, scoresRun, sweepYaml, writeFile } from '../helpers/score-run.js';

const CONCEPT = Array.from({ length: 6 }, (_, i) => `c${i}`);
const UNRELATED = Array.from({ length: 6 }, (_, i) => `u${i}`);
const KINDS: Record<string, PromptKind> = Object.fromEntries([
  ...CONCEPT.map((p) => [p, 'concept' as const]),
  ...UNRELATED.map((p) => [p, 'unrelated' as const]),
]);
/** Planted concept detection per checkpoint: A shows the character more where it is asked for, B leaks it everywhere. */
const DETECTION = { A: { concept: 0.8, unrelated: 0.05 }, B: { concept: 0.6, unrelated: 0.9 } };

/** checkpoint (A, B) × target × prompt × seed, with weight-0 images; every floor metric the same for A and B. */
function leakWorld(): ScoreRow[] {
  const rng = createRng(7);
  const rows: ScoreRow[] = [];
  const promptEffect = Object.fromEntries([...CONCEPT, ...UNRELATED].map((p) => [p, 0.05 * rng.normal()]));
  for (const target of ['t1', 't2']) {
    for (const prompt of [...CONCEPT, ...UNRELATED]) {
      const kind = KINDS[prompt] as 'concept' | 'unrelated';
      for (const seed of ['1', '2']) {
        const native = { checkpoint: '', target, weight: '0' };
        rows.push(scoreRow(native, prompt, seed, 'concept_detection', 'm', 0.02));
        rows.push(scoreRow(native, prompt, seed, 'prompt_fidelity', 'm', 30 + rng.normal()));
        for (const checkpoint of ['A', 'B'] as const) {
          const levels = { checkpoint, target, weight: '1' };
          rows.push(scoreRow(levels, prompt, seed, 'concept_detection', 'm', DETECTION[checkpoint][kind] + promptEffect[prompt] + 0.02 * rng.normal()));
          rows.push(scoreRow(levels, prompt, seed, 'prompt_fidelity', 'm', 30 + rng.normal()));
          if (kind === 'unrelated') rows.push(scoreRow(levels, prompt, seed, 'base_preservation', 'm', 0.95 + 0.005 * rng.normal()));
        }
      }
    }
  }
  return rows;
}

const FACTORS = ['checkpoint', 'target', 'weight'];
const choose = (csv: string, ...extra: string[]) =>
  runCli(['analyze', csv, '--reps', '200', '--choose', 'checkpoint', '--choose-floor', 'base_preservation=0.9', ...extra]);
const allPromptMean = (rows: ScoreRow[], checkpoint: string) => {
  const mine = rows.filter((r) => r.metric === 'concept_detection' && r.levels.checkpoint === checkpoint);
  return mine.reduce((s, r) => s + r.value, 0) / mine.length;
};

describe('analyze --choose on the concept prompts', () => {
  it('chooses the LoRA that shows the character where asked (A), not the one that leaks it into unrelated images (B)', () => {
    const rows = leakWorld();
    // Averaged over every prompt, as the choice once did, B would win: 0.75 against A's 0.43.
    expect(allPromptMean(rows, 'B')).toBeGreaterThan(allPromptMean(rows, 'A') + 0.25);
    const dir = scoresRun(rows, FACTORS, undefined, KINDS);
    const run = choose(join(dir, 'scores.csv'));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/choose concept_detection: checkpoint=A, clear: better than checkpoint=B \(p_adj [\d.e-]+\), P\(best\) 1\.00/);
    expect(run.stdout).toContain(
      'choose: concept_detection is averaged over the 6 concept prompts; 6 prompt(s) of other kinds left out (u0, u1, u2, u3, u4, u5)',
    );
    const csv = parse(readFileSync(join(dir, 'choose.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    const of = (c: string) => csv.find((x) => x.checkpoint === c)!;
    expect(of('A').chosen).toBe('true');
    expect(Number(of('A').prompts)).toBe(6);
    expect(Number(of('A').mean)).toBeCloseTo(DETECTION.A.concept, 1);
    expect(Number(of('B').mean)).toBeCloseTo(DETECTION.B.concept, 1);
    // The floors keep their own prompts: base preservation its 6 unrelated ones, and both candidates pass it.
    expect(Number(of('B').base_preservation_mean)).toBeCloseTo(0.95, 2);
    expect(of('B').feasible).toBe('true');
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary.choose.rule).toContain('over the prompts of kind concept only');
  });

  it('takes the kinds from --sweep for a run that did not record them, and refuses a sweep that changes a recorded kind', () => {
    const rows = leakWorld();
    const bare = scoresRun(rows, FACTORS);
    const prompts = Object.entries(KINDS)
      .map(([id, kind]) => `  - { id: ${id}, kind: ${kind}, text: "prompt ${id}" }`)
      .join('\n');
    const sweep = writeFile(
      bare,
      'sweep.yaml',
      sweepYaml('{ checkpoint: [A, B], target: [t1, t2], weight: [0, 1] }', '{checkpoint}/{target}/{weight}/{prompt}-{seed}.png').replace(
        /prompts: .*\n/,
        `prompts:\n${prompts}\n`,
      ),
    );
    const run = choose(join(bare, 'scores.csv'), '--sweep', sweep);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/choose concept_detection: checkpoint=A, clear/);

    const recorded = scoresRun(rows, FACTORS, undefined, { ...KINDS, u0: 'concept' });
    const changed = choose(join(recorded, 'scores.csv'), '--sweep', sweep);
    expect(changed.code).toBe(2);
    expect(changed.stderr.trim()).toBe(
      `error: --sweep ${sweep}: prompt "u0" is of kind unrelated, but the run recorded it as concept (run.json sweep.prompt_kinds); give the sweep the run was scored from`,
    );
  });

  it('refuses a run without recorded prompt kinds, one with a prompt of unknown kind, and one without concept prompts, with exit 2', () => {
    const rows = leakWorld();
    const bare = join(scoresRun(rows, FACTORS), 'scores.csv');
    const none = choose(bare);
    expect(none.code).toBe(2);
    expect(none.stderr.trim()).toBe(
      `error: --choose: ${bare} comes without prompt kinds (run.json sweep.prompt_kinds, recorded by "lora-eval score"), and the choice averages concept_detection over the concept prompts only: score the run again, or give analyze --sweep the sweep it was scored from`,
    );

    const { c0: _dropped, ...partial } = KINDS;
    const unknown = choose(join(scoresRun(rows, FACTORS, undefined, partial), 'scores.csv'));
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--choose: prompt "c0" has concept_detection scores but no recorded kind');

    const onlyOthers = Object.fromEntries(Object.keys(KINDS).map((p) => [p, p.startsWith('c') ? 'style' : 'unrelated'])) as Record<string, PromptKind>;
    const noConcept = choose(join(scoresRun(rows, FACTORS, undefined, onlyOthers), 'scores.csv'));
    expect(noConcept.code).toBe(2);
    expect(noConcept.stderr.trim()).toBe(
      'error: --choose: none of the 12 prompts with concept_detection is of kind concept (they are style, unrelated); the choice maximizes concept_detection on concept prompts, where the LoRA is asked for',
    );
    // The same through the hypotheses file's choose: section names the field.
    const dir = scoresRun(rows, FACTORS, undefined, onlyOthers);
    const file = writeFile(dir, 'h.yaml', 'choose:\n  factors: [checkpoint]\n  floors: { base_preservation: 0.9 }\n');
    const fromFile = runCli(['analyze', join(dir, 'scores.csv'), '--reps', '200', '--hypotheses', file]);
    expect(fromFile.code).toBe(2);
    expect(fromFile.stderr).toContain(`choose.factors: none of the 12 prompts with concept_detection is of kind concept`);
  });

  it('a claim on a concept metric over every prompt says it mixes in leakage; one that names its prompts does not', () => {
    const dir = scoresRun(leakWorld(), FACTORS, undefined, KINDS);
    const claim = (id: string, where: string) =>
      `  - id: ${id}\n    metric: concept_detection\n    compare: { a: { checkpoint: A }, b: { checkpoint: B } }\n    where: ${where}\n    expect: greater\n    test: t\n`;
    const file = writeFile(
      dir,
      'h.yaml',
      `hypotheses:\n${claim('every-prompt', '{ weight: 1 }')}${claim('concept-prompts', `{ weight: 1, prompt: [${CONCEPT.join(', ')}] }`)}`,
    );
    const run = runCli(['analyze', join(dir, 'scores.csv'), '--reps', '200', '--hypotheses', file]);
    expect(run.code, run.stderr).toBe(0);
    const note =
      'concept_detection over 6 concept and 6 other prompt(s) (u0, u1, u2, u3, u4, u5), where it measures leakage rather than fidelity; where: { prompt: [c0, c1, c2, c3, c4, c5] } tests the concept prompts alone';
    expect(run.stdout).toContain(`every-prompt (compare, concept_detection): 0 supported, 0 refuted, 1 inconclusive of 1 test(s)\n  note: ${note}\n`);
    // Diluted by the leakage, where B shows the character more, the claim is not borne out; on the concept prompts it is.
    expect(run.stdout).toMatch(/SUPPORTED +concept-prompts \(compare, concept_detection\): 1 supported/);
    const tests = parse(readFileSync(join(dir, 'tests.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(tests.find((t) => t.hypothesis === 'every-prompt')!.note).toContain(note);
    expect(tests.find((t) => t.hypothesis === 'concept-prompts')!.note).toBe('');
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary.hypotheses.find((h: { id: string }) => h.id === 'every-prompt').note).toBe(note);
  });
});
