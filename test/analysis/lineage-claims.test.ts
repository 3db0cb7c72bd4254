import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.js';
import { compoundVerdict, type HypothesisVerdict } from '../../src/analysis/verdict.js';
import { UserError } from '../../src/errors.js';
import type { ScoreRow } from '../../src/run/scores-csv.js';
import { createRng } from '../../src/stats/index.js';
import { readAnalysis } from '../../src/report/read-analysis.js';
import { reportHtml } from '../../src/report/html.js';
import { ancestorsOf } from '../../src/sweep/lineage.js';
import { SweepSchema } from '../../src/sweep/schema.js';
import { scoreRow, scoresRun, sweepYaml as sweepOf, writeFile as write } from '../helpers/score-run.js';

const PROMPTS = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8'];

/** Bases anc (ancestor of t1), other (unrelated) and t1 itself, on targets t1 and t2; style per (base, target). */
function scores(style: (base: string, target: string) => number): string {
  const rng = createRng(11);
  const rows: ScoreRow[] = [];
  for (const base of ['anc', 'other', 't1'])
    for (const target of ['t1', 't2'])
      for (const prompt of PROMPTS)
        for (const seed of ['1', '2']) {
          rows.push(scoreRow({ base, target, weight: '1' }, prompt, seed, 'style_retention', 'clip', style(base, target) + 0.02 * rng.normal()));
        }
  return scoresRun(rows, ['base', 'target', 'weight']);
}

const sweepYaml = (models: string) => sweepOf('{ base: [anc, other, t1], target: [t1, t2], weight: [1] }', '{base}/{target}/{prompt}-{seed}.png', models);

const ancestorClaim = `hypotheses:
  - id: ancestor-less
    metric: style_retention
    compare: { a: { base: { ancestor_of: target } }, b: { base: { same_as: target } } }
    where: { weight: 1 }
    across: target
    expect: less
    test: t
`;

describe('claims that select by ancestry', () => {
  it('compares the ancestor-trained LoRA with the one trained on the target itself, on each target that has both', () => {
    // Planted: the ancestor keeps 0.3 on t1, t1 itself 0.8; the unrelated base (0.1) must not enter either side.
    const dir = scores((base, target) => (base === 'anc' ? 0.3 : base === target ? 0.8 : 0.1));
    const sweep = write(dir, 'sweep.yaml', sweepYaml('models: { t1: { ancestors: [anc] } }'));
    const result = analyze({ input: join(dir, 'scores.csv'), hypotheses: write(dir, 'h.yaml', ancestorClaim), sweep, reps: 200 });
    const tests = result.tests.filter((t) => t.hypothesis === 'ancestor-less');
    // t2 has no declared ancestor among the bases and no base of its own: its test cannot run, and says so.
    const t1 = tests.find((t) => t.where.includes('target=t1'))!;
    expect(t1.estimate).toBeCloseTo(-0.5, 1);
    expect(t1.verdict).toBe('supported');
    expect(t1.nUnits).toBe(8);
    const t2 = tests.find((t) => t.where.includes('target=t2'))!;
    expect(t2.verdict).toBe('inconclusive');
    expect(t2.note).toMatch(/0 prompts/);
    // A planned test that cannot run leaves the hypothesis inconclusive: restrict where: to the targets with both.
    expect(result.hypotheses[0].verdict).toBe('inconclusive');
  });

  it("reads the ancestry that score recorded in the run's run.json", () => {
    const dir = scores((base, target) => (base === 'anc' ? 0.3 : base === target ? 0.8 : 0.1));
    const sweep = {
      file: 'sweep.yaml',
      root: '.',
      name: 's',
      sha256: '0'.repeat(64),
      factors: ['base', 'target', 'weight'],
      models: { t1: { ancestors: ['anc'] } },
    };
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ models: [], sweep }));
    const claim = ancestorClaim.replace('    across: target\n', '    where: { weight: 1, target: t1 }\n').replace('    where: { weight: 1 }\n', '');
    const result = analyze({ input: dir, hypotheses: write(dir, 'h.yaml', claim), reps: 200 });
    expect(result.hypotheses[0].verdict).toBe('supported');
  });

  it('follows ancestors of ancestors', () => {
    expect([...ancestorsOf({ c: { ancestors: ['b'] }, b: { ancestors: ['a'] } }, 'c')].sort()).toEqual(['a', 'b']);
  });

  it('refuses a circular ancestry, naming the cycle', () => {
    expect(() => ancestorsOf({ a: { ancestors: ['b'] }, b: { ancestors: ['a'] } }, 'a')).toThrow(/ancestry of "a" is circular \(a → b → a\)/);
  });

  it('refuses ancestor_of without declared ancestry, saying where to declare it', () => {
    const dir = scores(() => 0.5);
    expect(() => analyze({ input: join(dir, 'scores.csv'), hypotheses: write(dir, 'h.yaml', ancestorClaim), reps: 200 })).toThrow(UserError);
    expect(() => analyze({ input: join(dir, 'scores.csv'), hypotheses: write(dir, 'h.yaml', ancestorClaim), reps: 200 })).toThrow(
      /hypothesis "ancestor-less": compare\.a: base: \{ ancestor_of: target \} needs the ancestry of the models: declare models:/,
    );
  });

  it('refuses an ancestry in which no base is an ancestor of any target', () => {
    const dir = scores(() => 0.5);
    const sweep = write(dir, 'sweep.yaml', sweepYaml('models: { t1: { ancestors: [sd15] } }'));
    expect(() => analyze({ input: join(dir, 'scores.csv'), hypotheses: write(dir, 'h.yaml', ancestorClaim), sweep, reps: 200 })).toThrow(
      /no level of base is a declared ancestor of any level of target/,
    );
  });
});

describe('compound (all:) hypotheses', () => {
  const v = (verdict: HypothesisVerdict['verdict']): HypothesisVerdict => ({
    verdict,
    tests: 1,
    supported: verdict === 'supported' ? 1 : 0,
    refuted: verdict === 'refuted' ? 1 : 0,
    inconclusive: verdict === 'inconclusive' ? 1 : 0,
    notRun: 0,
  });

  it('is supported only when every part is, refuted when any part is, else inconclusive', () => {
    expect(compoundVerdict([v('supported'), v('supported')]).verdict).toBe('supported');
    expect(compoundVerdict([v('supported'), v('inconclusive')]).verdict).toBe('inconclusive');
    expect(compoundVerdict([v('supported'), v('refuted')]).verdict).toBe('refuted');
    expect(compoundVerdict([v('inconclusive'), v('refuted')]).verdict).toBe('refuted');
    expect(compoundVerdict([v('supported'), v('refuted')]).tests).toBe(2);
  });

  it('evaluates each part as its own family and refuses duplicate ids among parts', () => {
    const dir = scores((base, target) => (base === 'anc' ? 0.3 : base === target ? 0.8 : 0.1));
    const sweep = write(dir, 'sweep.yaml', sweepYaml('models: { t1: { ancestors: [anc] } }'));
    const compound = `hypotheses:
  - id: both
    all:
      - id: ancestor-less
        metric: style_retention
        compare: { a: { base: { ancestor_of: target } }, b: { base: { same_as: target } } }
        where: { weight: 1, target: t1 }
        expect: less
        test: t
      - id: other-less
        metric: style_retention
        compare: { a: { base: other }, b: { base: anc } }
        where: { weight: 1, target: t1 }
        expect: greater
        test: t
`;
    const result = analyze({ input: join(dir, 'scores.csv'), hypotheses: write(dir, 'h.yaml', compound), sweep, reps: 200 });
    const both = result.hypotheses[0];
    expect(both.type).toBe('all');
    // other (0.1) < anc (0.3): the second part is refuted, so the compound is refuted though the first holds.
    expect(both.parts!.map((p) => p.verdict)).toEqual(['supported', 'refuted']);
    expect(both.verdict).toBe('refuted');
    expect(result.tests.map((t) => t.hypothesis)).toEqual(['ancestor-less', 'other-less']);
    // The report lists the parts under the compound, with the compound rule.
    const html = reportHtml(readAnalysis(result.outDir), []);
    expect(html).toContain('<td>└ ancestor-less</td>');
    expect(html).toContain('intersection-union');
    const duplicate = compound.replace('id: other-less', 'id: ancestor-less');
    expect(() => analyze({ input: join(dir, 'scores.csv'), hypotheses: write(dir, 'h.yaml', duplicate), sweep, reps: 200 })).toThrow(
      /duplicate hypothesis id "ancestor-less"/,
    );
  });
});

describe('gain per GPU-hour', () => {
  /** detail = slope × resolution + prompt effect + noise, on three resolutions costing 1, 2 and 4 GPU-hours. */
  function resolutionScores(slope: number): { dir: string; sweep: string } {
    const rng = createRng(5);
    const rows: ScoreRow[] = [];
    PROMPTS.forEach((prompt, p) => {
      for (const resolution of ['512', '768', '1024'])
        for (const seed of ['1', '2', '3']) {
          const value = slope * Number(resolution) + 0.3 * p + 0.2 * rng.normal();
          rows.push(scoreRow({ resolution, target: 't', weight: '1' }, prompt, seed, 'detail', 'detail-v1', value));
        }
    });
    const dir = scoresRun(rows, ['resolution', 'target', 'weight']);
    const costs = 'costs: { resolution: { 512: 1, 768: 2, 1024: 4 } }';
    const sweep = write(dir, 'sweep.yaml', sweepOf('{ resolution: [512, 768, 1024], target: [t], weight: [1] }', '{resolution}/{prompt}-{seed}.png', costs));
    return { dir, sweep };
  }
  const claims = `hypotheses:
  - id: more-detail
    metric: detail
    compare: { a: { resolution: 1024 }, b: { resolution: 512 } }
    expect: greater
    test: t
  - id: detail-grows
    metric: detail
    dose_response: { factor: resolution }
    expect: increasing
`;

  it('divides the gain by the cost difference (compare) or the cost slope (dose-response)', () => {
    const { dir, sweep } = resolutionScores(0.01);
    const result = analyze({ input: join(dir, 'scores.csv'), hypotheses: write(dir, 'h.yaml', claims), sweep, reps: 200 });
    const [compare, dose] = result.tests;
    // 1024 vs 512: planted gain 5.12 for 3 GPU-hours.
    expect(compare.costDifference).toBe(3);
    expect(compare.perCost).toBeCloseTo(5.12 / 3, 1);
    expect(compare.perCostCiLow! / compare.ciLow).toBeCloseTo(1 / 3, 12);
    // Cost on resolution, OLS over (512, 1), (768, 2), (1024, 4): 768 / 131072 GPU-hours per pixel.
    expect(dose.costDifference).toBeCloseTo(768 / 131072, 12);
    expect(dose.perCost).toBeCloseTo(0.01 / (768 / 131072), 1);
    expect(result.hypotheses.map((h) => h.verdict)).toEqual(['supported', 'supported']);
  });

  it('reports a gain per GPU-hour near 0, with a CI across it, when resolution adds nothing', () => {
    const { dir, sweep } = resolutionScores(0);
    const result = analyze({ input: join(dir, 'scores.csv'), hypotheses: write(dir, 'h.yaml', claims), sweep, reps: 200 });
    for (const t of result.tests) {
      expect(t.perCostCiLow!).toBeLessThan(0);
      expect(t.perCostCiHigh!).toBeGreaterThan(0);
    }
    expect(result.hypotheses.map((h) => h.verdict)).toEqual(['inconclusive', 'inconclusive']);
  });

  it('reports no gain per GPU-hour without costs', () => {
    const { dir } = resolutionScores(0.01);
    const result = analyze({ input: join(dir, 'scores.csv'), hypotheses: write(dir, 'h.yaml', claims), reps: 200 });
    for (const t of result.tests) expect(t.perCost).toBeUndefined();
    expect(readFileSync(join(dir, 'tests.csv'), 'utf8').split('\n')[1]).toContain(',supported,,,,,,');
  });
});

describe('sweep costs', () => {
  const base = {
    name: 's',
    lora: { trigger: 'x', description: 'a girl', references: 'refs' },
    factors: { resolution: [512, 768], target: ['t'], weight: [1] },
    prompts: [{ id: 'p', kind: 'concept', text: 'x' }],
    seeds: [1],
    images: '{resolution}/{target}/{prompt}-{seed}.png',
  };
  it('refuses a circular ancestry in the sweep', () => {
    const circular = SweepSchema.safeParse({ ...base, models: { a: { ancestors: ['b'] }, b: { ancestors: ['a'] } } });
    expect(circular.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['models', 'ancestry of "a" is circular (a → b → a)']]);
  });

  it('needs a cost for every level of a costed factor, and only for its levels', () => {
    expect(SweepSchema.safeParse({ ...base, costs: { resolution: { 512: 1, 768: 2.3 } } }).success).toBe(true);
    const missing = SweepSchema.safeParse({ ...base, costs: { resolution: { 512: 1 } } });
    expect(missing.error?.issues.map((i) => i.message)).toEqual(['no cost for resolution level "768"']);
    const unknown = SweepSchema.safeParse({ ...base, costs: { resolution: { 512: 1, 768: 2, 1024: 4 } } });
    expect(unknown.error?.issues.map((i) => i.message)).toEqual(['"1024" is not a level of resolution; levels: 512, 768']);
    expect(SweepSchema.safeParse({ ...base, costs: { steps: { 1: 1 } } }).error?.issues[0].message).toMatch(/unknown factor "steps"/);
  });
});
