import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kendall, krippendorffAlphaNominal, pkendall, type Alternative } from '../../src/stats/index.js';

type KendallCase = {
  id: string;
  x: number[];
  y: number[];
  alternative: Alternative;
  exact: boolean | null;
  continuity: boolean;
  estimate: number;
  statistic: number;
  statistic_name: string;
  p: number;
};
const reference = JSON.parse(readFileSync(new URL('../reference/kendall-reference.json', import.meta.url), 'utf8')) as {
  tolerance: number;
  kendall: KendallCase[];
};

const relative = (a: number, e: number) => (e === 0 ? Math.abs(a) : Math.abs(a - e) / Math.abs(e));

describe("Kendall's tau against R's cor.test(method = 'kendall')", () => {
  it.each(reference.kendall.map((c) => [c.id, c] as const))('%s', (_, c) => {
    const r = kendall(c.x, c.y, { alternative: c.alternative, exact: c.exact ?? undefined, continuity: c.continuity });
    expect(relative(r.estimate, c.estimate)).toBeLessThan(reference.tolerance);
    expect(r.statisticName).toBe(c.statistic_name);
    expect(relative(r.statistic, c.statistic)).toBeLessThan(reference.tolerance);
    expect(relative(r.p, c.p)).toBeLessThan(reference.tolerance);
  });

  it("covers both of R's branches: the exact distribution and the tie-corrected normal approximation", () => {
    expect(new Set(reference.kendall.map((c) => c.statistic_name))).toEqual(new Set(['T', 'z']));
  });

  it('the exact distribution sums to one and is symmetric', () => {
    const n = 7;
    const max = (n * (n - 1)) / 2;
    expect(pkendall(max, n)).toBeCloseTo(1, 14);
    for (let q = 0; q < max; q++) expect(pkendall(q, n)).toBeCloseTo(1 - pkendall(max - q - 1, n), 14);
  });

  it('refuses a constant variable', () => {
    expect(() => kendall([1, 2, 3], [0, 0, 0])).toThrow(/y is constant/);
  });
});

/** Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", University of Pennsylvania, examples A–C. */
describe("Krippendorff's alpha (nominal) on the published examples", () => {
  const byUnit = (coders: (string | null)[][]) => coders[0].map((_, u) => coders.map((row) => row[u]).filter((v): v is string => v !== null));

  it('A: binary data, two observers, no missing data: α = 0.095', () => {
    const a = '0 1 0 0 0 0 0 0 1 0'.split(' ');
    const b = '1 1 1 0 0 1 0 0 0 0'.split(' ');
    expect(krippendorffAlphaNominal(byUnit([a, b])).alpha).toBeCloseTo(0.095, 3);
  });

  it('B: nominal data, two observers, no missing data: α = 0.692', () => {
    const a = 'a a b b d c c c e d d a'.split(' ');
    const b = 'b a b b b c c c e d d d'.split(' ');
    expect(krippendorffAlphaNominal(byUnit([a, b])).alpha).toBeCloseTo(0.692, 3);
  });

  it('C: nominal data, four observers, missing data: α = 0.743', () => {
    const row = (s: string) => s.split(' ').map((v) => (v === '.' ? null : v));
    const r = krippendorffAlphaNominal(
      byUnit([row('1 2 3 3 2 1 4 1 2 . . .'), row('1 2 3 3 2 2 4 1 2 5 . 3'), row('. 3 3 3 2 3 4 2 2 5 1 .'), row('1 2 3 3 2 4 4 1 2 5 1 .')]),
    );
    expect(r.alpha).toBeCloseTo(0.743, 3);
    expect(r.units).toBe(11); // the last unit has a single value and is not pairable
    expect(r.values).toBe(40);
  });

  it('is undefined, not 1, when every value is the same', () => {
    expect(
      krippendorffAlphaNominal([
        ['a', 'a'],
        ['a', 'a'],
      ]).alpha,
    ).toBeNaN();
  });
});
