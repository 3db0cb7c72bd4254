import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const DEMO_RUN = resolve(import.meta.dirname, '../../reports/baselines/demo');

/** analyze on the demo baseline with one hypothesis, written into a fresh folder. */
function analyzeWith(hypothesis: string) {
  const dir = tempDir('lora-eval-claims-');
  writeFileSync(join(dir, 'h.yaml'), `hypotheses:\n  - id: x\n${hypothesis.replace(/^/gm, '    ')}\n`);
  return { ...runCli(['analyze', DEMO_RUN, '--hypotheses', join(dir, 'h.yaml'), '--out', join(dir, 'out'), '--reps', '200']), file: join(dir, 'h.yaml') };
}

describe('a claim that selects nothing, or the same images twice, is refused before any test runs', () => {
  it('a where level that exists in the run but has no scores of the metric (style_retention is not scored at weight 0)', () => {
    const run = analyzeWith('metric: style_retention\ncompare: { a: { base: nai }, b: { base: anylora } }\nwhere: { weight: 0 }\nexpect: less');
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      `error: ${run.file}: hypothesis "x": where: weight "0" has no style_retention scores; weight levels with style_retention: 0.5, 1`,
    );
  });

  it('where levels that each have scores but never together', () => {
    const run = analyzeWith(
      'metric: base_preservation\ncompare: { a: { base: nai }, b: { base: anylora } }\nwhere: { prompt: cafe, target: nai, weight: 0.5, base: sd15 }\nexpect: less',
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('compare.a: no base_preservation scores match base=nai within prompt=cafe;target=nai;weight=0.5;base=sd15');
  });

  it('the two sides of a comparison select the same images: the same level twice, or weight-0 images every base shares', () => {
    const same = analyzeWith('metric: style_retention\ncompare: { a: { base: nai }, b: { base: nai } }\nexpect: less');
    expect(same.code).toBe(2);
    expect(same.stderr).toContain('compare: a (base=nai) and b (base=nai) select the same 144 style_retention score(s): there is nothing to compare');
    const native = analyzeWith('metric: prompt_fidelity\ncompare: { a: { base: nai }, b: { base: anylora } }\nwhere: { weight: 0 }\nexpect: less');
    expect(native.code).toBe(2);
    expect(native.stderr).toContain(
      'select the same 72 prompt_fidelity score(s) (weight-0 images, which every level of a LoRA-only factor shares): there is nothing to compare',
    );
  });

  it('sides that share a level (its images used to be dropped as if they were weight-0 images)', () => {
    const run = analyzeWith('metric: style_retention\ncompare: { a: { base: [nai, anylora] }, b: { base: anylora } }\nexpect: less');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'compare: a and b both select base anylora (144 style_retention score(s)); the two sides of a comparison may not share a level',
    );
  });

  it('a dose-response whose selection holds one dose', () => {
    const run = analyzeWith('metric: prompt_fidelity\ndose_response: { factor: weight }\nwhere: { weight: 1 }\nexpect: increasing');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('dose_response.factor: the selected prompt_fidelity scores have weight 1 only; a dose-response needs two levels');
  });

  it('across a factor the sides set (each across test used to repeat one comparison, Holm-corrected as if three)', () => {
    const run = analyzeWith('metric: style_retention\ncompare: { a: { base: nai }, b: { base: anylora } }\nacross: base\nexpect: less');
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      `error: ${run.file}: hypothesis "x": across: base is a factor compare.a and .b set; across it every test would repeat the same comparison`,
    );
    const dose = analyzeWith('metric: style_retention\ndose_response: { factor: weight }\nacross: [target, weight]\nexpect: increasing');
    expect(dose.code).toBe(2);
    expect(dose.stderr).toContain('across: weight is the dose_response factor; across it every test would have one dose');
  });

  it('sides that set different factors (one side used to be averaged over the factor it left open)', () => {
    const run = analyzeWith('metric: style_retention\ncompare: { a: { base: nai }, b: { target: anything } }\nexpect: less');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('compare: a sets base but b sets target; both sides must set the same factors');
  });

  it('a correlation of a metric with itself, or over a factor that is also across', () => {
    const self = analyzeWith('metric: concept_probability\ncorrelation: { with: concept_probability, over: [base, target] }\nexpect: positive');
    expect(self.code).toBe(2);
    expect(self.stderr).toContain("correlation.with: concept_probability is the claim's own metric; a metric correlates perfectly with itself");
    const across = analyzeWith('metric: concept_probability\ncorrelation: { with: style_retention, over: [base, target] }\nacross: target\nexpect: positive');
    expect(across.code).toBe(2);
    expect(across.stderr).toContain('correlation.over: target is also an across factor');
  });

  it('still accepts the same claims where they select something, with levels spelled 1.0', () => {
    const run = analyzeWith(
      'metric: style_retention\ncompare: { a: { base: nai }, b: { base: anylora } }\nwhere: { weight: 1.0 }\nacross: target\nexpect: less',
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/weight=1;target=anything: wilcoxon signed rank exact, 12 prompts, p_adj/);
  });
});
