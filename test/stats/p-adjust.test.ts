import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pAdjust } from '../../src/stats/index.js';

const pValues = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 30 });

describe('pAdjust properties', () => {
  it('adjusted p-values lie in [p, 1] and keep the order of the raw p-values', () => {
    fc.assert(
      fc.property(pValues, fc.constantFrom('holm', 'hochberg', 'BH', 'BY', 'bonferroni' as const), (p, method) => {
        const adj = pAdjust(p, method);
        adj.forEach((a, i) => {
          expect(a).toBeGreaterThanOrEqual(p[i]);
          expect(a).toBeLessThanOrEqual(1);
          p.forEach((q, j) => {
            if (p[i] < q) expect(a).toBeLessThanOrEqual(adj[j]);
          });
        });
      }),
    );
  });

  it('BH ≤ Hochberg ≤ Holm ≤ Bonferroni', () => {
    fc.assert(
      fc.property(pValues, (p) => {
        const bh = pAdjust(p, 'BH');
        const hoch = pAdjust(p, 'hochberg');
        const holm = pAdjust(p, 'holm');
        const bonf = pAdjust(p, 'bonferroni');
        p.forEach((_, i) => {
          expect(bh[i]).toBeLessThanOrEqual(hoch[i] + 1e-15);
          expect(hoch[i]).toBeLessThanOrEqual(holm[i] + 1e-15);
          expect(holm[i]).toBeLessThanOrEqual(bonf[i] + 1e-15);
        });
      }),
    );
  });

  it('keeps NaN (R NA) in place and leaves it out of the family size', () => {
    expect(pAdjust([0.01, Number.NaN, 0.04], 'bonferroni')).toEqual([0.02, Number.NaN, 0.08]);
  });

  it('defaults to Holm and rejects bad input with the index', () => {
    expect(pAdjust([0.01, 0.04, 0.03])).toEqual(pAdjust([0.01, 0.04, 0.03], 'holm'));
    expect(() => pAdjust([0.2, 1.5])).toThrow('pAdjust: p[1] must be a probability in [0, 1], got 1.5');
    expect(() => pAdjust([0.2], 'fdr' as never)).toThrow(/method must be one of/);
    expect(() => pAdjust([0.2, 0.3], 'holm', 1)).toThrow(/n must be an integer/);
  });
});
