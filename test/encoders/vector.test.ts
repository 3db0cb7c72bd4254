import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dot, dotOfDifferences, subtract } from '../../src/encoders/vector.js';

describe('dotOfDifferences', () => {
  it('equals dot(subtract(a, b), subtract(c, d)) to the last bit, for float32 and float64 rows', () => {
    const row = (n: number) => fc.array(fc.float({ noNaN: true, noDefaultInfinity: true, min: -10, max: 10 }), { minLength: n, maxLength: n });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }).chain((n) => fc.tuple(row(n), row(n), row(n), row(n), fc.boolean())),
        ([a, b, c, d, wide]) => {
          const [x, y, z] = [a, b, d].map((v) => Float32Array.from(v));
          const w = wide ? Float64Array.from(c, (v) => v / 3) : Float32Array.from(c);
          expect(Object.is(dotOfDifferences(x, y, w, z), dot(subtract(x, y), subtract(w, z)))).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('refuses rows of different lengths, like dot', () => {
    const [a, b] = [new Float32Array(3), new Float32Array(4)];
    expect(() => dotOfDifferences(a, a, a, b)).toThrow(RangeError);
    expect(() => dotOfDifferences(a, b, a, a)).toThrow(RangeError);
    expect(() => dotOfDifferences(a, a, b, b)).toThrow(RangeError);
  });
});
