/**
 * Known-answer tests by simulation (all seeded, so each run sees the same datasets):
 * false-positive rates on null data, bootstrap CI coverage, power for a planted effect against the
 * analytic (noncentral t) power from R, and family-wise / false-discovery control of Holm and BH.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bootstrapCI, clusterBootstrapCI, createRng, pAdjust, pairedT, wilcoxonSignedRank, type Rng } from '../../src/stats/index.js';

const reference = JSON.parse(readFileSync(new URL('../reference/stats-reference.json', import.meta.url), 'utf8'));
const ALPHA = 0.05;

function report(line: string): void {
  console.log(`[simulation] ${line}`);
}

/** Paired data with a prompt-level baseline shared by x and y, and difference x − y = shift + noise. */
function pairedDataset(rng: Rng, n: number, shift: number, noise: (rng: Rng) => number): { x: number[]; y: number[] } {
  const y = Array.from({ length: n }, () => 0.3 + 0.1 * rng.normal());
  const x = y.map((v) => v + shift + noise(rng));
  return { x, y };
}

const gaussian = (rng: Rng) => rng.normal();
/** Student t with 3 df: heavy-tailed but symmetric, so still a null for both tests. */
const heavyTailed = (rng: Rng) => rng.normal() / Math.sqrt((rng.normal() ** 2 + rng.normal() ** 2 + rng.normal() ** 2) / 3);

function falsePositiveRates(seed: number, datasets: number, noise: (rng: Rng) => number, round?: number) {
  const rng = createRng(seed);
  let wilcoxon = 0;
  let t = 0;
  let exactWilcoxon = 0;
  for (let k = 0; k < datasets; k++) {
    const n = 16 + rng.int(9); // 16 … 24 pairs
    let { x, y } = pairedDataset(rng, n, 0, noise);
    if (round) {
      x = x.map((v) => Math.round(v / round) * round);
      y = y.map((v) => Math.round(v / round) * round);
      if (x.every((v, i) => v === y[i])) continue; // all-zero differences: no test, no rejection
    }
    const w = wilcoxonSignedRank(x, y);
    if (w.exact) exactWilcoxon++;
    if (w.p < ALPHA) wilcoxon++;
    if (pairedT(x, y).p < ALPHA) t++;
  }
  return { wilcoxon: wilcoxon / datasets, t: t / datasets, exactShare: exactWilcoxon / datasets };
}

describe('false-positive rate on null data (α = 0.05, 4000 datasets, n = 16–24 pairs)', () => {
  it('Gaussian differences: Wilcoxon (exact) and paired t stay ≤ 0.06', () => {
    const r = falsePositiveRates(101, 4000, gaussian);
    report(`null Gaussian: Wilcoxon FPR ${r.wilcoxon.toFixed(4)} (exact in ${(r.exactShare * 100).toFixed(0)}%), paired t FPR ${r.t.toFixed(4)}`);
    expect(r.exactShare).toBe(1);
    expect(r.wilcoxon).toBeLessThanOrEqual(0.06);
    expect(r.t).toBeLessThanOrEqual(0.06);
    // Not absurdly conservative either: the exact test's attainable size at n = 16–24 is close to α.
    expect(r.wilcoxon).toBeGreaterThan(0.035);
    expect(r.t).toBeGreaterThan(0.035);
  });

  it('heavy-tailed (t₃) differences: both stay ≤ 0.06', () => {
    const r = falsePositiveRates(102, 4000, heavyTailed);
    report(`null t3: Wilcoxon FPR ${r.wilcoxon.toFixed(4)}, paired t FPR ${r.t.toFixed(4)}`);
    expect(r.wilcoxon).toBeLessThanOrEqual(0.06);
    expect(r.t).toBeLessThanOrEqual(0.06);
  });

  it('coarsely rounded scores (ties and zeros → normal approximation with corrections): Wilcoxon ≤ 0.06', () => {
    const r = falsePositiveRates(103, 4000, gaussian, 0.5);
    report(
      `null rounded to 0.5 (ties/zeros): Wilcoxon FPR ${r.wilcoxon.toFixed(4)} (exact in ${(r.exactShare * 100).toFixed(0)}%), paired t FPR ${r.t.toFixed(4)}`,
    );
    expect(r.exactShare).toBeLessThan(0.05);
    expect(r.wilcoxon).toBeLessThanOrEqual(0.06);
    expect(r.t).toBeLessThanOrEqual(0.06);
  });
});

describe('cluster bootstrap CI coverage (2000 datasets)', () => {
  // Design: 60 prompts × 3 seeds; prompt effect SD 1 and seed noise SD 1 (intra-class correlation ½), true mean 0.5.
  // With 60 clusters the percentile interval is honest (its expected coverage is ≈ 94.4%: it uses the
  // bootstrap SD, which is √((k−1)/k) of the usual SE, and normal rather than t quantiles).
  // 1000 replicates per dataset instead of the default 2000, for speed; the Monte-Carlo SE of coverage is 0.5 points.
  const prompts = 60;
  const seeds = 3;
  const trueMean = 0.5;
  const datasets = 2000;

  function simulate(seed: number): { values: number[]; clusters: string[] }[] {
    const rng = createRng(seed);
    return Array.from({ length: datasets }, () => {
      const values: number[] = [];
      const clusters: string[] = [];
      for (let p = 0; p < prompts; p++) {
        const promptEffect = rng.normal();
        for (let s = 0; s < seeds; s++) {
          values.push(trueMean + promptEffect + rng.normal());
          clusters.push(`p${p}`);
        }
      }
      return { values, clusters };
    });
  }

  it('the cluster bootstrap covers the true mean in 93–97% of datasets', () => {
    let covered = 0;
    let width = 0;
    simulate(201).forEach((d, k) => {
      const ci = clusterBootstrapCI(d.values, d.clusters, { reps: 1000, seed: k });
      if (ci.low <= trueMean && trueMean <= ci.high) covered++;
      width += ci.high - ci.low;
    });
    const coverage = covered / datasets;
    report(
      `cluster bootstrap 95% CI coverage ${(coverage * 100).toFixed(1)}% (mean width ${(width / datasets).toFixed(3)}), 60 prompts × 3 seeds, ICC 0.5, 1000 reps`,
    );
    expect(coverage).toBeGreaterThanOrEqual(0.93);
    expect(coverage).toBeLessThanOrEqual(0.97);
  });

  it('control: ignoring the clusters (plain bootstrap) under-covers badly on the same design', () => {
    let covered = 0;
    simulate(202)
      .slice(0, 500)
      .forEach((d, k) => {
        const ci = bootstrapCI(d.values, { reps: 300, seed: k });
        if (ci.low <= trueMean && trueMean <= ci.high) covered++;
      });
    const coverage = covered / 500;
    report(`plain (non-cluster) bootstrap coverage on clustered data ${(coverage * 100).toFixed(1)}% (500 datasets, 300 reps)`);
    expect(coverage).toBeLessThan(0.88); // theory: P(|Z| < 1.96/√2) = 83.4% (design effect 2)
  });
});

describe('power for a planted effect (d_z = 0.8, n = 16, α = 0.05 two-sided, 4000 datasets)', () => {
  it('paired t power matches the analytic noncentral-t power from R power.t.test; Wilcoxon is close behind', () => {
    const { power: analytic, n, dz } = reference.power as { power: number; n: number; dz: number };
    const rng = createRng(301);
    const datasets = 4000;
    let tHits = 0;
    let wHits = 0;
    for (let k = 0; k < datasets; k++) {
      const { x, y } = pairedDataset(rng, n, dz, gaussian);
      if (pairedT(x, y).p < ALPHA) tHits++;
      if (wilcoxonSignedRank(x, y).p < ALPHA) wHits++;
    }
    const tPower = tHits / datasets;
    const wPower = wHits / datasets;
    report(`power at d_z = ${dz}, n = ${n}: analytic ${analytic.toFixed(4)}, simulated paired t ${tPower.toFixed(4)}, Wilcoxon ${wPower.toFixed(4)}`);
    expect(Math.abs(tPower - analytic)).toBeLessThan(0.025); // ~4 Monte-Carlo SE
    expect(wPower).toBeGreaterThan(analytic - 0.08);
    expect(wPower).toBeLessThan(tPower + 0.02);
  });
});

describe('multiplicity control by simulation (families of 10 paired t tests, n = 16, 3000 families)', () => {
  function families(seed: number, nullCount: number, effect: number) {
    const rng = createRng(seed);
    const result = { raw: 0, holm: 0, bonferroni: 0, bhFdp: 0, holmPower: 0, bhPower: 0 };
    const familiesCount = 3000;
    const m = 10;
    for (let f = 0; f < familiesCount; f++) {
      const p = Array.from({ length: m }, (_, i) => {
        const { x, y } = pairedDataset(rng, 16, i < nullCount ? 0 : effect, gaussian);
        return pairedT(x, y).p;
      });
      const isNull = (i: number) => i < nullCount;
      const anyFalse = (adjusted: number[]) => adjusted.some((q, i) => isNull(i) && q < ALPHA);
      const holm = pAdjust(p, 'holm');
      const bh = pAdjust(p, 'BH');
      if (anyFalse(p)) result.raw++;
      if (anyFalse(holm)) result.holm++;
      if (anyFalse(pAdjust(p, 'bonferroni'))) result.bonferroni++;
      const bhRejected = bh.map((q) => q < ALPHA);
      const rejections = bhRejected.filter(Boolean).length;
      const falseRejections = bhRejected.filter((r, i) => r && isNull(i)).length;
      result.bhFdp += rejections === 0 ? 0 : falseRejections / rejections;
      if (nullCount < m) {
        result.holmPower += holm.filter((q, i) => !isNull(i) && q < ALPHA).length / (m - nullCount);
        result.bhPower += bhRejected.filter((r, i) => r && !isNull(i)).length / (m - nullCount);
      }
    }
    return {
      rawFwer: result.raw / familiesCount,
      holmFwer: result.holm / familiesCount,
      bonferroniFwer: result.bonferroni / familiesCount,
      bhFdr: result.bhFdp / familiesCount,
      holmPower: result.holmPower / familiesCount,
      bhPower: result.bhPower / familiesCount,
    };
  }

  it('global null: Holm and Bonferroni keep FWER ≤ 0.06 and BH keeps FDR (= FWER here) ≤ 0.06; unadjusted tests do not', () => {
    const r = families(401, 10, 0);
    report(
      `global null, m = 10: FWER unadjusted ${r.rawFwer.toFixed(3)}, Holm ${r.holmFwer.toFixed(3)}, Bonferroni ${r.bonferroniFwer.toFixed(3)}; BH FDR ${r.bhFdr.toFixed(3)}`,
    );
    expect(r.rawFwer).toBeGreaterThan(0.3); // 1 − 0.95¹⁰ = 0.40
    expect(r.holmFwer).toBeLessThanOrEqual(0.06);
    expect(r.bonferroniFwer).toBeLessThanOrEqual(0.06);
    expect(r.bhFdr).toBeLessThanOrEqual(0.06);
  });

  it('5 nulls + 5 planted effects (d_z = 1): Holm FWER ≤ 0.06, BH FDR ≤ 0.05·5/10 + 0.01, BH at least as powerful as Holm', () => {
    const r = families(402, 5, 1);
    report(
      `5 null + 5 effects: FWER unadjusted ${r.rawFwer.toFixed(3)}, Holm ${r.holmFwer.toFixed(3)}; BH FDR ${r.bhFdr.toFixed(3)}; power Holm ${r.holmPower.toFixed(3)}, BH ${r.bhPower.toFixed(3)}`,
    );
    expect(r.holmFwer).toBeLessThanOrEqual(0.06);
    expect(r.bhFdr).toBeLessThanOrEqual(0.035);
    expect(r.bhPower).toBeGreaterThanOrEqual(r.holmPower);
    expect(r.rawFwer).toBeGreaterThan(r.holmFwer);
  });
});
