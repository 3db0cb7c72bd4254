/**
 * worth_it: is a gain worth its GPU-hours? Known answers from R (test/reference/worth-it.R): a planted resolution
 * gain of 2 GPU-hour⁻¹ on target t1 and 1 on t2, the 95% t CI of the gain per GPU-hour over prompt means, and the
 * verdict of four thresholds, one per outcome.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.js';
import { UserError } from '../../src/errors.js';
import { readAnalysis } from '../../src/report/read-analysis.js';
import { reportHtml } from '../../src/report/html.js';
import { testsTable } from '../../src/report/latex.js';
import type { ScoreRow } from '../../src/run/scores-csv.js';
import { runCli } from '../helpers/cli.js';
import { scoreRow, scoresRun, sweepYaml, writeFile as write } from '../helpers/score-run.js';

interface Reference {
  costs: Record<string, number>;
  targets: { target: string; estimate: number; gain_per_gpu_hour: number; ci_low: number; ci_high: number }[];
  scenarios: { min_gain_per_gpu_hour: number; t1: string; t2: string; hypothesis: string }[];
  rows: { target: string; prompt: string; seed: string; resolution: string; value: number }[];
}
const reference = JSON.parse(readFileSync(new URL('../reference/worth-it-reference.json', import.meta.url), 'utf8')) as Reference;

/** The reference rows as scores.csv (detail, and artefacts = −detail), with a sweep.yaml holding the costs (or none). */
function referenceRun(options: { costs?: boolean; prompts?: number } = {}): { dir: string; sweep: string } {
  const keep = new Set([...new Set(reference.rows.map((r) => r.prompt))].slice(0, options.prompts ?? Infinity));
  const rows: ScoreRow[] = reference.rows
    .filter((r) => keep.has(r.prompt))
    .flatMap((r) => {
      const levels = { resolution: r.resolution, target: r.target, weight: '1' };
      return [scoreRow(levels, r.prompt, r.seed, 'detail', 'detail-v1', r.value), scoreRow(levels, r.prompt, r.seed, 'artefacts', 'detail-v1', -r.value)];
    });
  const dir = scoresRun(rows, ['resolution', 'target', 'weight']);
  const costs = options.costs === false ? '' : `costs: { resolution: { 512: ${reference.costs['512']}, 768: ${reference.costs['768']} } }`;
  const sweep = write(
    dir,
    'sweep.yaml',
    sweepYaml('{ resolution: [512, 768], target: [t1, t2], weight: [1] }', '{resolution}/{target}/{prompt}-{seed}.png', costs),
  );
  return { dir, sweep };
}

const compareClaim = (id: string, min: number, extra = '') => `  - id: ${id}
    metric: detail
    compare: { a: { resolution: 768 }, b: { resolution: 512 } }
    across: target
    expect: greater
    test: t
    worth_it: { min_gain_per_gpu_hour: ${min} }
${extra}`;

function analyzeClaims(yaml: string, options: { ci?: 't' | 'prompt bootstrap'; costs?: boolean; prompts?: number } = {}) {
  const { dir, sweep } = referenceRun(options);
  const result = analyze({ input: join(dir, 'scores.csv'), hypotheses: write(dir, 'h.yaml', `hypotheses:\n${yaml}`), sweep, reps: 400, ci: options.ci });
  return { dir, result };
}

describe('worth_it against R', () => {
  // scores.csv keeps 10 significant digits of each value (about 40), so agreement is to about 1e-8.
  it("gives R's gain per GPU-hour and 95% t CI over prompt means, per target", () => {
    const { result } = analyzeClaims(compareClaim('detail-worth', 0.5));
    for (const want of reference.targets) {
      const t = result.tests.find((x) => x.where === `target=${want.target}`)!;
      expect(t.nUnits).toBe(12);
      expect(t.estimate).toBeCloseTo(want.estimate, 7);
      expect(t.costDifference).toBeCloseTo(0.3, 12);
      expect(t.worthItGain).toBeCloseTo(want.gain_per_gpu_hour, 7);
      expect(t.worthItGainCiLow).toBeCloseTo(want.ci_low, 7);
      expect(t.worthItGainCiHigh).toBeCloseTo(want.ci_high, 7);
    }
  });

  it("reaches R's verdict for each threshold: worth it, not worth it, and inconclusive, per test and per hypothesis", () => {
    const claims = reference.scenarios.map((s, i) => compareClaim(`s${i}`, s.min_gain_per_gpu_hour)).join('');
    const { result } = analyzeClaims(claims);
    const seen = new Set<string>();
    reference.scenarios.forEach((s, i) => {
      const rows = result.tests.filter((t) => t.hypothesis === `s${i}`);
      for (const target of ['t1', 't2'] as const) {
        const row = rows.find((t) => t.where === `target=${target}`)!;
        expect(row.worthIt, `threshold ${s.min_gain_per_gpu_hour}, ${target}`).toBe(s[target]);
        expect(row.worthItMinGain).toBe(s.min_gain_per_gpu_hour);
        seen.add(row.worthIt!);
      }
      const h = result.hypotheses.find((x) => x.id === `s${i}`)!;
      expect(h.worth_it?.verdict, `threshold ${s.min_gain_per_gpu_hour}`).toBe(s.hypothesis);
      expect(h.worth_it).toMatchObject({ min_gain_per_gpu_hour: s.min_gain_per_gpu_hour, higher_is_better: true, tests: 2 });
      // The claim's own verdict does not depend on the threshold.
      expect(h.verdict).toBe('supported');
    });
    expect(seen).toEqual(new Set(['worth it', 'not worth it', 'inconclusive']));
    expect(new Set(reference.scenarios.map((s) => s.hypothesis))).toEqual(new Set(['worth it', 'not worth it', 'inconclusive']));
  });
});

describe('worth_it: direction, dose-response and CI method', () => {
  it('counts a fall of a lower-is-better metric as the gain', () => {
    const claims = reference.scenarios
      .map(
        (s, i) => `  - id: a${i}
    metric: artefacts
    compare: { a: { resolution: 768 }, b: { resolution: 512 } }
    across: target
    expect: less
    test: t
    worth_it: { min_gain_per_gpu_hour: ${s.min_gain_per_gpu_hour}, higher_is_better: false }
`,
      )
      .join('');
    const { result } = analyzeClaims(claims);
    reference.scenarios.forEach((s, i) => {
      for (const target of ['t1', 't2'] as const) {
        const row = result.tests.find((t) => t.hypothesis === `a${i}` && t.where === `target=${target}`)!;
        const want = reference.targets.find((x) => x.target === target)!;
        expect(row.perCost).toBeCloseTo(-want.gain_per_gpu_hour, 7);
        expect(row.worthItGain).toBeCloseTo(want.gain_per_gpu_hour, 7);
        expect(row.worthItGainCiLow).toBeCloseTo(want.ci_low, 7);
        expect(row.worthIt).toBe(s[target]);
      }
      expect(result.hypotheses.find((h) => h.id === `a${i}`)!.worth_it?.verdict).toBe(s.hypothesis);
    });
  });

  it('over two resolutions, a dose-response claim gives the comparison’s gain per GPU-hour and verdict', () => {
    const min = reference.scenarios[2].min_gain_per_gpu_hour;
    const { result } = analyzeClaims(
      compareClaim('compared', min) +
        `  - id: dosed
    metric: detail
    dose_response: { factor: resolution }
    across: target
    expect: increasing
    worth_it: { min_gain_per_gpu_hour: ${min} }
`,
    );
    for (const target of ['t1', 't2']) {
      const c = result.tests.find((t) => t.hypothesis === 'compared' && t.where === `target=${target}`)!;
      const d = result.tests.find((t) => t.hypothesis === 'dosed' && t.where === `target=${target}`)!;
      expect(d.worthItGain).toBeCloseTo(c.worthItGain!, 10);
      expect(d.worthItGainCiLow).toBeCloseTo(c.worthItGainCiLow!, 9);
      expect(d.worthItGainCiHigh).toBeCloseTo(c.worthItGainCiHigh!, 9);
      expect(d.worthIt).toBe(c.worthIt);
    }
  });

  it('with the prompt bootstrap, decides on the bootstrap interval', () => {
    const min = reference.scenarios[3].min_gain_per_gpu_hour;
    const { result } = analyzeClaims(compareClaim('boot', min), { ci: 'prompt bootstrap' });
    for (const t of result.tests) {
      expect(t.ciMethod).toBe('prompt bootstrap');
      expect(t.worthItGainCiLow).toBeCloseTo(t.ciLow / 0.3, 10);
      expect(t.worthItGainCiHigh).toBeCloseTo(t.ciHigh / 0.3, 10);
      const expected = t.worthItGainCiLow! > min ? 'worth it' : t.worthItGainCiHigh! < min ? 'not worth it' : 'inconclusive';
      expect(t.worthIt).toBe(expected);
    }
    // t1's own estimate lies inside its interval, whatever the method; t2's whole interval lies below it.
    expect(result.tests.map((t) => [t.where, t.worthIt])).toEqual([
      ['target=t1', 'inconclusive'],
      ['target=t2', 'not worth it'],
    ]);
  });

  it('a test that could not run is inconclusive, never worth it or not', () => {
    const { result } = analyzeClaims(compareClaim('few', -100), { prompts: 1 });
    for (const t of result.tests) {
      expect(t.p).toBeNaN();
      expect(t.worthIt).toBe('inconclusive');
      expect(t.worthItGain).toBeUndefined();
      expect(t.note).toMatch(/worth_it: no CI of the gain per GPU-hour/);
    }
    expect(result.hypotheses[0].worth_it?.verdict).toBe('inconclusive');
  });
});

describe('worth_it refuses what it cannot judge', () => {
  const refusal = (yaml: string, options: { costs?: boolean } = {}) => {
    try {
      analyzeClaims(yaml, options);
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      return (e as Error).message;
    }
    throw new Error('analyze accepted it');
  };

  it('without costs in the sweep', () => {
    expect(refusal(compareClaim('x', 1), { costs: false })).toMatch(/hypothesis "x": worth_it: needs GPU-hours per level: the sweep has no costs:/);
  });

  it('when the sides do not differ in a costed factor', () => {
    const yaml = `  - id: targets
    metric: detail
    compare: { a: { target: t1 }, b: { target: t2 } }
    expect: greater
    worth_it: { min_gain_per_gpu_hour: 1 }
`;
    expect(refusal(yaml)).toMatch(/worth_it: needs compare.a and compare.b to set one factor with costs \(resolution\) to single levels of different cost/);
  });

  it('at the image unit, which would overstate certainty', () => {
    expect(refusal(compareClaim('img', 1, '    unit: image\n'))).toMatch(/worth_it: needs unit: prompt/);
  });

  it('for a metric of unknown direction unless higher_is_better is given', () => {
    const yaml = `  - id: unknown
    metric: artefacts
    compare: { a: { resolution: 768 }, b: { resolution: 512 } }
    expect: less
    worth_it: { min_gain_per_gpu_hour: 1 }
`;
    expect(refusal(yaml)).toMatch(/metric "artefacts" is not in the metric registry.*add higher_is_better/);
  });

  it('for a dose-response whose costs do not grow linearly along the factor', () => {
    const rows: ScoreRow[] = [];
    for (const resolution of ['512', '768', '1024'])
      for (const prompt of ['p1', 'p2', 'p3']) rows.push(scoreRow({ resolution }, prompt, '1', 'detail', 'detail-v1', 1));
    const dir = scoresRun(rows, ['resolution', 'target', 'weight']);
    const sweep = (costs: string) =>
      write(
        dir,
        'sweep.yaml',
        sweepYaml('{ resolution: [512, 768, 1024], target: [t], weight: [1] }', '{resolution}/{prompt}.png', `costs: { resolution: ${costs} }`),
      );
    const hypotheses = write(
      dir,
      'h.yaml',
      `hypotheses:
  - id: dose
    metric: detail
    dose_response: { factor: resolution }
    expect: increasing
    worth_it: { min_gain_per_gpu_hour: 1 }
`,
    );
    const run = (costs: string) => () => analyze({ input: join(dir, 'scores.csv'), hypotheses, sweep: sweep(costs), reps: 200 });
    expect(run('{ 512: 1, 768: 2, 1024: 4 }')).toThrow(
      /worth_it: needs costs that grow linearly with resolution.*512: 1, 768: 2, 1024: 4 do not: compare two levels instead/,
    );
    expect(run('{ 512: 1, 768: 2, 1024: 3 }')).not.toThrow();
  });

  it('for a dose-response over a factor without costs', () => {
    const yaml = `  - id: dose
    metric: detail
    dose_response: { factor: weight }
    expect: increasing
    worth_it: { min_gain_per_gpu_hour: 1 }
`;
    expect(refusal(yaml)).toMatch(/worth_it: needs costs: for weight/);
  });
});

describe('worth_it in the outputs', () => {
  it('writes tests.csv columns, summary.json, the terminal line, report.html and tables.tex', () => {
    const { dir, sweep } = referenceRun();
    const hypotheses = write(dir, 'h.yaml', `hypotheses:\n${compareClaim('pay', reference.scenarios[0].min_gain_per_gpu_hour)}`);
    const cli = runCli(['analyze', join(dir, 'scores.csv'), '--hypotheses', hypotheses, '--sweep', sweep, '--reps', '200']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/SUPPORTED +pay .*\n {2}worth it\? WORTH IT at 0\.5 per GPU-hour: 2 worth it, 0 not, 0 inconclusive of 2 test\(s\)/);
    expect(cli.stdout).toMatch(/target=t1: paired t, 12 prompts, .*per GPU-hour of resolution; gain 1\.92 \[1\.57, 2\.28\] per GPU-hour vs min 0\.5: WORTH IT/);

    const csv = readFileSync(join(dir, 'tests.csv'), 'utf8').trim().split('\n');
    const header = csv[0].split(',');
    for (const column of ['worth_it_min_gain_per_gpu_hour', 'worth_it_gain_per_gpu_hour', 'worth_it_gain_ci_low', 'worth_it_gain_ci_high', 'worth_it'])
      expect(header).toContain(column);
    const t1 = Object.fromEntries(header.map((h, i) => [h, csv[1].split(',')[i]]));
    expect(t1.worth_it).toBe('worth it');
    expect(Number(t1.worth_it_gain_ci_low)).toBeCloseTo(reference.targets[0].ci_low, 8);

    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary.hypotheses[0].worth_it).toEqual({
      verdict: 'worth it',
      min_gain_per_gpu_hour: 0.5,
      higher_is_better: true,
      tests: 2,
      worth_it: 2,
      not_worth_it: 0,
      inconclusive: 0,
    });
    expect(summary.settings.worth_it_rule).toMatch(/worth it only when the CI lies wholly above min_gain_per_gpu_hour/);

    const analysis = readAnalysis(dir);
    expect(analysis.tests[0]).toMatchObject({ worthIt: 'worth it', worthItMinGain: 0.5 });
    const html = reportHtml(analysis, []);
    expect(html).toContain('<th>worth its GPU-hours?</th>');
    expect(html).toMatch(/<span class="verdict supported">worth it<\/span> <span class="meta">min 0\.5 per GPU-hour; 2\/0\/0 of 2<\/span>/);
    expect(html).toMatch(/<th>gain per GPU-hour \[95% CI\]<\/th>/);
    expect(html).toContain('1.923 [1.566, 2.279] <span class="meta">vs min 0.5</span>');
    const tex = testsTable(analysis)!;
    expect(tex).toContain('& verdict & worth it \\\\');
    expect(tex).toContain('1.923 [1.566, 2.279] / 0.5: worth it');
  });

  it('leaves the outputs of claims without worth_it as they were', () => {
    const { dir, sweep } = referenceRun();
    const yaml = `hypotheses:
  - id: plain
    metric: detail
    compare: { a: { resolution: 768 }, b: { resolution: 512 } }
    expect: greater
    test: t
`;
    const result = analyze({ input: join(dir, 'scores.csv'), hypotheses: write(dir, 'h.yaml', yaml), sweep, reps: 200 });
    expect(result.hypotheses[0].worth_it).toBeUndefined();
    expect(result.tests[0].worthIt).toBeUndefined();
    const analysis = readAnalysis(dir);
    expect(reportHtml(analysis, [])).not.toContain('worth');
    expect(testsTable(analysis)).not.toContain('worth');
  });
});
