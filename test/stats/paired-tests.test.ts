import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cohensDz, comparePaired, oneSampleT, pairedT, rankBiserial, wilcoxonSignedRank, wilcoxonSignedRankOneSample } from '../../src/stats/index.js';

const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];

describe('wilcoxonSignedRank', () => {
  it('known answer: R wilcox.test(x, y, paired = TRUE) on the depression data of ?wilcox.test gives V = 40, p = 0.03906', () => {
    const r = wilcoxonSignedRank(x, y);
    expect(r.statistic).toBe(40);
    expect(r.p).toBeCloseTo(0.0390625, 12);
    expect(r.exact).toBe(true);
    expect(wilcoxonSignedRank(x, y, { alternative: 'greater' }).p).toBeCloseTo(0.01953125, 12);
  });

  it('V(x, y) + V(y, x) = n(n + 1)/2 and the two one-sided p-values swap', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: -50, max: 50 }), fc.integer({ min: -50, max: 50 })), { minLength: 2, maxLength: 40 }), (pairs) => {
        const a = pairs.map((p) => p[0] / 10);
        const b = pairs.map((p) => p[1] / 10);
        if (a.every((v, i) => v === b[i])) return;
        const r1 = wilcoxonSignedRank(a, b);
        const r2 = wilcoxonSignedRank(b, a);
        expect(r1.statistic + r2.statistic).toBeCloseTo((r1.n * (r1.n + 1)) / 2, 9);
        expect(r1.pValues.less).toBeCloseTo(r2.pValues.greater, 12);
        expect(r1.pValues['two.sided']).toBeLessThanOrEqual(1);
        expect(r1.pValues['two.sided']).toBeCloseTo(r2.pValues['two.sided'], 12);
      }),
    );
  });

  it('drops zero differences and reports them', () => {
    const r = wilcoxonSignedRank([1, 2, 3, 4, 5], [1, 2, 1, 1, 1]);
    expect(r.zeros).toBe(2);
    expect(r.n).toBe(3);
    expect(r.exact).toBe(false);
    expect(r.method).toBe('Wilcoxon signed rank test with continuity correction');
  });

  it('shifts by mu before dropping zeros, as R does', () => {
    const r = wilcoxonSignedRankOneSample([0.5, 1.5, 2.5, 0.5], { mu: 0.5 });
    expect(r.zeros).toBe(2);
    expect(r.statistic).toBe(3); // ranks of 1 and 2 both positive
  });

  it('gives clear errors for bad input', () => {
    expect(() => wilcoxonSignedRank([1, 2], [1])).toThrow('wilcoxonSignedRank: x and y must have the same length (got 2 and 1)');
    expect(() => wilcoxonSignedRank([1, Number.NaN], [1, 2])).toThrow('wilcoxonSignedRank: x[1] must be a finite number, got NaN');
    expect(() => wilcoxonSignedRank([1, 2], [1, 2])).toThrow(/every difference equals mu/);
    expect(() => wilcoxonSignedRank([1, 2], [0, 1], { alternative: 'bigger' as never })).toThrow(/alternative must be one of/);
    expect(() => wilcoxonSignedRank([1, 2], [0, 1], { mu: Number.POSITIVE_INFINITY })).toThrow(/mu must be a finite number/);
  });
});

describe('pairedT', () => {
  it('known answer: the same data give t = 3.0354, df = 8, p = 0.01618 (R t.test)', () => {
    const r = pairedT(x, y);
    expect(r.statistic).toBeCloseTo(3.03537541565, 10);
    expect(r.df).toBe(8);
    expect(r.p).toBeCloseTo(0.01617662743, 10);
    expect(r.estimate).toBeCloseTo(0.43188888889, 10);
    expect(r.ci.low).toBeCloseTo(0.10377871227, 10);
    expect(r.ci.high).toBeCloseTo(0.75999906551, 10);
  });

  it('oneSampleT on the differences gives the same test under its own name', () => {
    const one = oneSampleT(
      x.map((v, i) => v - y[i]),
      { mu: 0.1 },
    );
    const paired = pairedT(x, y, { mu: 0.1 });
    expect(one.method).toBe('One Sample t-test');
    expect(paired.method).toBe('Paired t-test');
    expect(one.p).toBeCloseTo(paired.p, 15);
  });

  it('one-sided intervals are unbounded on one side', () => {
    expect(pairedT(x, y, { alternative: 'greater' }).ci.high).toBe(Infinity);
    expect(pairedT(x, y, { alternative: 'less' }).ci.low).toBe(-Infinity);
  });

  it('refuses constant differences and too few pairs, as R does', () => {
    expect(() => pairedT([1, 2, 3], [0, 1, 2])).toThrow(/essentially constant/);
    expect(() => pairedT([1], [0])).toThrow('pairedT: x needs at least 2 value(s), got 1');
    expect(() => pairedT(x, y, { level: 1 })).toThrow(/level must be a number strictly between 0 and 1/);
  });
});

describe('effect sizes', () => {
  it("Cohen's d_z = mean(d)/sd(d)", () => {
    // d = 1, 2, 3, 4: mean 2.5, sd √(5/3)
    expect(cohensDz([2, 4, 6, 8], [1, 2, 3, 4])).toBeCloseTo(2.5 / Math.sqrt(5 / 3), 14);
    expect(cohensDz([1, 2], [1, 2])).toBe(0);
    expect(cohensDz([2, 3], [1, 2])).toBe(Infinity);
  });

  it('rank-biserial r = (T+ − T−)/(T+ + T−) with zeros dropped', () => {
    // d = 1, −2, 3, 0: ranks of |d| among non-zero 1, 2, 3 → T+ = 4, T− = 2 → r = 1/3
    expect(rankBiserial([1, -2, 3, 5], [0, 0, 0, 5])).toBeCloseTo(1 / 3, 15);
    expect(rankBiserial([2, 3], [1, 1])).toBe(1);
    expect(rankBiserial([0, 1], [1, 2])).toBe(-1);
    expect(rankBiserial([1, 1], [1, 1])).toBe(0);
  });

  it('rank-biserial agrees with the Wilcoxon V: r = 2V/(n(n+1)/2) − 1', () => {
    const v = wilcoxonSignedRank(x, y).statistic;
    const n = x.length;
    expect(rankBiserial(x, y)).toBeCloseTo((2 * v) / ((n * (n + 1)) / 2) - 1, 14);
  });
});

describe('comparePaired', () => {
  it('bundles both tests and the effect sizes for one comparison', () => {
    const r = comparePaired(x, y);
    expect(r.n).toBe(9);
    expect(r.meanDifference).toBeCloseTo(0.43188888889, 10);
    expect(r.t!.p).toBeCloseTo(0.01617662743, 10);
    expect(r.wilcoxon!.p).toBeCloseTo(0.0390625, 12);
    expect(r.ci).toEqual(r.t!.ci);
    expect(r.cohensDz).toBeCloseTo(cohensDz(x, y), 15);
    expect(r.rankBiserial).toBeCloseTo(rankBiserial(x, y), 15);
    expect(r.note).toBeUndefined();
  });

  it('turns degenerate data into null tests with a note rather than an error', () => {
    const same = comparePaired([0.3, 0.5, 0.7], [0.3, 0.5, 0.7]);
    expect(same.t).toBeNull();
    expect(same.wilcoxon).toBeNull();
    expect(same.cohensDz).toBe(0);
    expect(same.note).toMatch(/essentially constant.*every difference equals mu/);
    const shifted = comparePaired([1.5, 2.5, 3.5], [1, 2, 3]);
    expect(shifted.t).toBeNull();
    expect(shifted.wilcoxon!.statistic).toBe(6);
    expect(() => comparePaired([1, 2, 3], [1, 2])).toThrow(/same length/);
  });
});
