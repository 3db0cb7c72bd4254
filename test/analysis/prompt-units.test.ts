/**
 * The prompt as the unit of inference in analyze: tests run across per-prompt values, say how many prompts they
 * had, refuse when too few prompts can reach alpha, pair symmetrically without reusing or self-pairing images,
 * and a hypothesis is supported only when every planned test ran and is supported.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.js';
import { pairing } from '../../src/analysis/selection.js';
import { formatScoresCsv, type ScoreRow } from '../../src/run/scores-csv.js';
import { createRng, oneSampleT, promptMeanDifferences, StatsInputError, tostPaired, wilcoxonSignedRankOneSample } from '../../src/stats/index.js';
import { tempDir } from '../helpers/tmp.js';

interface World {
  prompts: number;
  seeds: number;
  /** value of (base, target, weight, prompt index, seed) */
  value: (base: string, target: string, weight: number, prompt: number, seed: number) => number;
  bases?: string[];
  targets?: string[];
  weights?: number[];
  /** add weight-0 rows (blank base), shared by every base */
  natives?: boolean;
  /** drop rows for which this returns true */
  drop?: (base: string, target: string, weight: number) => boolean;
}

function rowsOf(w: World): ScoreRow[] {
  const rows: ScoreRow[] = [];
  const bases = w.bases ?? ['a', 'b'];
  const targets = w.targets ?? ['t1', 't2'];
  const row = (base: string, target: string, weight: number, p: number, s: number, value: number): ScoreRow => ({
    image: `${base || 'native'}/${target}/w${weight}/p${p}-${s}.png`,
    sha256: 'x',
    levels: { base, target, weight: String(weight) },
    prompt: `p${p}`,
    seed: String(s),
    metric: 'style_retention',
    model: 'clip',
    value,
  });
  for (const target of targets) {
    for (let p = 0; p < w.prompts; p++) {
      for (let s = 1; s <= w.seeds; s++) {
        if (w.natives) rows.push(row('', target, 0, p, s, w.value('', target, 0, p, s)));
        for (const base of bases) {
          for (const weight of w.weights ?? [1]) {
            if (w.drop?.(base, target, weight)) continue;
            rows.push(row(base, target, weight, p, s, w.value(base, target, weight, p, s)));
          }
        }
      }
    }
  }
  return rows;
}

function run(w: World, yaml: string, options: { ci?: 't' | 'prompt bootstrap' } = {}) {
  const dir = tempDir();
  writeFileSync(join(dir, 'scores.csv'), formatScoresCsv(rowsOf(w), ['base', 'target', 'weight']));
  writeFileSync(join(dir, 'h.yaml'), yaml);
  return analyze({ input: join(dir, 'scores.csv'), hypotheses: join(dir, 'h.yaml'), reps: 300, ...options });
}

const compare = (extra = '', test = 'wilcoxon') => `hypotheses:
  - id: h
    metric: style_retention
    compare: { a: { base: a }, b: { base: b } }
    where: { weight: 1 }
    across: target
    expect: less
    test: ${test}
${extra}`;

/** a below b by 0.3 everywhere, with noise. */
function planted(prompts: number, seeds: number, seed = 3): World {
  const rng = createRng(seed);
  const noise = new Map<string, number>();
  return {
    prompts,
    seeds,
    value: (base, target, weight, p, s) => {
      const k = `${base}|${target}|${weight}|${p}|${s}`;
      if (!noise.has(k)) noise.set(k, 0.03 * rng.normal());
      return (base === 'a' ? 0.3 : 0.6) * weight + 0.02 * p + noise.get(k)!;
    },
  };
}

describe('prompt-level tests in analyze', () => {
  it('runs the signed-rank test on the K per-prompt mean differences, exactly as on hand-made prompt means', () => {
    const w = planted(7, 3);
    const result = run(w, compare());
    const row = result.tests[0];
    expect(row.unit).toBe('prompt');
    expect(row.nUnits).toBe(7);
    expect(row.n).toBe(21);
    const rows = rowsOf(w).filter((r) => r.levels.target === 't1');
    const d = promptMeanDifferences(
      rows
        .filter((r) => r.levels.base === 'a')
        .map((r) => ({
          prompt: r.prompt,
          seed: r.seed,
          a: r.value,
          b: rows.find((x) => x.levels.base === 'b' && x.prompt === r.prompt && x.seed === r.seed)!.value,
        })),
    ).map((u) => u.difference);
    expect(row.p).toBeCloseTo(wilcoxonSignedRankOneSample(d).p, 8);
    // scores.csv keeps 10 significant digits

    expect(row.estimate).toBeCloseTo(d.reduce((s, v) => s + v, 0) / d.length, 8);
    const t = oneSampleT(d);
    expect(row.ciLow).toBeCloseTo(t.ci.low, 8);
    expect(row.ciHigh).toBeCloseTo(t.ci.high, 8);
    expect(row.ciMethod).toBe('t');
    expect(result.hypotheses[0].verdict).toBe('supported');
    expect(result.hypotheses[0].unit).toBe('prompt');
    expect(result.hypotheses[0].units).toEqual([7, 7]);
  });

  it('does not run a signed-rank test that cannot reach alpha with K prompts, says why, and leaves the hypothesis inconclusive', () => {
    const result = run(planted(4, 5), compare());
    for (const row of result.tests) {
      expect(Number.isNaN(row.p)).toBe(true);
      expect(row.note).toBe('4 prompts: the smallest possible p is 0.125; 6 are needed');
      expect(row.nUnits).toBe(4);
    }
    expect(result.hypotheses[0].verdict).toBe('inconclusive');
    // The same data at the image level: 20 pairs, all negative, p = 2 / 2^20; labelled image-level.
    const image = run(planted(4, 5), compare('    unit: image\n'));
    expect(image.tests[0].unit).toBe('image');
    expect(image.tests[0].nUnits).toBe(20);
    expect(image.tests[0].p).toBeCloseTo(2 / 2 ** 20, 15);
    expect(image.tests[0].note).toContain('image-level: 20 pairs from 4 prompt(s)');
    expect(image.hypotheses[0].verdict).toBe('supported');
  });

  it('notes when the correction makes every result unreachable (three exact tests on 6 prompts under Holm)', () => {
    const result = run({ ...planted(6, 2), targets: ['t1', 't2', 't3'] }, compare());
    expect(result.tests.every((t) => t.p === 2 / 64)).toBe(true);
    expect(result.tests[0].note).toContain('with 3 tests corrected by holm, the smallest possible p_adj is 0.0938');
    expect(result.hypotheses[0].verdict).toBe('inconclusive');
  });

  it('a hypothesis is supported only when every planned test could run and is supported', () => {
    // No a at weight 1 on t2: that test cannot run, so t1's support does not carry the hypothesis.
    const w = { ...planted(8, 2), drop: (base: string, target: string) => base === 'a' && target === 't2' };
    const result = run(w, compare());
    expect(result.tests.map((t) => t.verdict)).toEqual(['supported', 'inconclusive']);
    expect(result.hypotheses[0]).toMatchObject({ verdict: 'inconclusive', supported: 1, notRun: 1 });
  });

  it('dose-response: one OLS slope per prompt, then a t test across the K slopes; the AUC names its weight range', () => {
    const w = { ...planted(6, 2), weights: [0.5, 1] };
    const result = run(
      w,
      `hypotheses:\n  - id: dose\n    metric: style_retention\n    dose_response: { factor: weight }\n    where: { base: b, target: t1 }\n    expect: increasing\n`,
    );
    const row = result.tests[0];
    expect(row.unit).toBe('prompt');
    expect(row.nUnits).toBe(6);
    expect(row.test).toMatch(/over weight 0\.5–1/);
    // Per prompt: slope over two weights = 2 × (mean at 1 − mean at 0.5).
    const values = rowsOf(w).filter((r) => r.levels.base === 'b' && r.levels.target === 't1');
    const slopes = [0, 1, 2, 3, 4, 5].map((p) => {
      const at = (weight: string) => {
        const vs = values.filter((r) => r.prompt === `p${p}` && r.levels.weight === weight).map((r) => r.value);
        return vs.reduce((s, v) => s + v, 0) / vs.length;
      };
      return 2 * (at('1') - at('0.5'));
    });
    const t = oneSampleT(slopes);
    expect(row.estimate).toBeCloseTo(t.estimate, 8);
    expect(row.p).toBeCloseTo(t.p, 8);
    expect(row.verdict).toBe('supported');
  });

  it('TOST: the statistic is that of the binding one-sided test (the larger p)', () => {
    const w = planted(8, 2);
    const yaml = `hypotheses:\n  - id: eq\n    metric: style_retention\n    equivalence: { a: { base: a }, b: { base: b }, margin: 0.35 }\n    where: { weight: 1, target: t1 }\n`;
    const row = run(w, yaml).tests[0];
    const rows = rowsOf(w).filter((r) => r.levels.target === 't1');
    const byPrompt = (base: string) =>
      [...Array(8).keys()].map((p) => {
        const vs = rows.filter((r) => r.levels.base === base && r.prompt === `p${p}`).map((r) => r.value);
        return vs.reduce((s, v) => s + v, 0) / vs.length;
      });
    const tost = tostPaired(byPrompt('a'), byPrompt('b'), { margin: 0.35 });
    // a − b ≈ −0.3, near the lower bound: the lower test binds.
    expect(tost.lowerTest.p).toBeGreaterThan(tost.upperTest.p);
    expect(row.statistic).toBeCloseTo(tost.lowerTest.statistic, 6);
    expect(row.p).toBeCloseTo(tost.p, 8);
    expect(row.ciLevel).toBeCloseTo(0.9, 8);
  });
});

describe('pairing', () => {
  const rows = rowsOf({
    prompts: 3,
    seeds: 2,
    natives: true,
    weights: [0.5, 1],
    bases: ['a', 'b', 'c'],
    value: (b, t, w, p, s) => (b.charCodeAt(0) || 0) * w + p + s / 10 + (t === 't2' ? 100 : 0),
  });

  it('leaves out weight-0 images every base shares instead of pairing them with themselves', () => {
    const a = rows.filter((r) => ['a', ''].includes(r.levels.base));
    const b = rows.filter((r) => ['b', ''].includes(r.levels.base));
    const result = pairing(a, b, ['target', 'weight']);
    expect(result.shared).toBe(2 * 3 * 2);
    expect(result.pairs).toHaveLength(2 * 3 * 2 * 2);
    expect(result.pairs.every((p) => p.a !== p.b)).toBe(true);
  });

  it('is symmetric: swapping the sides gives the same pairs with the sign flipped, and uses no image twice', () => {
    // weight 1 of bases a and c against weight 0: the native image is the counterpart of two images on side a.
    const a = rows.filter((r) => r.levels.weight === '1' && ['a', 'c'].includes(r.levels.base));
    const b = rows.filter((r) => r.levels.weight === '0');
    const forward = pairing(a, b, ['base', 'target']).pairs;
    const backward = pairing(b, a, ['base', 'target']).pairs;
    expect(forward).toHaveLength(2 * 3 * 2);
    const diffs = (ps: { prompt: string; seed: string; a: number; b: number }[]) => ps.map((p) => `${p.prompt}|${p.seed}|${(p.a - p.b).toFixed(9)}`).sort();
    expect(diffs(backward)).toEqual(diffs(forward.map((p) => ({ ...p, a: p.b, b: p.a }))));
    // Each native image appears in one pair, against the mean of its two LoRA images.
    const native = b.find((r) => r.prompt === 'p1' && r.seed === '2' && r.levels.target === 't1')!;
    const loras = a.filter((r) => r.prompt === 'p1' && r.seed === '2' && r.levels.target === 't1');
    const pair = forward.filter((p) => p.b === native.value);
    expect(pair).toHaveLength(1);
    expect(pair[0].a).toBeCloseTo((loras[0].value + loras[1].value) / 2, 8);
  });

  it('compare across weights with weight-0 images shared by both bases: they are dropped with a note', () => {
    const w: World = { ...planted(8, 2), natives: true, weights: [0.5, 1] };
    const yaml = `hypotheses:\n  - id: h\n    metric: style_retention\n    compare: { a: { base: a }, b: { base: b } }\n    where: { target: t1 }\n    expect: less\n    test: t\n`;
    const row = run(w, yaml).tests[0];
    expect(row.note).toContain('16 weight-0 image(s) on both sides left out');
    expect(row.n).toBe(32);
  });
});

describe('promptMeanDifferences', () => {
  it('averages each prompt over its seeds and refuses a pair given twice', () => {
    const units = promptMeanDifferences([
      { prompt: 'x', seed: 1, a: 1, b: 0 },
      { prompt: 'y', seed: 1, a: 5, b: 5 },
      { prompt: 'x', seed: 2, a: 3, b: 1 },
    ]);
    expect(units).toEqual([
      { prompt: 'x', difference: 1.5, a: 2, b: 0.5, pairs: 2 },
      { prompt: 'y', difference: 0, a: 5, b: 5, pairs: 1 },
    ]);
    expect(() =>
      promptMeanDifferences([
        { prompt: 'x', seed: 1, a: 1, b: 0 },
        { prompt: 'x', seed: 1, a: 2, b: 0 },
      ]),
    ).toThrow(StatsInputError);
    expect(() => promptMeanDifferences([{ prompt: 'x', seed: 1, a: NaN, b: 0 }])).toThrow(/non-finite/);
  });
});

describe('cell estimates', () => {
  it('give the prompt-level SE and a t CI with K − 1 df; one prompt gives no CI and says so', () => {
    const w = planted(5, 3);
    const dir = tempDir();
    writeFileSync(join(dir, 'scores.csv'), formatScoresCsv(rowsOf(w), ['base', 'target', 'weight']));
    const cells = analyze({ input: join(dir, 'scores.csv'), reps: 200 }).cells;
    const cell = cells.find((c) => c.levels.base === 'a' && c.levels.target === 't1')!;
    const means = [0, 1, 2, 3, 4].map((p) => [1, 2, 3].reduce((s, seed) => s + w.value('a', 't1', 1, p, seed), 0) / 3);
    const t = oneSampleT(means);
    expect(cell.mean).toBeCloseTo(t.estimate, 8);
    expect(cell.se).toBeCloseTo(t.se, 8);
    expect(cell.ciLow).toBeCloseTo(t.ci.low, 8);
    expect(cell.ciHigh).toBeCloseTo(t.ci.high, 8);
    expect([cell.ciMethod, cell.ciLevel, cell.prompts]).toEqual(['t', 0.95, 5]);

    const one = planted(1, 4);
    writeFileSync(join(dir, 'scores.csv'), formatScoresCsv(rowsOf(one), ['base', 'target', 'weight']));
    const single = analyze({ input: join(dir, 'scores.csv'), reps: 200 }).cells[0];
    expect(single.prompts).toBe(1);
    expect(Number.isNaN(single.ciLow) && Number.isNaN(single.ciHigh) && Number.isNaN(single.se)).toBe(true);
    expect(single.ciMethod).toBe('');
    expect(single.note).toMatch(/^1 prompt: no standard error or CI/);
  });

  it('the prompt bootstrap stays available and is labelled', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'scores.csv'), formatScoresCsv(rowsOf(planted(6, 2)), ['base', 'target', 'weight']));
    const cell = analyze({ input: join(dir, 'scores.csv'), reps: 300, ci: 'prompt bootstrap' }).cells[0];
    expect(cell.ciMethod).toBe('prompt bootstrap');
    expect(cell.ciLow).toBeLessThan(cell.mean);
    expect(cell.ciHigh).toBeGreaterThan(cell.mean);
  });
});
