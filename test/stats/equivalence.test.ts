import { describe, expect, it } from 'vitest';
import { createRng, nonInferiority, tostPaired } from '../../src/stats/index.js';

function pairs(seed: number, n: number, shift: number, noise: number): { x: number[]; y: number[] } {
  const rng = createRng(seed);
  const y = Array.from({ length: n }, () => 0.5 + 0.1 * rng.normal());
  const x = y.map((v) => v + shift + noise * rng.normal());
  return { x, y };
}

describe('tostPaired', () => {
  it('declares equivalence for a planted zero effect with a wide margin, and not with a tight one', () => {
    const { x, y } = pairs(1, 40, 0, 0.02);
    const wide = tostPaired(x, y, { margin: 0.02 });
    expect(wide.equivalent).toBe(true);
    expect(wide.ci!.low).toBeGreaterThan(-0.02);
    expect(wide.ci!.high).toBeLessThan(0.02);
    expect(wide.ci!.level).toBeCloseTo(0.9, 15);
    expect(tostPaired(x, y, { margin: 0.001 }).equivalent).toBe(false);
  });

  it('does not declare equivalence for a planted effect larger than the margin', () => {
    const { x, y } = pairs(2, 40, 0.05, 0.02);
    expect(tostPaired(x, y, { margin: 0.02 }).equivalent).toBe(false);
    expect(tostPaired(x, y, { margin: 0.02, test: 'wilcoxon' }).equivalent).toBe(false);
  });

  it('p is the larger of the two one-sided p-values; its decision matches the 90% CI lying inside the bounds', () => {
    const { x, y } = pairs(3, 25, 0.004, 0.02);
    const r = tostPaired(x, y, { margin: { lower: -0.015, upper: 0.01 } });
    expect(r.p).toBe(Math.max(r.lowerTest.p, r.upperTest.p));
    expect(r.lowerTest.alternative).toBe('greater');
    expect(r.upperTest.alternative).toBe('less');
    expect(r.equivalent).toBe(r.ci!.low > -0.015 && r.ci!.high < 0.01);
  });

  it('rejects invalid margins', () => {
    const { x, y } = pairs(4, 10, 0, 0.1);
    expect(() => tostPaired(x, y, { margin: -1 })).toThrow('tostPaired: margin must be a finite number > 0, got -1');
    expect(() => tostPaired(x, y, { margin: { lower: 1, upper: -1 } })).toThrow(/lower < upper/);
    expect(() => tostPaired(x, y, { margin: 0.1, test: 'z' as never })).toThrow(/test must be/);
  });
});

describe('nonInferiority', () => {
  it('a new model slightly worse but within the margin is non-inferior; one far worse is not', () => {
    const close = pairs(5, 30, -0.005, 0.01);
    expect(nonInferiority(close.x, close.y, { margin: 0.02 }).nonInferior).toBe(true);
    const worse = pairs(6, 30, -0.05, 0.01);
    expect(nonInferiority(worse.x, worse.y, { margin: 0.02 }).nonInferior).toBe(false);
    expect(nonInferiority(worse.x, worse.y, { margin: 0.02, test: 'wilcoxon' }).nonInferior).toBe(false);
  });

  it('respects the direction of the metric', () => {
    // x is larger: fine when higher is better, inferior when lower is better (e.g. a distance).
    const up = pairs(7, 30, 0.05, 0.01);
    expect(nonInferiority(up.x, up.y, { margin: 0.01 }).nonInferior).toBe(true);
    expect(nonInferiority(up.x, up.y, { margin: 0.01, higherIsBetter: false }).nonInferior).toBe(false);
  });
});
