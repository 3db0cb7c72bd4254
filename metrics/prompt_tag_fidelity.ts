import { promptTags } from '../src/score/prompt-tags.js';
import { tagLookup } from './tag-lookup.js';
import type { MetricDefinition } from './types.js';

/**
 * Bikini-Plus-style prompt fidelity through the tagger: the share of the prompt's own danbooru tags that the tagger
 * detects, each weighted by its rarity, w = −ln(count / Σcount) over the tagger's general and character tags, so that
 * finding a rare tag counts for more than finding "1girl". Words of the text the tagger does not know and the trigger are
 * ignored (a tag listed in the prompt's tags: that the tagger lacks is refused when the tagger loads).
 */
export const promptTagFidelity: MetricDefinition = {
  name: 'prompt_tag_fidelity',
  description: "rarity-weighted share of the prompt's own tags the tagger detects",
  unit: 'weighted recall (0–1)',
  higherIsBetter: true,
  regressionMargin: 0.05,
  aggregation: 'mean',
  requires: 'tagger',
  emits: () => ['prompt_tag_fidelity'],
  appliesTo: () => true,
  compute({ prompt, lora, tagger }) {
    if (!tagger) return { unavailable: 'no tagger' };
    const wanted = (prompt.tags ?? promptTags(prompt.text)).filter((t) => t !== lora.trigger.toLowerCase());
    const { nonRatingIndex, nonRatingCount: total } = tagLookup(tagger.tags);
    let weight = 0;
    let found = 0;
    for (const name of wanted) {
      const i = nonRatingIndex.get(name);
      if (i === undefined) continue;
      const w = -Math.log(Math.max(tagger.tags[i].count, 1) / total);
      weight += w;
      if (tagger.detected(i, tagger.probabilities)) found += w;
    }
    if (weight === 0) return { unavailable: `prompt "${prompt.id}" names no tag the tagger knows` };
    return { values: [{ metric: 'prompt_tag_fidelity', value: found / weight }] };
  },
};
