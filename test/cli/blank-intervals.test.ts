import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const DEMO_SCORES = resolve(import.meta.dirname, '../../reports/baselines/demo/scores.csv');
type Row = Record<string, string>;

/** The demo baseline's scores restricted to some prompts, as a scores.csv analyze reads. */
function demoWithPrompts(prompts: string[]): string {
  const dir = tempDir('lora-eval-blank-ci-');
  const [header, ...lines] = readFileSync(DEMO_SCORES, 'utf8').trimEnd().split('\n');
  const at = header.split(',').indexOf('prompt');
  writeFileSync(join(dir, 'scores.csv'), [header, ...lines.filter((l) => prompts.includes(l.split(',')[at]))].join('\n') + '\n');
  writeFileSync(
    join(dir, 'h.yaml'),
    [
      'hypotheses:',
      '  - id: sd15-loses-concept',
      '    metric: concept_probability',
      '    compare: { a: { base: sd15 }, b: { base: anylora } }',
      '    where: { weight: 1 }',
      '    across: target',
      '    expect: less',
      '    test: t',
      '  - id: style-grows-with-weight',
      '    metric: style_retention',
      '    dose_response: { factor: weight }',
      '    where: { base: anylora }',
      '    across: target',
      '    expect: increasing',
      '  - id: concept-follows-style',
      '    metric: concept_probability',
      '    correlation: { with: style_retention, over: [base, target] }',
      '    where: { weight: 1 }',
      '    expect: positive',
      '',
    ].join('\n'),
  );
  return dir;
}

const read = (file: string): Row[] => parse(readFileSync(file, 'utf8'), { columns: true });
const blank = (v: string) => v === '';

describe('a CI left blank says why', () => {
  let few: { dir: string; stdout: string };
  let many: { dir: string; stdout: string };

  beforeAll(() => {
    for (const [prompts, name] of [
      [['portrait', 'outdoors', 'garden'], 'few'],
      [['portrait', 'outdoors', 'garden', 'closeup', 'walk', 'viewer'], 'many'],
    ] as const) {
      const dir = demoWithPrompts([...prompts]);
      const run = runCli(['analyze', join(dir, 'scores.csv'), '--hypotheses', join(dir, 'h.yaml'), '--reps', '400']);
      expect(run.code, run.stderr).toBe(0);
      if (name === 'few') few = { dir, stdout: run.stdout };
      else many = { dir, stdout: run.stdout };
    }
  }, 120_000);

  it('variance: below 5 prompts the η² CIs are blank and variance.csv, summary.json and the printed line say why', () => {
    const rows = read(join(few.dir, 'variance.csv')).filter((r) => r.metric === 'style_retention');
    expect(rows.length).toBeGreaterThan(3);
    for (const r of rows) {
      expect(blank(r.eta2_ci_low) && blank(r.partial_eta2_ci_high)).toBe(true);
      expect(r.note).toContain('3 prompts: no bootstrap CIs (5 needed)');
    }
    expect(few.stdout).toMatch(
      /variance style_retention \(clip\): largest factor term \w+, partial η² [\d.]+ \(no CI: 3 prompts: no bootstrap CIs \(5 needed\)\)/,
    );
    const summary = JSON.parse(readFileSync(join(few.dir, 'summary.json'), 'utf8'));
    expect(summary.variance.metrics.find((m: { metric: string }) => m.metric === 'style_retention').note).toContain('no bootstrap CIs (5 needed)');
    // With 6 prompts the same columns are filled.
    for (const r of read(join(many.dir, 'variance.csv')).filter((x) => x.metric === 'style_retention' && x.term !== 'prompt'))
      expect(Number(r.partial_eta2_ci_high)).toBeGreaterThanOrEqual(Number(r.partial_eta2_ci_low));
  });

  it('variance: a metric that does not vary is not decomposed, instead of a prompt term with p = 0 from rounding noise', () => {
    // In these three prompts every tagger tag the prompts ask for is found: prompt_tag_fidelity is the same everywhere.
    const rows = read(join(few.dir, 'variance.csv')).filter((r) => r.metric === 'prompt_tag_fidelity');
    expect(rows).toHaveLength(1);
    expect(rows[0].term).toBe('');
    expect(rows[0].note).toMatch(/^not decomposed: every prompt-level cell mean is [\d.]+: nothing varies/);
    expect(few.stdout).not.toMatch(/variance prompt_tag_fidelity/);
  });

  it('tests: every blank CI next to a finite estimate or effect has a note; effect-size CIs need 5 prompts', () => {
    for (const dir of [few.dir, many.dir]) {
      for (const r of read(join(dir, 'tests.csv'))) {
        if (!blank(r.estimate) && blank(r.ci_low)) expect(r.note, r.where).toMatch(/no CI for (the estimate|ρ)/);
        if (!blank(r.effect) && blank(r.effect_ci_low))
          expect(r.note, r.where).toMatch(/no CI for the effect size: \d prompt\(s\): a prompt bootstrap needs 5|no CI for ρ/);
      }
    }
    const fewTests = read(join(few.dir, 'tests.csv'));
    const correlation = fewTests.find((r) => r.hypothesis === 'concept-follows-style')!;
    expect([correlation.ci_low, correlation.note]).toEqual(['', "no CI for ρ: it is tested by its p-value only, as R's cor.test does for Spearman"]);
    const dose = fewTests.filter((r) => r.hypothesis === 'style-grows-with-weight');
    expect(dose.length).toBe(3);
    for (const r of dose) expect([r.effect_ci_low, r.note]).toEqual(['', 'no CI for the effect size: 3 prompt(s): a prompt bootstrap needs 5']);
    // Before, resamples repeating one prompt gave Cohen's dz bounds such as -4.9e15.
    for (const r of fewTests.filter((x) => x.hypothesis === 'sd15-loses-concept')) expect(r.effect_ci_low).toBe('');
    // With 6 prompts the dose-response effect (Cohen's dz of the per-prompt slopes) has a CI around it.
    for (const r of read(join(many.dir, 'tests.csv')).filter((x) => x.hypothesis === 'style-grows-with-weight')) {
      expect(Number(r.effect_ci_low)).toBeLessThanOrEqual(Number(r.effect));
      expect(Number(r.effect_ci_high)).toBeGreaterThanOrEqual(Number(r.effect));
      expect(Math.abs(Number(r.effect_ci_high))).toBeLessThan(1e3);
    }
  });
});
