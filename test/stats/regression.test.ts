import { describe, expect, it } from 'vitest';
import { createRng, doseResponse, olsSimple } from '../../src/stats/index.js';

describe('olsSimple', () => {
  it('recovers an exact line with zero standard errors', () => {
    const r = olsSimple([0, 1, 2, 3], [1, 3, 5, 7]);
    expect(r.slope.estimate).toBeCloseTo(2, 14);
    expect(r.intercept.estimate).toBeCloseTo(1, 14);
    expect(r.sigma).toBeCloseTo(0, 14);
    expect(r.rSquared).toBeCloseTo(1, 14);
  });

  it('names degenerate input', () => {
    expect(() => olsSimple([1, 1, 1], [1, 2, 3])).toThrow('olsSimple: x has no variation (all values 1); the slope is undefined');
    expect(() => olsSimple([1, 2], [1, 2])).toThrow('olsSimple: x needs at least 3 value(s), got 2');
  });
});

describe('doseResponse', () => {
  it('known answer: level means, trapezoid AUC and best weight on a planted curve', () => {
    // means 0.1 at w=0, 0.5 at w=0.5, 0.4 at w=1 (two observations per level)
    const weights = [0, 0, 0.5, 0.5, 1, 1];
    const values = [0.05, 0.15, 0.45, 0.55, 0.3, 0.5];
    const r = doseResponse(weights, values);
    expect(r.levels.map((l) => l.weight)).toEqual([0, 0.5, 1]);
    expect(r.levels.map((l) => l.mean)).toEqual([0.1, 0.5, 0.4].map((v) => expect.closeTo(v, 14)));
    expect(r.auc).toBeCloseTo((0.5 * (0.1 + 0.5)) / 2 + (0.5 * (0.5 + 0.4)) / 2, 14);
    expect(r.meanHeight).toBeCloseTo(r.auc, 14);
    expect(r.bestWeight).toBe(0.5);
    expect(r.bestMean).toBeCloseTo(0.5, 14);
    expect(r.slope.estimate).toBeCloseTo(olsSimple(weights, values).slope.estimate, 15);
  });

  it('with clusters, adds a cluster-bootstrap CI of the slope that covers the planted slope', () => {
    const rng = createRng(12);
    const weights: number[] = [];
    const values: number[] = [];
    const clusters: string[] = [];
    for (let p = 0; p < 30; p++) {
      const promptEffect = 0.3 * rng.normal();
      for (const w of [0, 0.65, 1]) {
        weights.push(w);
        values.push(0.2 + 0.5 * w + promptEffect + 0.05 * rng.normal());
        clusters.push(`prompt-${p}`);
      }
    }
    const r = doseResponse(weights, values, { clusters, bootstrap: { reps: 1000, seed: 4 } });
    expect(r.slopeBootstrap).toBeDefined();
    expect(r.slopeBootstrap!.low).toBeLessThan(0.5);
    expect(r.slopeBootstrap!.high).toBeGreaterThan(0.5);
    expect(r.slopeBootstrap!.units).toBe(30);
    // The prompt effect cancels within prompts, so the cluster interval is much narrower than OLS's.
    expect(r.slopeBootstrap!.high - r.slopeBootstrap!.low).toBeLessThan(r.slope.ci.high - r.slope.ci.low);
  });

  it('needs at least two distinct weights', () => {
    expect(() => doseResponse([1, 1, 1], [1, 2, 3])).toThrow('doseResponse: needs at least 2 distinct weights, got 1');
  });
});
