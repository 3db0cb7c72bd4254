import { StatsInputError } from './errors.js';

export interface KrippendorffResult {
  /** α = 1 − observed / expected disagreement; NaN when every pairable value is the same (no variation to agree on). */
  alpha: number;
  /** Units with at least two values (the pairable ones). */
  units: number;
  /** Values in pairable units. */
  values: number;
  observedDisagreement: number;
  expectedDisagreement: number;
}

/**
 * Krippendorff's α for nominal data (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability"): each unit
 * lists the values its coders gave (missing values left out, any number of coders); units with fewer than two
 * values are not pairable and do not count. Built on the coincidence matrix.
 */
export function krippendorffAlphaNominal(units: ReadonlyArray<ReadonlyArray<string>>): KrippendorffResult {
  const coincidence = new Map<string, Map<string, number>>();
  let pairable = 0;
  for (const values of units) {
    const m = values.length;
    if (m < 2) continue;
    pairable++;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) {
        if (i === j) continue;
        const row = coincidence.get(values[i]) ?? new Map<string, number>();
        row.set(values[j], (row.get(values[j]) ?? 0) + 1 / (m - 1));
        coincidence.set(values[i], row);
      }
    }
  }
  if (pairable === 0) throw new StatsInputError('krippendorffAlphaNominal: no unit has two or more values');
  const marginals = new Map<string, number>();
  let n = 0;
  let disagreeing = 0;
  for (const [c, row] of coincidence) {
    for (const [k, o] of row) {
      marginals.set(c, (marginals.get(c) ?? 0) + o);
      n += o;
      if (c !== k) disagreeing += o;
    }
  }
  let expectedPairs = 0;
  for (const [c, nc] of marginals) for (const [k, nk] of marginals) if (c !== k) expectedPairs += nc * nk;
  const observedDisagreement = disagreeing / n;
  const expectedDisagreement = expectedPairs / (n * (n - 1));
  return {
    alpha: expectedDisagreement === 0 ? NaN : 1 - observedDisagreement / expectedDisagreement,
    units: pairable,
    values: Math.round(n),
    observedDisagreement,
    expectedDisagreement,
  };
}
