import { describe, expect, it } from 'vitest';
import { mean, median, quantile, sd, se, StatsInputError, summarize, variance } from '../../src/stats/index.js';

describe('descriptives', () => {
  const values = [2, 4, 4, 4, 5, 5, 7, 9];
  it('mean, variance, SD and SE as R computes them', () => {
    expect(mean(values)).toBe(5);
    // R: var(c(2,4,4,4,5,5,7,9)) = 32/7
    expect(variance(values)).toBeCloseTo(32 / 7, 14);
    expect(sd(values)).toBeCloseTo(Math.sqrt(32 / 7), 14);
    expect(se(values)).toBeCloseTo(Math.sqrt(32 / 7 / 8), 14);
  });

  it('quantile uses R type 7 interpolation', () => {
    // R: quantile(c(1, 2, 3, 4), c(0.25, 0.9)) = 1.75, 3.7
    expect(quantile([4, 1, 3, 2], 0.25)).toBeCloseTo(1.75, 14);
    expect(quantile([4, 1, 3, 2], 0.9)).toBeCloseTo(3.7, 14);
    expect(median([5, 1, 3])).toBe(3);
    expect(median([5, 1, 3, 2])).toBe(2.5);
  });

  it('summarize reports NaN spread for a single value', () => {
    const d = summarize([3]);
    expect(d).toMatchObject({ n: 1, mean: 3, min: 3, max: 3, median: 3 });
    expect(d.sd).toBeNaN();
    expect(d.se).toBeNaN();
    expect(summarize(values)).toMatchObject({ n: 8, mean: 5, min: 2, max: 9, median: 4.5 });
  });

  it('names the argument and index of bad input', () => {
    expect(() => mean([])).toThrow(StatsInputError);
    expect(() => mean([1, Number.NaN])).toThrow('mean: values[1] must be a finite number, got NaN');
    expect(() => sd([1])).toThrow('sd: values needs at least 2 value(s), got 1');
    expect(() => quantile([1, 2], 1.5)).toThrow(/p must be in \[0, 1\]/);
  });
});
