import { describe, expect, it } from 'vitest';
import { createRng, deriveSeed, xoshiro128ss } from '../../src/stats/index.js';

describe('xoshiro128** core', () => {
  it('matches the reference C implementation on state [1, 2, 3, 4]', () => {
    const next = xoshiro128ss([1, 2, 3, 4]);
    expect([next(), next(), next(), next(), next(), next()]).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });
  it('matches the reference C implementation after 1000 steps from a high-bit state', () => {
    const next = xoshiro128ss([0xdeadbeef, 0x12345678, 0xffffffff, 0x80000000]);
    for (let i = 0; i < 1000; i++) next();
    expect(next()).toBe(4243292497);
  });
  it('rejects the all-zero state', () => {
    expect(() => xoshiro128ss([0, 0, 0, 0])).toThrow(/all zero/);
  });
});

describe('createRng', () => {
  it('is reproducible for the same seed and differs between seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const sa = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(sa);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(sa);
    expect(createRng('prompt:portrait').next()).toBe(createRng('prompt:portrait').next());
    expect(createRng('a').next()).not.toBe(createRng('b').next());
  });

  it('keeps large integer seeds apart (high bits matter)', () => {
    expect(createRng(2 ** 40).next()).not.toBe(createRng(0).next());
  });

  it('rejects seeds that are not safe integers or strings', () => {
    expect(() => createRng(1.5)).toThrow(/seed/);
    expect(() => createRng(Number.NaN)).toThrow(/seed/);
  });

  it('gives uniform doubles in [0, 1) (chi-square over 20 bins)', () => {
    const rng = createRng(7);
    const bins = new Array(20).fill(0);
    const draws = 100_000;
    let outside = 0;
    for (let i = 0; i < draws; i++) {
      const u = rng.next();
      if (!(u >= 0 && u < 1)) outside++;
      else bins[Math.floor(u * 20)]++;
    }
    expect(outside).toBe(0);
    const expected = draws / 20;
    const chi2 = bins.reduce((s, o) => s + (o - expected) ** 2 / expected, 0);
    // 19 df: P(χ² > 43.8) = 0.001
    expect(chi2).toBeLessThan(43.8);
  });

  it('int(n) stays in range and is unbiased for a non-power-of-two n', () => {
    const rng = createRng(11);
    const counts = new Array(7).fill(0);
    for (let i = 0; i < 70_000; i++) counts[rng.int(7)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400); // ~4 SD
    expect(() => rng.int(0)).toThrow(/integer/);
    expect(() => rng.int(2.5)).toThrow(/integer/);
  });

  it('normal() has mean 0 and variance 1', () => {
    const rng = createRng(3);
    let s = 0;
    let s2 = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      s += z;
      s2 += z * z;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.015);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.02);
  });

  it('deriveSeed gives stable, label-specific sub-seeds', () => {
    expect(deriveSeed(1, 'cell:a')).toBe(deriveSeed(1, 'cell:a'));
    expect(deriveSeed(1, 'cell:a')).not.toBe(deriveSeed(1, 'cell:b'));
    expect(deriveSeed(1, 'x')).not.toBe(deriveSeed('1', 'x'));
  });
});
