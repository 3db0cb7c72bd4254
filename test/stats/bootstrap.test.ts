import { describe, expect, it } from 'vitest';
import { bootstrapCI, clusterBootstrap, clusterBootstrapCI, pairedBootstrapCI } from '../../src/stats/index.js';

describe('clusterBootstrapCI', () => {
  it('known answer: two equal clusters {0,0} and {1,1} give replicate means 0, ½, 1 with probabilities ¼, ½, ¼', () => {
    const r = clusterBootstrapCI([0, 0, 1, 1], ['a', 'a', 'b', 'b'], { reps: 20000, seed: 5 });
    expect(r.estimate).toBe(0.5);
    expect(r.low).toBe(0);
    expect(r.high).toBe(1);
    expect(r.se).toBeCloseTo(Math.sqrt(1 / 8), 2);
    expect(r.units).toBe(2);
  });

  it('is reproducible with a seed and changes with the seed', () => {
    const values = [0.2, 0.4, 0.1, 0.9, 0.5, 0.3, 0.8, 0.7];
    const clusters = ['p1', 'p1', 'p2', 'p2', 'p3', 'p3', 'p4', 'p4'];
    const a = clusterBootstrapCI(values, clusters, { seed: 'cell-1' });
    expect(clusterBootstrapCI(values, clusters, { seed: 'cell-1' })).toEqual(a);
    expect(clusterBootstrapCI(values, clusters, { seed: 'cell-2' }).se).not.toBe(a.se);
    expect(a.low).toBeLessThanOrEqual(a.estimate);
    expect(a.high).toBeGreaterThanOrEqual(a.estimate);
    expect(a).toMatchObject({ reps: 2000, level: 0.95, units: 4, dropped: 0 });
  });

  it('the fast mean path and the general statistic path agree on the same stream', () => {
    const values = [1, 5, 2, 8, 3, 3, 9, 4, 7];
    const clusters = ['a', 'a', 'b', 'c', 'c', 'c', 'd', 'e', 'e'];
    const fast = clusterBootstrapCI(values, clusters, { seed: 3, reps: 500 });
    const general = clusterBootstrapCI(values, clusters, {
      seed: 3,
      reps: 500,
      statistic: (v) => v.reduce((s, x) => s + x, 0) / v.length,
    });
    expect(general.low).toBeCloseTo(fast.low, 12);
    expect(general.high).toBeCloseTo(fast.high, 12);
    expect(general.se).toBeCloseTo(fast.se, 12);
  });

  it('zero width when every cluster has the same mean', () => {
    const r = clusterBootstrapCI([1, 3, 2, 2, 0, 4], ['a', 'a', 'b', 'b', 'c', 'c'], { reps: 200 });
    expect(r.low).toBeCloseTo(2, 14);
    expect(r.high).toBeCloseTo(2, 14);
  });

  it('names bad input', () => {
    expect(() => clusterBootstrapCI([1, 2], ['a'])).toThrow('clusterBootstrapCI: values and clusters must have the same length (got 2 and 1)');
    expect(() => clusterBootstrapCI([1, 2], ['a', 'b'], { reps: 0 })).toThrow(/reps must be a positive integer/);
    expect(() => clusterBootstrapCI([1, 2], ['a', 'b'], { level: 95 })).toThrow(/level must be a number strictly between 0 and 1/);
  });
});

describe('clusterBootstrap with any statistic', () => {
  it('counts replicates whose statistic is undefined', () => {
    // A slope needs two x levels; resamples that draw the same cluster twice have one (P = ½).
    const items = [
      { x: 0, y: 0 },
      { x: 0, y: 1 },
      { x: 0, y: 2 },
      { x: 1, y: 3 },
    ];
    const r = clusterBootstrap(
      items,
      ['flat', 'flat', 'flat', 'step'],
      (s) => {
        const xs = new Set(s.map((p) => p.x));
        return xs.size < 2 ? NaN : 1;
      },
      { reps: 400, seed: 1 },
    );
    expect(r.dropped).toBeGreaterThan(160); // 400 · ½ ± 4 SD
    expect(r.dropped).toBeLessThan(240);
    expect(r.estimate).toBe(1);
  });
});

describe('plain bootstrap', () => {
  it('bootstrapCI of the mean approximates the t interval for normal-ish data', () => {
    const values = [4.1, 5.3, 3.8, 6.0, 5.1, 4.7, 5.5, 4.9, 5.8, 4.4, 5.0, 5.2, 4.6, 5.4, 4.8, 5.6];
    const r = bootstrapCI(values, { reps: 4000, seed: 2 });
    expect(r.units).toBe(values.length);
    const m = values.reduce((s, v) => s + v, 0) / values.length;
    const s = Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1));
    expect(r.se).toBeGreaterThan(0.8 * (s / 4));
    expect(r.se).toBeLessThan(1.1 * (s / 4));
  });

  it('pairedBootstrapCI resamples pairs and centres on the mean difference', () => {
    const x = [1.2, 2.3, 3.1, 4.8, 5.0];
    const y = [1.0, 2.0, 3.0, 4.0, 5.0];
    const r = pairedBootstrapCI(x, y, { seed: 8 });
    expect(r.estimate).toBeCloseTo(0.28, 14);
    expect(r.low).toBeGreaterThanOrEqual(0);
    expect(r.high).toBeLessThanOrEqual(0.8);
  });
});
