import { describe, expect, it } from 'vitest';
import { createRng, embeddingMoments, frechetDistance, frechetDistanceFromMoments, vendiScore } from '../../src/stats/index.js';

function gaussianRows(seed: number, n: number, d: number, shift = 0, scale = 1): number[][] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => Array.from({ length: d }, () => shift + scale * rng.normal()));
}

describe('vendiScore', () => {
  it('is 1 for identical (or parallel) rows and n for orthogonal rows', () => {
    expect(
      vendiScore([
        [1, 2, 3],
        [1, 2, 3],
        [2, 4, 6],
      ]),
    ).toBeCloseTo(1, 10);
    const identity = [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ];
    expect(vendiScore(identity)).toBeCloseTo(4, 10);
  });

  it('counts k equal-sized groups of identical, mutually orthogonal rows as k', () => {
    const rows = [
      [1, 0, 0],
      [1, 0, 0],
      [0, 3, 0],
      [0, 3, 0],
      [0, 0, 2],
      [0, 0, 2],
    ];
    expect(vendiScore(rows)).toBeCloseTo(3, 10);
  });

  it('gives the same value through the n×n and d×d Gram matrices', () => {
    const tall = gaussianRows(1, 30, 4); // n > d: d×d path
    const wide = tall.map((r) => [...r, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // n ≤ d: n×n path
    expect(vendiScore(wide)).toBeCloseTo(vendiScore(tall), 10);
  });

  it('accepts typed-array rows and names bad rows', () => {
    expect(vendiScore([Float32Array.from([1, 0]), Float32Array.from([0, 1])])).toBeCloseTo(2, 6);
    expect(() =>
      vendiScore([
        [1, 0],
        [0, 0],
      ]),
    ).toThrow('vendiScore: rows[1] has zero length and cannot be normalised');
    expect(() =>
      vendiScore([
        [1, 0],
        [0, 1, 2],
      ]),
    ).toThrow('vendiScore: rows[1] has 3 dimensions, expected 2 like rows[0]');
    expect(() => vendiScore([])).toThrow(/at least 1 row/);
  });
});

describe('frechetDistance', () => {
  it('is 0 between a set and itself', () => {
    const a = gaussianRows(2, 40, 5);
    expect(frechetDistance(a, a)).toBeLessThan(1e-10);
  });

  it('known answer: a pure shift by δ adds exactly ‖δ‖²', () => {
    const a = gaussianRows(3, 50, 6);
    const delta = [0.5, -1, 0, 2, 0.1, 0];
    const b = a.map((r) => r.map((v, j) => v + delta[j]));
    expect(frechetDistance(a, b)).toBeCloseTo(
      delta.reduce((s, v) => s + v * v, 0),
      9,
    );
  });

  it('known answer: scaling a set by 2 about its mean gives tr Σ (Σ₂ = 4Σ₁, tr√(Σ₁Σ₂) = 2 tr Σ₁)', () => {
    const a = gaussianRows(4, 60, 5);
    const mean = a[0].map((_, j) => a.reduce((s, r) => s + r[j], 0) / a.length);
    const b = a.map((r) => r.map((v, j) => mean[j] + 2 * (v - mean[j])));
    let trace = 0;
    for (let j = 0; j < 5; j++) trace += a.reduce((s, r) => s + (r[j] - mean[j]) ** 2, 0) / (a.length - 1);
    expect(frechetDistance(a, b)).toBeCloseTo(trace, 9);
  });

  it('the data-span route (fewer rows than dimensions) equals the covariance route', () => {
    const a = gaussianRows(8, 12, 30);
    const b = gaussianRows(9, 20, 30, 0.2, 1.3);
    const viaMoments = frechetDistanceFromMoments(embeddingMoments(a), embeddingMoments(b));
    expect(frechetDistance(a, b)).toBeCloseTo(viaMoments, 9);
    expect(frechetDistance(b, a)).toBeCloseTo(viaMoments, 9);
  });

  it('is symmetric and names mismatched dimensions', () => {
    const a = gaussianRows(5, 20, 3);
    const b = gaussianRows(6, 25, 3, 0.3, 1.4);
    expect(frechetDistance(a, b)).toBeCloseTo(frechetDistance(b, a), 10);
    expect(() => frechetDistance(a, gaussianRows(7, 10, 4))).toThrow('frechetDistance: a has 3 dimensions but b has 4');
    expect(() => frechetDistance([[1, 2]], a)).toThrow(/at least 2 row/);
  });
});
