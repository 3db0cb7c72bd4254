import { describe, expect, it } from 'vitest';
import { DETAIL_TAG_VOCABULARY, detailTags, detailTagsIn } from '../../metrics/detail_tags.js';
import { metricFor } from '../../metrics/registry.js';
import type { MetricContext, TaggerInputs } from '../../metrics/types.js';

/** A tagger whose vocabulary is `tags` (name:category), each with the given probability. */
function tagger(tags: [string, number, number][]): TaggerInputs {
  return {
    model: 'wd-test',
    probabilities: Float32Array.from(tags.map(([, , p]) => p)),
    tags: tags.map(([name, category]) => ({ name, category, count: 1 })),
    detected: () => false,
  };
}
const ctx = (t: TaggerInputs | undefined) => ({ tagger: t }) as unknown as MetricContext;

describe('detail_tags', () => {
  it('lists Danbooru detail tags, not prompt words', () => {
    expect([...DETAIL_TAG_VOCABULARY]).toEqual(['scenery', 'landscape', 'cityscape', 'architecture', 'still_life']);
    expect(metricFor('detail_tags')).toBe(detailTags);
  });

  it('is the largest probability among the detail tags the tagger knows', () => {
    const t = tagger([
      ['1girl', 0, 0.99],
      ['cityscape', 0, 0.2],
      ['scenery', 0, 0.7],
      ['simple_background', 0, 0.9],
      ['landscape', 0, 0.1],
    ]);
    expect(detailTagsIn(t.tags)).toEqual([
      { name: 'scenery', index: 2 },
      { name: 'landscape', index: 4 },
      { name: 'cityscape', index: 1 },
    ]);
    const result = detailTags.compute(ctx(t));
    expect(result).toEqual({ values: [{ metric: 'detail_tags', value: expect.closeTo(0.7, 6) }] });
  });

  it('reads general tags only: a character or rating row with a detail tag name does not count', () => {
    const t = tagger([
      ['scenery', 4, 0.9],
      ['architecture', 0, 0.3],
    ]);
    expect(detailTagsIn(t.tags).map((x) => x.name)).toEqual(['architecture']);
    expect(detailTags.compute(ctx(t))).toEqual({ values: [{ metric: 'detail_tags', value: expect.closeTo(0.3, 6) }] });
  });

  it('is unavailable, never 0, when the tagger knows none of the tags, or there is no tagger', () => {
    const none = tagger([
      ['1girl', 0, 0.9],
      ['detailed_background', 0, 0.8],
    ]);
    expect(detailTags.compute(ctx(none))).toEqual({
      unavailable: 'the tagger knows none of the detail tags (scenery, landscape, cityscape, architecture, still_life)',
    });
    expect(detailTags.compute(ctx(undefined))).toEqual({ unavailable: 'no tagger' });
  });
});
