import type { MetricDefinition, TaggerInputs } from './types.js';

/**
 * Danbooru general tags that mark a detailed setting, each present in the WD14 v3 taggers' selected_tags.csv
 * (SmilingWolf's v3 vocabulary; tag id and Danbooru post count at the time of that export in brackets):
 *  - scenery (395223, 42,503): Danbooru's tag for a drawn setting detailed enough to be a subject itself;
 *  - landscape (3997, 5,070), cityscape (11883, 14,123): the two kinds of scenery;
 *  - architecture (484880, 11,388): detailed buildings;
 *  - still_life (374959, 4,229): a detailed arrangement of objects.
 * Prompt words such as detailed_background, intricate_details or highly_detailed are not Danbooru tags and are
 * not in that vocabulary; simple_background and blurry_background are the opposite and are left out, so that
 * the measure stays a probability of one thing (a detailed setting) rather than a signed mix.
 */
export const DETAIL_TAG_VOCABULARY = ['scenery', 'landscape', 'cityscape', 'architecture', 'still_life'] as const;

/** The detail tags a tagger knows, in DETAIL_TAG_VOCABULARY order, with their column in its output. */
export function detailTagsIn(tags: readonly { name: string; category: number }[]): { name: string; index: number }[] {
  return DETAIL_TAG_VOCABULARY.map((name) => ({ name, index: tags.findIndex((t) => t.name === name && t.category === 0) })).filter((t) => t.index >= 0);
}

// The column lookup runs once per tagger, not once per image.
const columns = new WeakMap<TaggerInputs['tags'], number[]>();
function detailColumns(tagger: TaggerInputs): number[] {
  let found = columns.get(tagger.tags);
  if (!found) columns.set(tagger.tags, (found = detailTagsIn(tagger.tags).map((t) => t.index)));
  return found;
}

/**
 * The tagger's view of detail: the largest probability it gives any detail tag of DETAIL_TAG_VOCABULARY that
 * its vocabulary has. The largest, not the mean, because the tags name alternatives (a landscape is rarely also
 * a cityscape): the mean would fall when a tag that does not apply is added to the list. Unavailable, never 0,
 * when the tagger knows none of the tags.
 */
export const detailTags: MetricDefinition = {
  name: 'detail_tags',
  description: `largest tagger probability among the detail tags it knows (${DETAIL_TAG_VOCABULARY.join(', ')}): a detailed setting, as the tagger sees it`,
  unit: 'probability (0–1)',
  higherIsBetter: true,
  regressionMargin: 0.05,
  aggregation: 'mean',
  requires: 'tagger',
  emits: () => ['detail_tags'],
  appliesTo: () => true,
  compute({ tagger }) {
    if (!tagger) return { unavailable: 'no tagger' };
    const found = detailColumns(tagger);
    if (found.length === 0) return { unavailable: `the tagger knows none of the detail tags (${DETAIL_TAG_VOCABULARY.join(', ')})` };
    const p = tagger.probabilities;
    return { values: [{ metric: 'detail_tags', value: Math.max(...found.map((i) => p[i])) }] };
  },
};
