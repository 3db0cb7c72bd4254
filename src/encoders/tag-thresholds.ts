import { TagCategory, type TagInfo } from './tagger.js';

export type ThresholdMode = 'threshold' | 'mcut';

export interface ThresholdSettings {
  mode: ThresholdMode;
  general: number;
  character: number;
  /** Per-tag thresholds that override the category's. */
  overrides: Record<string, number>;
}

export const DEFAULT_THRESHOLDS: ThresholdSettings = { mode: 'threshold', general: 0.35, character: 0.85, overrides: {} };

/** Floor for the character threshold under MCut, as in the reference tagger app. */
export const MCUT_CHARACTER_FLOOR = 0.15;

/**
 * Maximum Cut Thresholding (Largest, 2012): sort descending, cut at the largest gap between neighbours,
 * threshold = midpoint of that gap. Returns +Infinity for fewer than two probabilities (nothing is cut off).
 */
export function mcutThreshold(probabilities: ArrayLike<number>): number {
  const sorted = Array.from(probabilities).sort((a, b) => b - a);
  if (sorted.length < 2) return Number.POSITIVE_INFINITY;
  let best = 0;
  for (let i = 1; i < sorted.length - 1; i++) if (sorted[i] - sorted[i + 1] > sorted[best] - sorted[best + 1]) best = i;
  return (sorted[best] + sorted[best + 1]) / 2;
}

/**
 * Decides, per image, which tags count as present: probability strictly above the tag's threshold
 * (per-tag override, else the category default, or MCut computed over the image's general / character tags).
 * Rating tags are never "detected" by threshold.
 */
export function detectionThresholds(tags: TagInfo[], probabilities: ArrayLike<number>, settings: ThresholdSettings): Float64Array {
  if (settings.mode !== 'mcut') return thresholdsFor(tags, settings, settings.general, settings.character);
  const of = (category: number) => tags.flatMap((t, i) => (t.category === category ? [probabilities[i]] : []));
  return thresholdsFor(tags, settings, mcutThreshold(of(TagCategory.general)), Math.max(MCUT_CHARACTER_FLOOR, mcutThreshold(of(TagCategory.character))));
}

/** The thresholds of every image, when they do not depend on its probabilities (category thresholds, not MCut). */
export function sharedThresholds(tags: TagInfo[], settings: ThresholdSettings): Float64Array | undefined {
  return settings.mode === 'mcut' ? undefined : thresholdsFor(tags, settings, settings.general, settings.character);
}

function thresholdsFor(tags: TagInfo[], settings: ThresholdSettings, general: number, character: number): Float64Array {
  const thresholds = new Float64Array(tags.length).fill(Number.POSITIVE_INFINITY);
  tags.forEach((tag, i) => {
    if (tag.name in settings.overrides) thresholds[i] = settings.overrides[tag.name];
    else if (tag.category === TagCategory.general) thresholds[i] = general;
    else if (tag.category === TagCategory.character) thresholds[i] = character;
  });
  return thresholds;
}
