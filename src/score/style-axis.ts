import type { LoadedSweep, SweepImage } from '../sweep/types.js';
import { nativeKey } from './compute-metrics.js';

/**
 * Median ‖μ_S − E(x0)‖ over the distinct weight-0 images of the whole sweep that a LoRA image is compared with and
 * that could be encoded. Taken over the sweep, not over the images scored together, so that a shard drops the same
 * short-axis images as an unsharded run: every shard encodes all the weight-0 images anyway.
 */
export function medianStyleAxisLength(
  loaded: LoadedSweep,
  clipOf: (image: SweepImage) => Float32Array | undefined,
  styleCentroid: Float64Array | undefined,
): number | undefined {
  if (!styleCentroid) return undefined;
  const compared = new Set(loaded.images.filter((i) => !i.native).map((i) => nativeKey(i, loaded.loraFactors)));
  const lengths: number[] = [];
  for (const native of loaded.images) {
    if (!native.native || !compared.has(nativeKey(native, loaded.loraFactors))) continue;
    const x0 = clipOf(native);
    if (!x0) continue;
    let sum = 0;
    for (let i = 0; i < x0.length; i++) sum += (styleCentroid[i] - x0[i]) ** 2;
    lengths.push(Math.sqrt(sum));
  }
  if (lengths.length === 0) return undefined;
  const sorted = lengths.sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
