import { describe, expect, it } from 'vitest';
import { spearman, spearmanExactCounts } from '../../src/stats/index.js';

describe('spearman exact distribution', () => {
  it('n = 3: S takes 0, 2, 6, 8 with counts 1, 2, 2, 1', () => {
    const c = spearmanExactCounts(3);
    expect([c[0], c[2], c[6], c[8]]).toEqual([1, 2, 2, 1]);
    expect(c.reduce((s, v) => s + v, 0)).toBe(6);
  });
  it('covers all n! permutations for n = 9', () => {
    expect(spearmanExactCounts(9).reduce((s, v) => s + v, 0)).toBe(362880);
  });
});

describe('spearman', () => {
  const x = [3.1, 1.2, 4.4, 2.0, 5.9, 6.3, 0.7, 8.8];
  const y = [2.2, 0.9, 3.5, 3.0, 4.1, 7.7, 1.1, 6.0];

  it('rho is the Pearson correlation of the ranks, and the result names its method', () => {
    const r = spearman(x, y);
    expect(r.rho).toBeCloseTo(0.9285714285714286, 14); // 1 − 6·6/(8·63)
    expect(r.pMethod).toBe('exact permutation');
    expect(r.exact).toBe(true);
    expect(r.statistic).toBeCloseTo(6, 10);
  });

  it('a seeded Monte-Carlo permutation p is reproducible and close to the exact p', () => {
    const exact = spearman(x, y, { alternative: 'greater' });
    const mc = spearman(x, y, { alternative: 'greater', permutations: 20000, seed: 9 });
    expect(mc.pMethod).toBe('Monte Carlo permutation');
    expect(mc.p).toBe(spearman(x, y, { alternative: 'greater', permutations: 20000, seed: 9 }).p);
    expect(Math.abs(mc.p - exact.p)).toBeLessThan(0.002);
    const mcTwo = spearman(x, y, { permutations: 20000, seed: 9 });
    expect(Math.abs(mcTwo.p - spearman(x, y).p)).toBeLessThan(0.003);
  });

  it('warns and uses the t approximation with ties', () => {
    const r = spearman([1, 2, 2, 3, 4], [2, 1, 3, 5, 4]);
    expect(r.pMethod).toBe('t approximation');
    expect(r.ties).toBe(true);
    expect(r.warning).toMatch(/ties/);
  });

  it('names constant input', () => {
    expect(() => spearman([1, 1, 1], [1, 2, 3])).toThrow("spearman: x is constant; Spearman's rho is undefined");
    expect(() => spearman([1, 2, 3], [1, 2])).toThrow('spearman: x and y must have the same length (got 3 and 2)');
  });
});
