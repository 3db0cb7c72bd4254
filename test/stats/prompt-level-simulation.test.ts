/**
 * Error rates of the default (prompt-level) inference, by simulation on sweeps where bases respond differently to
 * different prompts. Every dataset is seeded. A sweep: K prompts × 3 seeds under two conditions a and b;
 *   value = 0.5 + prompt effect N(0, 0.1) + condition × prompt interaction N(0, sd) + seed noise N(0, 0.04),
 * the interaction drawn once per condition and prompt (so seeds of a prompt share it). The tests are the ones
 * analyze runs: per-prompt mean differences (promptMeanDifferences), then paired t (K − 1 df) or the exact
 * signed-rank test across the K prompts; TOST and non-inferiority on the prompt means; dose-response as one OLS
 * slope per prompt and a t test across the K slopes.
 *
 * Bound: each rejection rate of a true null is ≤ α + 0.01 = 0.06 over 8,000 sweeps per cell (one sweep serves
 * the six paired test types, each at its null's boundary). The binomial SE of a rate of 0.05 is 0.0024: the 95 %
 * Wilson interval of an observed 0.050 is 0.045–0.055, a test of true size 0.05 exceeds 0.06 with probability
 * 2e-5 per cell, and one of true size 0.07 stays under it with probability 2e-5.
 */
import { describe, expect, it } from 'vitest';
import { evaluateCompare } from '../../src/analysis/claims/compare.js';
import type { CompareClaim } from '../../src/analysis/hypothesis-schema.js';
import type { ScoreRow } from '../../src/run/scores-csv.js';
import {
  bootstrapCI,
  createRng,
  nonInferiority,
  olsSimple,
  oneSampleT,
  pairedTPower,
  promptMeanDifferences,
  tostPaired,
  wilcoxonSignedRankOneSample,
  type Rng,
} from '../../src/stats/index.js';

const ALPHA = 0.05;
const SEEDS = 3;
const NOISE = 0.04;
const DATASETS = 8000;

function report(line: string): void {
  console.log(`[prompt-level simulation] ${line}`);
}

/** Wilson 95 % interval of a proportion. */
function wilson(hits: number, n: number): [number, number] {
  const z = 1.959964;
  const p = hits / n;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z / (1 + (z * z) / n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [centre - half, centre + half];
}
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

/** One paired sweep: per (prompt, seed) the values under a and b; a − b has true mean `shift`. */
function pairedSweep(rng: Rng, k: number, interaction: number, shift: number) {
  const rows: { prompt: string; seed: number; a: number; b: number }[] = [];
  for (let p = 0; p < k; p++) {
    const promptEffect = 0.1 * rng.normal();
    const ia = interaction * rng.normal();
    const ib = interaction * rng.normal();
    for (let s = 0; s < SEEDS; s++) {
      rows.push({ prompt: `p${p}`, seed: s, a: 0.5 + shift + promptEffect + ia + NOISE * rng.normal(), b: 0.5 + promptEffect + ib + NOISE * rng.normal() });
    }
  }
  return rows;
}

const TEST_TYPES = ['paired t', 'wilcoxon', 'TOST t', 'TOST wilcoxon', 'non-inferiority t', 'non-inferiority wilcoxon', 'dose-response t'] as const;
type TestType = (typeof TEST_TYPES)[number];
const MARGIN = 0.05;

/** Rejections of every paired test type on one null sweep, each placed at its null's boundary. */
function pairedRejections(rng: Rng, k: number, interaction: number): Partial<Record<TestType, boolean>> {
  const units = promptMeanDifferences(pairedSweep(rng, k, interaction, 0));
  const d = units.map((u) => u.difference);
  const y = units.map((u) => u.b);
  // TOST's null boundary: a − b = +margin; non-inferiority's: a worse than b by exactly the margin.
  const atUpper = units.map((u) => u.a + MARGIN);
  const worse = units.map((u) => u.a - MARGIN);
  return {
    'paired t': oneSampleT(d).p < ALPHA,
    wilcoxon: wilcoxonSignedRankOneSample(d).p < ALPHA,
    'TOST t': tostPaired(atUpper, y, { margin: MARGIN, test: 't' }).p < ALPHA,
    'TOST wilcoxon': tostPaired(atUpper, y, { margin: MARGIN, test: 'wilcoxon' }).p < ALPHA,
    'non-inferiority t': nonInferiority(worse, y, { margin: MARGIN, test: 't' }).p < ALPHA,
    'non-inferiority wilcoxon': nonInferiority(worse, y, { margin: MARGIN, test: 'wilcoxon' }).p < ALPHA,
  };
}

/** Dose-response with slope 0 on average but a slope of its own per prompt (prompt × weight interaction). */
function doseRejects(rng: Rng, k: number, interaction: number): boolean {
  const slopes: number[] = [];
  for (let p = 0; p < k; p++) {
    const promptEffect = 0.1 * rng.normal();
    const slope = interaction * rng.normal();
    const w: number[] = [];
    const v: number[] = [];
    for (const weight of [0, 0.5, 1]) {
      for (let s = 0; s < SEEDS; s++) {
        w.push(weight);
        v.push(0.5 + promptEffect + slope * weight + NOISE * rng.normal());
      }
    }
    slopes.push(olsSimple(w, v).slope.estimate);
  }
  return oneSampleT(slopes).p < ALPHA;
}

describe(`prompt-level false-positive rates (α = ${ALPHA}, ${DATASETS} null sweeps per cell, ${SEEDS} seeds per prompt)`, () => {
  for (const k of [6, 12, 24]) {
    it(`K = ${k} prompts: every test type rejects a true null in ≤ α + 0.01 of sweeps, with interaction sd 0, 0.02, 0.04`, () => {
      const lines: string[] = [];
      for (const interaction of [0, 0.02, 0.04]) {
        const hits = Object.fromEntries(TEST_TYPES.map((t) => [t, 0])) as Record<TestType, number>;
        const rng = createRng(`fpr:${k}:${interaction}`);
        for (let d = 0; d < DATASETS; d++) {
          for (const [type, rejected] of Object.entries(pairedRejections(rng, k, interaction))) if (rejected) hits[type as TestType]++;
          if (doseRejects(rng, k, interaction)) hits['dose-response t']++;
        }
        for (const type of TEST_TYPES) {
          const [lo, hi] = wilson(hits[type], DATASETS);
          lines.push(`K=${k} sd=${interaction} ${type}: ${(hits[type] / DATASETS).toFixed(4)} (95 % CI ${lo.toFixed(3)}–${hi.toFixed(3)})`);
          expect(hits[type] / DATASETS, `${type}, K = ${k}, interaction sd ${interaction}`).toBeLessThanOrEqual(ALPHA + 0.01);
        }
      }
      report(lines.join('\n'));
    });
  }
});

/** A sweep as analyze reads it: base a and b, one target, weight 1, K prompts × S seeds. */
function scoreRows(rng: Rng, k: number, seeds: number, interaction: number): ScoreRow[] {
  const rows: ScoreRow[] = [];
  for (let p = 0; p < k; p++) {
    const promptEffect = 0.1 * rng.normal();
    for (const base of ['a', 'b']) {
      const ia = interaction * rng.normal();
      for (let s = 0; s < seeds; s++) {
        rows.push({
          image: `${base}/p${p}-${s}.png`,
          sha256: '-',
          levels: { base, target: 't', weight: '1' },
          prompt: `p${p}`,
          seed: String(s),
          metric: 'style_retention',
          model: 'clip',
          value: 0.5 + promptEffect + ia + NOISE * rng.normal(),
        });
      }
    }
  }
  return rows;
}

describe('through analyze: the issue’s world (8 prompts × 4 seeds, interaction sd 0.04, no true effect)', () => {
  it('prompt-level tests reject at about the nominal rate; image-level tests (unit: image) do not', () => {
    const datasets = 400;
    const rng = createRng('analyze-world');
    const rate = { prompt: { t: 0, wilcoxon: 0 }, image: { t: 0, wilcoxon: 0 } };
    for (let d = 0; d < datasets; d++) {
      const table = { source: '-', factors: ['base', 'target', 'weight'], loraFactors: ['base'], rows: scoreRows(rng, 8, 4, 0.04) };
      for (const unit of ['prompt', 'image'] as const) {
        for (const test of ['t', 'wilcoxon'] as const) {
          const claim = {
            id: 'h',
            metric: 'style_retention',
            compare: { a: { base: 'a' }, b: { base: 'b' } },
            expect: 'different',
            test,
            unit,
            alpha: ALPHA,
            correction: 'holm',
          } as CompareClaim;
          const [row] = evaluateCompare(claim, { table, seed: d, reps: 100, ci: 't' });
          if (row.pAdj < ALPHA) rate[unit][test]++;
        }
      }
    }
    const f = (hits: number) => {
      const [lo, hi] = wilson(hits, datasets);
      return `${pct(hits / datasets)} (95 % CI ${pct(lo)}–${pct(hi)})`;
    };
    report(
      `analyze, 8 prompts × 4 seeds, interaction sd 0.04, ${datasets} null sweeps: prompt-level t ${f(rate.prompt.t)}, Wilcoxon ${f(rate.prompt.wilcoxon)}; ` +
        `image-level t ${f(rate.image.t)}, Wilcoxon ${f(rate.image.wilcoxon)}`,
    );
    expect(rate.prompt.t / datasets).toBeLessThanOrEqual(0.075);
    expect(rate.prompt.wilcoxon / datasets).toBeLessThanOrEqual(0.075);
    expect(rate.image.t / datasets).toBeGreaterThan(0.15);
    expect(rate.image.wilcoxon / datasets).toBeGreaterThan(0.15);
  });
});

describe('t intervals over prompt means (the default CI of cells and tests)', () => {
  it('cover the true mean in 93–97 % of datasets for K = 8, 12, 24 (prompt sd 0.1, seed noise 0.04, 3 seeds)', () => {
    const lines: string[] = [];
    const datasets = 4000;
    for (const k of [8, 12, 24]) {
      const rng = createRng(`coverage:${k}`);
      let covered = 0;
      for (let d = 0; d < datasets; d++) {
        const means: number[] = [];
        for (let p = 0; p < k; p++) {
          const promptEffect = 0.1 * rng.normal();
          let sum = 0;
          for (let s = 0; s < SEEDS; s++) sum += 0.5 + promptEffect + NOISE * rng.normal();
          means.push(sum / SEEDS);
        }
        const ci = oneSampleT(means).ci;
        if (ci.low <= 0.5 && 0.5 <= ci.high) covered++;
      }
      const [lo, hi] = wilson(covered, datasets);
      lines.push(`K=${k}: ${pct(covered / datasets)} (95 % CI ${pct(lo)}–${pct(hi)})`);
      expect(covered / datasets, `K = ${k}`).toBeGreaterThanOrEqual(0.93);
      expect(covered / datasets, `K = ${k}`).toBeLessThanOrEqual(0.97);
    }
    report(`t-interval coverage, ${datasets} datasets each: ${lines.join(', ')}`);
  });
});

describe('why t and not the bootstrap by default: 4 prompts × 3 seeds', () => {
  it('the prompt bootstrap "95 %" interval covers far less than 95 %; the t interval over the 4 prompt means does not', () => {
    const datasets = 2000;
    const rng = createRng('coverage:bootstrap:4');
    let boot = 0;
    let t = 0;
    for (let d = 0; d < datasets; d++) {
      const means = Array.from({ length: 4 }, () => {
        const promptEffect = 0.1 * rng.normal();
        let sum = 0;
        for (let s = 0; s < SEEDS; s++) sum += 0.5 + promptEffect + NOISE * rng.normal();
        return sum / SEEDS;
      });
      const b = bootstrapCI(means, { reps: 1000, seed: d });
      if (b.low <= 0.5 && 0.5 <= b.high) boot++;
      const ci = oneSampleT(means).ci;
      if (ci.low <= 0.5 && 0.5 <= ci.high) t++;
    }
    report(`K = 4: prompt bootstrap covers ${pct(boot / datasets)}, t interval ${pct(t / datasets)} (${datasets} datasets)`);
    expect(boot / datasets).toBeLessThan(0.85);
    expect(t / datasets).toBeGreaterThan(0.93);
    expect(t / datasets).toBeLessThan(0.97);
  });
});

describe('power at a stated effect', () => {
  it('d_z = 0.8 between prompt means, K = 15 prompts (what `lora-eval power -d 0.8` asks for): t matches power.t.test, Wilcoxon close', () => {
    // Per-prompt differences a − b: shift 0.8·σ_d, σ_d² = 2·(interaction² + noise²/seeds) with interaction 0.04.
    const sigmaD = Math.sqrt(2 * (0.04 ** 2 + NOISE ** 2 / SEEDS));
    const k = 15;
    const datasets = 4000;
    const rng = createRng('power');
    let t = 0;
    let w = 0;
    for (let d = 0; d < datasets; d++) {
      const diffs = promptMeanDifferences(pairedSweep(rng, k, 0.04, 0.8 * sigmaD)).map((u) => u.difference);
      if (oneSampleT(diffs).p < ALPHA) t++;
      if (wilcoxonSignedRankOneSample(diffs).p < ALPHA) w++;
    }
    const analytic = pairedTPower(k, 0.8);
    report(`power at d_z = 0.8, K = ${k}: analytic ${analytic.toFixed(3)}, simulated t ${(t / datasets).toFixed(3)}, Wilcoxon ${(w / datasets).toFixed(3)}`);
    expect(Math.abs(t / datasets - analytic)).toBeLessThan(0.025); // ~4 Monte-Carlo SE
    expect(w / datasets).toBeGreaterThan(analytic - 0.08);
  });
});
