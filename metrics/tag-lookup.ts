import type { TaggerInputs } from './types.js';

/** Rating tags (selected_tags.csv category 9): never detected by threshold, and no prompt names them. */
const RATING = 9;

export interface TagLookup {
  /** Index of the first tag with a name. */
  index: Map<string, number>;
  /** Index of the first non-rating tag with a name. */
  nonRatingIndex: Map<string, number>;
  /** Σ max(count, 1) over the non-rating tags, in list order. */
  nonRatingCount: number;
}

const lookups = new WeakMap<TaggerInputs['tags'], TagLookup>();

/**
 * Name lookups into a tagger's tag list, built once per list: a real tagger has ten thousand tags and a sweep as many
 * images, so searching the list for every image would cost more than all the other metrics together.
 */
export function tagLookup(tags: TaggerInputs['tags']): TagLookup {
  let lookup = lookups.get(tags);
  if (lookup) return lookup;
  lookup = { index: new Map(), nonRatingIndex: new Map(), nonRatingCount: 0 };
  for (const [i, t] of tags.entries()) {
    if (!lookup.index.has(t.name)) lookup.index.set(t.name, i);
    if (t.category === RATING) continue;
    if (!lookup.nonRatingIndex.has(t.name)) lookup.nonRatingIndex.set(t.name, i);
    lookup.nonRatingCount += Math.max(t.count, 1);
  }
  lookups.set(tags, lookup);
  return lookup;
}
