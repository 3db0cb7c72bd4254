/**
 * Detail without a reference: the high-frequency energy of an image's luminance at a fixed analysis scale.
 *
 *  1. Analysis scale: the image is resized (Pillow-compatible bicubic, the project's resampler) so that its short
 *     side is DETAIL_SHORT_SIDE pixels; the long side keeps the aspect ratio (rounded). A fixed scale makes the
 *     number independent of the generated image's size: the same picture at 512×768 or 1024×1536 scores the same.
 *  2. Luminance Y = 0.299 R + 0.587 G + 0.114 B of the 8-bit sRGB values (ITU-R BT.601, Pillow's convert('L')
 *     weights, unrounded); alpha is ignored.
 *  3. High-pass: the 4-neighbour Laplacian L = 4·Y(x, y) − Y(x−1, y) − Y(x+1, y) − Y(x, y−1) − Y(x, y+1) at every
 *     interior pixel.
 *  4. detail = √(mean L²), in gray levels (0–255).
 *
 * Every high frequency counts: texture, sharp edges, and also noise and compression artefacts.
 */
import { canonicalJson, sha256Hex } from './hash.js';
import { DECODE_SEMANTICS_VERSION, channelsOf } from './decode.js';
import type { DecodedImage } from './decode.js';
import { resizeLikePil, resizesWithSharp, strides, type ResizedRgb, type Resampler } from './resize.js';

export const DETAIL_SHORT_SIDE = 512;
/** Bump when the definition above changes: cached detail values are keyed by it. */
export const DETAIL_VERSION = 1;

/** Width and height of the analysis scale: short side DETAIL_SHORT_SIDE, aspect ratio kept. */
export function detailScale(width: number, height: number): [number, number] {
  const scale = DETAIL_SHORT_SIDE / Math.min(width, height);
  return width <= height ? [DETAIL_SHORT_SIDE, Math.max(1, Math.round(height * scale))] : [Math.max(1, Math.round(width * scale)), DETAIL_SHORT_SIDE];
}

/** Root-mean-square Laplacian of a luminance plane (row-major, `width` × `height` from its start), over its interior pixels. */
export function laplacianRms(y: Float64Array, width: number, height: number): number {
  if (width < 3 || height < 3) throw new RangeError(`detail needs at least 3×3 pixels, got ${width}×${height}`);
  let sum = 0;
  for (let row = 1; row < height - 1; row++) {
    for (let i = row * width + 1, end = (row + 1) * width - 1; i < end; i++) {
      const l = 4 * y[i] - y[i - 1] - y[i + 1] - y[i - width] - y[i + width];
      sum += l * l;
    }
  }
  return Math.sqrt(sum / ((width - 2) * (height - 2)));
}

/** The detail of a decoded image (see the module comment). */
export async function detailOf(image: DecodedImage, resampler: Resampler = 'fast'): Promise<number> {
  const [width, height] = detailScale(image.width, image.height);
  const pixels = { data: image.data, width: image.width, height: image.height, channels: channelsOf(image), opaque: !image.hasAlpha };
  const resized = await resizeLikePil(pixels, width, height, 'bicubic', resampler);
  return detailOfResized(resized);
}

/** The detail of an image already at its analysis scale (detailScale). */
export function detailOfResized(resized: ResizedRgb): number {
  const { width, height, data } = resized;
  const step = strides(resized);
  const y = luminanceScratch(width * height);
  for (let row = 0, i = 0; row < height; row++) {
    for (let col = 0, p = row * step.y; col < width; col++, i++, p += step.x) {
      y[i] = 0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2];
    }
  }
  return laplacianRms(y, width, height);
}

// One luminance plane reused from image to image (per thread: each worker has its own module), since allocating and
// zeroing a fresh one cost as much as the arithmetic. Every value read is written first.
let scratch = new Float64Array(0);
function luminanceScratch(pixels: number): Float64Array {
  if (scratch.length < pixels) scratch = new Float64Array(pixels);
  return scratch;
}

/** The analysis scale when reaching it is a reduction resizeLikePil hands to sharp (so it may run fused with decoding). */
export function detailResizeTarget(width: number, height: number, resampler: Resampler): { width: number; height: number } | undefined {
  const [w, h] = detailScale(width, height);
  return resizesWithSharp({ width, height }, w, h, 'bicubic', resampler) ? { width: w, height: h } : undefined;
}

/** Identifies the definition and settings behind a detail value, for the vector cache. */
export function detailHash(resampler: Resampler): string {
  return sha256Hex(canonicalJson({ measure: 'detail', version: DETAIL_VERSION, decode: DECODE_SEMANTICS_VERSION, shortSide: DETAIL_SHORT_SIDE, resampler }));
}
