import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRuns } from '../../src/check/check-runs.js';
import { formatScoresCsv, type ScoreRow } from '../../src/run/scores-csv.js';
import { createRng } from '../../src/stats/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const FACTORS = ['base', 'target', 'weight'];

interface Cell {
  base: string;
  target: string;
  weight: string;
  prompt: string;
  seed: number;
}

interface GridOptions {
  bases?: string[];
  targets?: string[];
  /** Non-zero weights; every grid also has weight-0 images (blank base). */
  weights?: string[];
  zeroWeight?: string;
  prompts?: string[];
  seeds?: number[];
  metrics?: string[];
  model?: (metric: string) => string;
  /** Renames a base in the written rows (the values are computed for the original name). */
  rename?: Record<string, string>;
  value?: (metric: string, cell: Cell) => number;
}

/** A deterministic score: differs by base, target, prompt and seed, the same for every run unless shifted. */
function truth(metric: string, c: Cell): number {
  const rng = createRng(
    [metric, c.base, c.target, c.weight, c.prompt, c.seed]
      .join('|')
      .split('')
      .reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) >>> 0, 7),
  );
  const level = metric === 'prompt_fidelity' ? 25 : 0.5;
  return level + (c.base === 'nai' ? -0.1 : 0.1) + 0.02 * rng.normal();
}

function grid(options: GridOptions = {}): ScoreRow[] {
  const rows: ScoreRow[] = [];
  const value = options.value ?? truth;
  const metrics = options.metrics ?? ['style_retention', 'prompt_fidelity'];
  const add = (c: Cell) => {
    for (const metric of metrics) {
      if (metric === 'style_retention' && c.base === '') continue;
      const base = options.rename?.[c.base] ?? c.base;
      const levels = { base, target: c.target, weight: c.weight };
      rows.push({
        image: `${base || 'native'}/${c.target}/w${c.weight}/${c.prompt}-${c.seed}.png`,
        sha256: `${base}|${c.target}|${c.weight}|${c.prompt}|${c.seed}`,
        levels,
        prompt: c.prompt,
        seed: String(c.seed),
        metric,
        model: options.model?.(metric) ?? 'clip',
        value: value(metric, c),
      });
    }
  };
  const prompts = options.prompts ?? ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
  const seeds = options.seeds ?? [1, 2, 3, 4];
  for (const target of options.targets ?? ['t1', 't2']) {
    for (const prompt of prompts) {
      for (const seed of seeds) {
        add({ base: '', target, weight: options.zeroWeight ?? '0', prompt, seed });
        for (const base of options.bases ?? ['nai', 'anylora']) for (const weight of options.weights ?? ['1']) add({ base, target, weight, prompt, seed });
      }
    }
  }
  return rows;
}

function write(rows: ScoreRow[], runJson?: object): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'scores.csv'), formatScoresCsv(rows, FACTORS));
  if (runJson) writeFileSync(join(dir, 'run.json'), JSON.stringify(runJson));
  return dir;
}

const runJsonWith = (tagger: string) => ({
  models: [
    { file: '/models/clip/onnx/vision_model.onnx', sha256: 'a'.repeat(64) },
    { file: `/models/${tagger}/model.onnx`, sha256: (tagger === 'tagger-v3' ? 'b' : 'c').repeat(64) },
  ],
});

const shifted =
  (by: number, where: (c: Cell) => boolean = () => true) =>
  (metric: string, c: Cell) =>
    truth(metric, c) + (metric === 'style_retention' && where(c) ? by : 0);

describe('check: outcomes a CI user can rely on', () => {
  const baseline = write(grid(), runJsonWith('tagger-v3'));

  it('passes the same scores, and fails a certain regression (every value 0.1 lower, no variance) with exit 1', () => {
    expect(checkRuns({ run: write(grid()), baseline }).passed).toBe(true);
    const cli = runCli(['check', write(grid({ value: shifted(-0.1) })), '--baseline', baseline]);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain(
      'REGRESSION   style_retention base=nai;target=t1;weight=1: every image differs by -0.1 (no variance): worse than the baseline by the margin 0.05 or more',
    );
    expect(cli.stdout).toMatch(/^FAILED: 6 pass, 4 regression, 0 inconclusive$/m);
  }, 60_000);

  it('decides constant differences within the margin as a pass', () => {
    const report = checkRuns({ run: write(grid({ value: shifted(-0.03) })), baseline });
    expect(report.passed).toBe(true);
    const style = report.results.filter((r) => r.metric === 'style_retention');
    expect(style.every((r) => r.status === 'pass' && r.reason.includes('no variance'))).toBe(true);
  });

  it('refuses with exit 2 when the baseline shares no level of a factor, naming the factor and the levels', () => {
    const cli = runCli(['check', write(grid({ targets: ['t3', 't4'] })), '--baseline', baseline]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('nothing to compare: factor target has no level in common (run: t3, t4; baseline: t1, t2)');
  }, 60_000);

  it('refuses with exit 2 when no image pairs (no prompt in common), saying why', () => {
    expect(() => checkRuns({ run: write(grid({ prompts: ['q1', 'q2'] })), baseline })).toThrow(/nothing to compare: .*prompts in common: 0 of 6/);
  });

  it('pairs levels spelled differently (1.0 and 1, 0.0 and 0)', () => {
    const respelled = write(grid({ weights: ['1.0'], zeroWeight: '0.0' }));
    const cli = runCli(['check', respelled, '--baseline', baseline]);
    expect(cli.stderr).toBe('');
    expect(cli.stdout).toMatch(/^passed: 10 pass, 0 regression, 0 inconclusive$/m);
    expect(cli.code).toBe(0);
  }, 60_000);

  it('fails (exit 1) when the run lacks a metric of the baseline, unless --metric leaves it out', () => {
    const run = write(grid({ metrics: ['style_retention'] }));
    const cli = runCli(['check', run, '--baseline', baseline]);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain('FAILED       metric prompt_fidelity is in the baseline but not in the run');
    expect(checkRuns({ run, baseline, metrics: ['style_retention'] }).passed).toBe(true);
  }, 60_000);

  it('lists baseline groups missing from the run and fails, unless --allow-missing', () => {
    const run = write(grid({ bases: ['anylora'] }));
    const report = checkRuns({ run, baseline });
    expect(report.passed).toBe(false);
    expect(report.problems).toEqual([
      'baseline group base=nai;target=t1;weight=1 has no image in the run (prompt_fidelity, style_retention); pass --allow-missing to check without it',
      'baseline group base=nai;target=t2;weight=1 has no image in the run (prompt_fidelity, style_retention); pass --allow-missing to check without it',
    ]);
    const allowed = checkRuns({ run, baseline, allowMissing: true });
    expect(allowed.passed).toBe(true);
    expect(allowed.notes).toEqual([
      "no run.json for the run: model files and scoring settings not compared, only the scores' model column",
      'baseline group base=nai;target=t1;weight=1 has no image in the run (prompt_fidelity, style_retention); not checked (--allow-missing)',
      'baseline group base=nai;target=t2;weight=1 has no image in the run (prompt_fidelity, style_retention); not checked (--allow-missing)',
    ]);
  });

  it('fails when some baseline images of a group have no counterpart in the run, unless --allow-missing', () => {
    const run = write(grid({ seeds: [1, 2, 3] }));
    const report = checkRuns({ run, baseline, metrics: ['style_retention'] });
    expect(report.passed).toBe(false);
    expect(report.problems).toEqual([
      'style_retention: 24 baseline images have no counterpart in the run (nai/t1/w1/p1-4.png, nai/t1/w1/p2-4.png, nai/t1/w1/p3-4.png … (24 in all)); pass --allow-missing to check without them',
    ]);
    expect(checkRuns({ run, baseline, metrics: ['style_retention'], allowMissing: true }).passed).toBe(true);
  });

  it('refuses (exit 2) a run scored with other model files or other models, naming both, unless --allow-model-change', () => {
    const otherFile = write(grid(), runJsonWith('tagger-v2'));
    const cli = runCli(['check', otherFile, '--baseline', baseline]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain(
      'the run was scored with other model files than the baseline: run models/tagger-v2/model.onnx (cccccccccccc…); baseline models/tagger-v3/model.onnx (bbbbbbbbbbbb…)',
    );
    const otherId = write(grid({ model: (m) => (m === 'style_retention' ? 'clip-l' : 'clip') }));
    expect(() => checkRuns({ run: otherId, baseline })).toThrow(/other models than the baseline: run clip, clip-l; baseline clip/);
    const allowed = checkRuns({ run: otherFile, baseline, allowModelChange: true });
    expect(allowed.passed).toBe(true);
    expect(allowed.models.changed).toBe(true);
    expect(allowed.models.run.files.map((f) => f.file)).toContain('/models/tagger-v2/model.onnx');
  }, 60_000);

  it('counts inconclusive groups, fails on them by default and passes them with --inconclusive pass', () => {
    // One prompt: the prompt-level test cannot reach any significance level, whatever the seeds say.
    const onePrompt = grid({ prompts: ['p1'] });
    const base1 = write(onePrompt);
    const run = write(grid({ prompts: ['p1'], value: (m, c) => truth(m, c) + (m === 'style_retention' ? 0.001 * c.seed : 0) }));
    const report = checkRuns({ run, baseline: base1, metrics: ['style_retention'] });
    expect(report.results.map((r) => r.status)).toEqual(['inconclusive', 'inconclusive', 'inconclusive', 'inconclusive']);
    expect(report.results[0].reason).toMatch(/only 1 prompt in both runs .*needs at least 2 prompts/);
    expect(report.passed).toBe(false);
    expect(checkRuns({ run, baseline: base1, metrics: ['style_retention'], inconclusive: 'pass' }).passed).toBe(true);
    const cli = runCli(['check', run, '--baseline', base1, '--metric', 'style_retention']);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toMatch(/^FAILED: 0 pass, 0 regression, 4 inconclusive \(failing; --inconclusive pass accepts them\)$/m);
  }, 60_000);

  it('tests the per-prompt mean differences against the margin as R does', () => {
    // R: d <- c(-0.08, -0.06, -0.07, -0.09); t.test(d, mu = -0.05, alternative = "less" / "greater")$p.value
    const shift: Record<string, number> = { p1: -0.08, p2: -0.06, p3: -0.07, p4: -0.09 };
    const seedNoise: Record<number, number> = { 1: 0.01, 2: 0, 3: -0.01 };
    const shape = { prompts: Object.keys(shift), seeds: [1, 2, 3], bases: ['nai'], targets: ['t1'], metrics: ['style_retention'] };
    const run = write(grid({ ...shape, value: (m, c) => truth(m, c) + shift[c.prompt] + seedNoise[c.seed] }));
    const [cell] = checkRuns({ run, baseline: write(grid(shape)) }).results;
    expect(cell.prompts).toBe(4);
    expect(cell.n).toBe(12);
    expect(cell.pRegression).toBeCloseTo(0.0152331458310855, 8);
    expect(cell.pNonInferior).toBeCloseTo(0.984766854168915, 8);
    expect(cell.status).toBe('regression');
  });

  it('takes the prompt as the unit: seeds that agree within prompts do not make prompts that disagree significant', () => {
    // Two prompts, 40 seeds each: one prompt 0.02 better, the other 0.08 worse (beyond the margin 0.05).
    const seeds = Array.from({ length: 40 }, (_, i) => i + 1);
    const base2 = write(grid({ prompts: ['p1', 'p2'], seeds, bases: ['nai'], targets: ['t1'] }));
    const run = write(
      grid({
        prompts: ['p1', 'p2'],
        seeds,
        bases: ['nai'],
        targets: ['t1'],
        value: (m, c) => truth(m, c) + (m === 'style_retention' ? (c.prompt === 'p1' ? 0.02 : -0.08) + 0.001 * Math.sin(c.seed) : 0),
      }),
    );
    const [cell] = checkRuns({ run, baseline: base2, metrics: ['style_retention'] }).results;
    expect(cell.prompts).toBe(2);
    expect(cell.n).toBe(40 * 2);
    // Across 80 images the mean (-0.03) would be shown non-inferior; across 2 prompts it is not.
    expect(cell.status).toBe('inconclusive');
  });
});

describe('check --compare: a new base against the baselines', () => {
  const baseline = write(grid({ weights: ['0.5', '1'] }), runJsonWith('tagger-v3'));
  const nai = (c: Cell) => c.base === 'nai';

  it('fails a new base 0.1 below the old base on every image, and passes the same images under the new name', () => {
    const worse = write(grid({ bases: ['nai'], weights: ['0.5', '1'], rename: { nai: 'new-base' }, value: shifted(-0.1, nai) }));
    const failed = runCli(['check', worse, '--baseline', baseline, '--compare', 'base=nai']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain(
      'REGRESSION   style_retention base=new-base vs nai: target=t1;weight=1: every image differs by -0.1 (no variance): worse than the baseline by the margin 0.05 or more',
    );
    // Weight-0 images are the same across bases and stay out of the comparison: 2 targets × 2 weights per metric.
    expect(failed.stdout).toMatch(/^FAILED: 4 pass, 4 regression, 0 inconclusive$/m);

    const same = write(grid({ bases: ['nai'], weights: ['0.5', '1'], rename: { nai: 'new-base' } }));
    const passed = runCli(['check', same, '--baseline', baseline, '--compare', 'base=nai']);
    expect(passed.stdout).toMatch(/^passed: 8 pass, 0 regression, 0 inconclusive$/m);
    expect(passed.code).toBe(0);
  }, 60_000);

  it('without --compare, a new base has nothing in common with the old ones and is refused, pointing at --compare', () => {
    const run = write(grid({ bases: ['nai'], weights: ['0.5', '1'], rename: { nai: 'new-base' } }));
    expect(() => checkRuns({ run, baseline })).toThrow(
      "nothing to compare: factor base has no level in common (run: new-base; baseline: nai, anylora); to compare the run's base with a baseline level, use --compare base=<level>",
    );
  });

  it('compares with each baseline level in turn when --compare names no level', () => {
    const run = write(grid({ bases: ['nai'], weights: ['1'], rename: { nai: 'new-base' } }));
    const report = checkRuns({ run, baseline, compare: { factor: 'base' }, metrics: ['style_retention'], allowMissing: true });
    expect(report.results.map((r) => r.group)).toEqual([
      'base=new-base vs nai: target=t1;weight=1',
      'base=new-base vs nai: target=t2;weight=1',
      'base=new-base vs anylora: target=t1;weight=1',
      'base=new-base vs anylora: target=t2;weight=1',
    ]);
    // The new base equals nai, which is 0.2 below anylora.
    expect(report.results.map((r) => r.status)).toEqual(['pass', 'pass', 'regression', 'regression']);
    expect(report.notes.some((n) => n.includes('base=new-base vs nai: target=t1;weight=0.5 has no image in the run'))).toBe(true);
  });

  it('names a level the baseline does not have', () => {
    const run = write(grid({ bases: ['nai'], rename: { nai: 'new-base' } }));
    expect(() => checkRuns({ run, baseline, compare: { factor: 'base', level: 'sdxl' } })).toThrow(
      '--compare: the baseline has no base "sdxl"; its levels: nai, anylora',
    );
    expect(() => checkRuns({ run, baseline, compare: { factor: 'checkpoint' } })).toThrow(/factor "checkpoint" does not exist/);
  });
});

describe('check --tolerance: exact re-score checks', () => {
  const rows = grid();
  const baseline = write(rows, runJsonWith('tagger-v3'));

  it('passes identical scores and fails (exit 1) when one image moves, naming it with old and new values', () => {
    expect(checkRuns({ run: write(rows), baseline, tolerance: { all: 0, perMetric: {} } }).passed).toBe(true);
    const moved = rows.map((r) => (r.image === 'nai/t2/w1/p3-2.png' && r.metric === 'style_retention' ? { ...r, value: r.value + 1e-3 } : r));
    const tiny = rows.map((r) => (r.image === 'anylora/t1/w1/p1-1.png' && r.metric === 'prompt_fidelity' ? { ...r, value: r.value + 1e-7 } : r));
    expect(checkRuns({ run: write(tiny), baseline, tolerance: { all: 1e-6, perMetric: {} } }).passed).toBe(true);
    const old = rows.find((r) => r.image === 'nai/t2/w1/p3-2.png' && r.metric === 'style_retention')!.value;
    const movedRun = write(moved);
    const junit = join(movedRun, 'junit.xml');
    const md = join(movedRun, 'summary.md');
    const cli = runCli(['check', movedRun, '--baseline', baseline, '--tolerance', '1e-6', 'prompt_fidelity=1e-4', '--junit', junit, '--markdown', md]);
    expect(cli.code).toBe(1);
    expect(readFileSync(junit, 'utf8')).toMatch(
      /<testsuite name="style_retention" tests="1" failures="1" skipped="0">[^]*<failure message="1 of 96 images moved by more than 0.000001">[^]*nai\/t2\/w1\/p3-2.png: /,
    );
    const summary = readFileSync(md, 'utf8');
    expect(summary).toMatch(/^## lora-eval check: failed/);
    expect(summary).toContain('| nai/t2/w1/p3-2.png | style_retention |');
    // Provenance: the run folder has no run.json, the baseline has one.
    expect(summary).toContain('| run | clip |');
    expect(summary).toContain('| baseline | clip, clip/onnx/vision_model.onnx (aaaaaaaaaaaa…), models/tagger-v3/model.onnx (bbbbbbbbbbbb…) |');
    expect(cli.stdout).toContain('MOVED        style_retention: 1 of 96 images moved by more than 0.000001');
    expect(cli.stdout).toContain(`  nai/t2/w1/p3-2.png style_retention: baseline ${Number(old.toPrecision(10))} → run ${Number((old + 1e-3).toPrecision(10))}`);
    expect(cli.stdout).toMatch(/^FAILED: 240 scores re-checked, 1 moved beyond tolerance$/m);
  }, 60_000);

  it('lists images missing on either side and fails, unless --allow-missing', () => {
    const run = write(rows.filter((r) => r.image !== 'anylora/t1/w1/p1-1.png'));
    const report = checkRuns({ run, baseline, tolerance: { all: 0, perMetric: {} } });
    expect(report.passed).toBe(false);
    expect(report.problems).toEqual([
      '2 baseline images missing in the run: anylora/t1/w1/p1-1.png (style_retention), anylora/t1/w1/p1-1.png (prompt_fidelity); pass --allow-missing to check without them',
    ]);
    expect(checkRuns({ run, baseline, tolerance: { all: 0, perMetric: {} }, allowMissing: true }).passed).toBe(true);
  });

  it('refuses a tolerance for a metric it does not check', () => {
    expect(() => checkRuns({ run: write(rows), baseline, tolerance: { all: 0, perMetric: { concept_detection: 0.1 } } })).toThrow(
      '--tolerance names "concept_detection", which is not checked; checked: prompt_fidelity, style_retention',
    );
  });
});
