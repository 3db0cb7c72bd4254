import { describe, expect, it } from 'vitest';
import { MIN_STYLE_AXIS_FRACTION, styleRetention } from '../../metrics/style_retention.js';
import type { MetricContext } from '../../metrics/types.js';

const f32 = (...v: number[]) => Float32Array.from(v);

function context(native: number[], image: number[], median?: number): MetricContext {
  return {
    clip: {
      model: 'clip',
      image: f32(...image),
      native: f32(...native),
      promptText: f32(1, 0, 0),
      references: [],
      styleCentroid: Float64Array.from([1, 0, 0]),
      medianStyleAxisLength: median,
    },
  } as unknown as MetricContext;
}

describe('style_retention', () => {
  it('projects the shift onto the style axis: halfway along it is 0.5', () => {
    const result = styleRetention.compute(context([0, 1, 0], [0.5, 0.5, 0], Math.SQRT2));
    expect(result).toEqual({ values: [{ metric: 'style_retention', value: 0.5 }] });
  });

  it('is unavailable, with the reason, when the axis is shorter than a tenth of the median (no values like −2.3)', () => {
    // weight-0 image almost on the style centroid: axis length 0.05 against a median of 1
    const native = [0.95, 0.05, 0];
    const image = [0.9, 0.2, 0]; // a small wobble that would read as a large negative retention
    const unguarded = styleRetention.compute(context(native, image));
    expect('values' in unguarded && unguarded.values[0].value).toBeLessThan(-1);
    const guarded = styleRetention.compute(context(native, image, 1));
    expect(guarded).toEqual({ unavailable: expect.stringContaining(`shorter than ${MIN_STYLE_AXIS_FRACTION} of the sweep's median`) });
    // just above the bound it is measured
    expect('values' in styleRetention.compute(context(native, image, 0.5))).toBe(true);
  });
});
