import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dnorm, dt, incompleteBeta, logBeta, logGamma, pnorm, pt, qnorm, qt, signedRankCounts } from '../../src/stats/index.js';

describe('special functions', () => {
  it('logGamma at known points', () => {
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 14);
    expect(logGamma(1)).toBeCloseTo(0, 14);
    expect(logGamma(11)).toBeCloseTo(Math.log(3628800), 13);
    // ln Γ(100.5) from the duplication formula is awkward; use ln(99!) = ln Γ(100)
    let ln99 = 0;
    for (let k = 2; k <= 99; k++) ln99 += Math.log(k);
    expect(Math.abs(logGamma(100) - ln99) / ln99).toBeLessThan(1e-15);
  });

  it('logBeta(a, b) = lnΓ(a) + lnΓ(b) − lnΓ(a + b), including the large-argument branches', () => {
    for (const [a, b] of [
      [0.5, 3],
      [2.5, 12],
      [15, 40],
      [0.5, 2000],
    ]) {
      expect(logBeta(a, b)).toBeCloseTo(logGamma(a) + logGamma(b) - logGamma(a + b), 11);
    }
    expect(logBeta(1, 1)).toBeCloseTo(0, 14);
  });

  it('incompleteBeta: I_x(1, 1) = x and I_x(a, 1) = x^a, with tails summing to 1', () => {
    for (const x of [0.01, 0.3, 0.77, 0.999]) {
      const u = incompleteBeta(x, 1 - x, 1, 1);
      expect(u.lower).toBeCloseTo(x, 14);
      const p = incompleteBeta(x, 1 - x, 3.5, 1);
      expect(p.lower).toBeCloseTo(x ** 3.5, 14);
      expect(p.lower + p.upper).toBeCloseTo(1, 15);
    }
  });
});

describe('normal distribution', () => {
  it('qnorm inverts pnorm over both tails', () => {
    fc.assert(
      fc.property(fc.double({ min: -37, max: 37, noNaN: true }), (x) => {
        const p = pnorm(x);
        const back = x < 0 ? qnorm(p) : qnorm(pnorm(x, false), false);
        expect(Math.abs(back - x)).toBeLessThan(1e-9 * Math.max(1, Math.abs(x)));
      }),
    );
  });
  it('is symmetric and has the right density', () => {
    expect(pnorm(0)).toBe(0.5);
    expect(pnorm(-1.3)).toBeCloseTo(pnorm(1.3, false), 16);
    expect(dnorm(0)).toBeCloseTo(1 / Math.sqrt(2 * Math.PI), 15);
    expect(qnorm(0)).toBe(-Infinity);
    expect(qnorm(1)).toBe(Infinity);
    expect(qnorm(1.2)).toBeNaN();
  });
});

describe('t distribution', () => {
  it('qt inverts pt for df from 1 to 1000', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-8, max: 1 - 1e-8, noNaN: true }), fc.constantFrom(1, 2, 3, 5.5, 9, 30, 1000), (p, df) => {
        const x = qt(p, df);
        expect(Math.abs(pt(x, df) - p) / Math.min(p, 1 - p)).toBeLessThan(1e-9);
      }),
    );
  });
  it('t(1) is the Cauchy distribution and t(∞) the normal', () => {
    expect(pt(1, 1)).toBeCloseTo(0.75, 14);
    expect(qt(0.975, 1)).toBeCloseTo(Math.tan(Math.PI * 0.475), 12);
    expect(dt(0, 1)).toBeCloseTo(1 / Math.PI, 14);
    expect(pt(1.7, Infinity)).toBe(pnorm(1.7));
  });
  it('the density integrates to the CDF difference (Simpson, df = 4)', () => {
    const a = -1.2;
    const b = 2.3;
    const steps = 2000;
    const h = (b - a) / steps;
    let s = dt(a, 4) + dt(b, 4);
    for (let i = 1; i < steps; i++) s += (i % 2 ? 4 : 2) * dt(a + i * h, 4);
    expect((s * h) / 3).toBeCloseTo(pt(b, 4) - pt(a, 4), 12);
  });
  it('rejects df ≤ 0', () => {
    expect(() => pt(1, 0)).toThrow(/df must be > 0/);
  });
});

describe('signed-rank distribution', () => {
  it('counts subsets by sum: n = 3 gives 1,1,1,2,1,1,1 and the counts total 2^n', () => {
    expect(Array.from(signedRankCounts(3))).toEqual([1, 1, 1, 2, 1, 1, 1]);
    const c = signedRankCounts(30);
    expect(c.reduce((s, v) => s + v, 0)).toBe(2 ** 30);
  });
});
