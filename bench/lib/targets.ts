/** The performance targets, as ratios (or a bound) measured within one run, and whether a run meets them. */

export interface TargetResult {
  name: string;
  /** e.g. "≥ 0.85" */
  target: string;
  value: number;
  /** how the value is shown, e.g. "0.91 ×" */
  shown: string;
  /** undefined when the run's sizes are not the ones the target is stated for (a quick run) */
  pass: boolean | undefined;
  note?: string;
}

export interface TargetInputs {
  scoreOverRaw: number;
  scoreOverTransformersJs: number;
  cachedSeconds: number;
  cachedImages: number;
  rssGrowth: number;
  rssSizes: [number, number];
  /** The highest score ÷ raw that reading, hashing and decoding allow on this machine (see bench/run.ts). */
  decodingCeiling?: number;
}

export const TARGET_CACHED_IMAGES = 10_000;
export const TARGET_RSS_SIZES: [number, number] = [256, 4096];

export function evaluateTargets(x: TargetInputs): TargetResult[] {
  const fixed = (v: number, digits = 2) => v.toFixed(digits);
  const cachedAtSize = x.cachedImages >= TARGET_CACHED_IMAGES;
  const rssAtSizes = x.rssSizes[0] <= TARGET_RSS_SIZES[0] && x.rssSizes[1] >= TARGET_RSS_SIZES[1];
  return [
    {
      name: 'score end to end ÷ raw session (images/s)',
      target: '≥ 0.85',
      value: x.scoreOverRaw,
      shown: `${fixed(x.scoreOverRaw)} ×`,
      pass: x.scoreOverRaw >= 0.85,
      note: ceilingNote(x.decodingCeiling, 0.85),
    },
    {
      name: 'score end to end ÷ transformers.js (images/s)',
      target: '≥ 1.3',
      value: x.scoreOverTransformersJs,
      shown: `${fixed(x.scoreOverTransformersJs)} ×`,
      pass: x.scoreOverTransformersJs >= 1.3,
    },
    {
      name: `cached re-score of ${x.cachedImages.toLocaleString('en-US')} images (s)`,
      target: `≤ 3 s at ${TARGET_CACHED_IMAGES.toLocaleString('en-US')}`,
      value: x.cachedSeconds,
      shown: `${fixed(x.cachedSeconds)} s`,
      pass: cachedAtSize ? x.cachedSeconds <= 3 : undefined,
      note: cachedAtSize ? undefined : `measured at ${x.cachedImages} images, not ${TARGET_CACHED_IMAGES}`,
    },
    {
      name: `peak RSS of score, ${x.rssSizes[1]} ÷ ${x.rssSizes[0]} images`,
      target: `≤ 1.15 (${TARGET_RSS_SIZES.join(' → ')})`,
      value: x.rssGrowth,
      shown: `${fixed(x.rssGrowth)} ×`,
      pass: rssAtSizes ? x.rssGrowth <= 1.15 : undefined,
      note: rssAtSizes ? undefined : `measured at ${x.rssSizes.join(' and ')} images, not ${TARGET_RSS_SIZES.join(' and ')}`,
    },
  ];
}

/** Said when decoding alone leaves less than the target: the target then asks for more than this machine allows. */
function ceilingNote(ceiling: number | undefined, target: number): string | undefined {
  if (ceiling === undefined || ceiling >= target) return undefined;
  return `reading, hashing and decoding alone cap it at ${ceiling.toFixed(2)} here`;
}

export function verdict(t: TargetResult): string {
  return t.pass === undefined ? 'n/a' : t.pass ? 'PASS' : 'MISS';
}
