/**
 * WD14 tagger preprocessing, as prepare_image() in SmilingWolf's wd-tagger app (app.py), whose
 * gradio input hands it the image converted to RGBA:
 *   alpha_composite onto opaque white → paste into a white max(w,h) square at
 *   ((max − w) // 2, (max − h) // 2) → bicubic resize to size×size only when the square differs
 *   → float32 0–255 → RGB reversed to BGR → NHWC, [1, size, size, 3] per image.
 */
import type { DecodedImage } from './decode.js';
import { DECODE_SEMANTICS_VERSION, assertDecodedImage, channelsOf } from './decode.js';
import { canonicalJson, sha256Hex } from './hash.js';
import { RESAMPLERS, resizeLikePil, resizesWithSharp, strides, type ResizedRgb, type Resampler } from './resize.js';

export interface TaggerPreprocessor {
  readonly size: number;
  /** NHWC shape of one preprocessed image; a batch concatenates along N */
  readonly inputShape: [1, number, number, 3];
  /** sha256 of the canonical preprocessing parameters (including resampler and decode semantics) */
  readonly hash: string;
  readonly resampler: Resampler;
  /** Everything needed to build the same preprocessor elsewhere: taggerPreprocessor(spec.size, spec). */
  readonly spec: { kind: 'wd-tagger'; size: number; resampler: Resampler };
  /** HWC float32, BGR, values 0–255 (the [1, size, size, 3] tensor of one image). */
  preprocess(img: DecodedImage): Promise<Float32Array>;
  /** For a square image the tagger reduces with sharp: the size it is resized to (see ClipPreprocessor.resizeTarget). */
  resizeTarget(width: number, height: number): { width: number; height: number } | undefined;
  /** The tensor from the image already resized to resizeTarget's size (alpha-free images only). */
  fromResized(resized: ResizedRgb): Float32Array;
}

const TAGGER_PREPROCESS_VERSION = 1;

export function taggerPreprocessor(size: number, opts: { resampler?: Resampler } = {}): TaggerPreprocessor {
  if (!Number.isInteger(size) || size < 1 || size > 8192) {
    throw new RangeError(`tagger input size must be an integer between 1 and 8192 (read from the model's input shape), got ${size}`);
  }
  const resampler = opts.resampler ?? 'fast';
  if (!RESAMPLERS.includes(resampler)) throw new RangeError(`unknown resampler "${resampler}"; expected ${RESAMPLERS.join(' or ')}`);
  const hash = sha256Hex(
    canonicalJson({
      preprocessor: 'wd-tagger',
      version: TAGGER_PREPROCESS_VERSION,
      decode: DECODE_SEMANTICS_VERSION,
      resampler,
      size,
      composite: 'white',
      pad: 'centered-white-square',
      resample: 'bicubic',
      channels: 'BGR',
      range: '0-255',
      layout: 'NHWC',
    }),
  );

  return {
    size,
    inputShape: [1, size, size, 3],
    hash,
    resampler,
    spec: { kind: 'wd-tagger', size, resampler },
    async preprocess(img: DecodedImage): Promise<Float32Array> {
      assertDecodedImage(img);
      // A square opaque RGB image is its own white square.
      const { square, side } = img.width === img.height && channelsOf(img) === 3 ? { square: img.data, side: img.width } : whiteSquare(img);
      const resized = await resizeLikePil({ data: square, width: side, height: side, channels: 3 }, size, size, 'bicubic', resampler);
      return toBgrHwc(resized, size);
    },
    // Only a square image needs no white padding, so only then is the tagger's input a resize of the whole image.
    resizeTarget: (width, height) =>
      width === height && resizesWithSharp({ width, height }, size, size, 'bicubic', resampler) ? { width: size, height: size } : undefined,
    fromResized: (resized) => toBgrHwc(resized, size),
  };
}

function toBgrHwc(resized: ResizedRgb, size: number): Float32Array {
  const step = strides(resized);
  const px = resized.data;
  const out = new Float32Array(size * size * 3);
  for (let y = 0, o = 0; y < size; y++) {
    for (let x = 0, p = y * step.y; x < size; x++, p += step.x, o += 3) {
      out[o] = px[p + 2];
      out[o + 1] = px[p + 1];
      out[o + 2] = px[p];
    }
  }
  return out;
}

/**
 * Pillow's Image.alpha_composite(white, src) for one channel value v with alpha a
 * (AlphaComposite.c with an opaque white destination, 7 extra bits of precision), tabulated
 * as OVER_WHITE[a * 256 + v].
 */
const OVER_WHITE = (() => {
  const table = new Uint8Array(256 * 256);
  const PRECISION_BITS = 7;
  for (let a = 0; a < 256; a++) {
    for (let v = 0; v < 256; v++) {
      if (a === 0) {
        table[a * 256 + v] = 255;
        continue;
      }
      const outA255 = a * 255 + 255 * (255 - a);
      const coef1 = Math.floor((a * 255 * 255 * (1 << PRECISION_BITS)) / outA255);
      const coef2 = 255 * (1 << PRECISION_BITS) - coef1;
      const tmp = v * coef1 + 255 * coef2 + (0x80 << PRECISION_BITS);
      table[a * 256 + v] = (((tmp >> 8) + tmp) >> 8) >> PRECISION_BITS;
    }
  }
  return table;
})();

/** Composite on white and centre in a white square of side max(width, height); packed RGB. */
export function whiteSquare(img: DecodedImage): { square: Uint8Array; side: number; left: number; top: number } {
  const { width, height, data } = img;
  const channels = channelsOf(img);
  const side = Math.max(width, height);
  const left = (side - width) >> 1;
  const top = (side - height) >> 1;
  const square = new Uint8Array(side * side * 3).fill(255);
  for (let y = 0; y < height; y++) {
    let p = y * width * channels;
    let q = ((y + top) * side + left) * 3;
    if (img.hasAlpha) {
      for (let x = 0; x < width; x++, p += 4, q += 3) {
        const row = data[p + 3] * 256;
        square[q] = OVER_WHITE[row + data[p]];
        square[q + 1] = OVER_WHITE[row + data[p + 1]];
        square[q + 2] = OVER_WHITE[row + data[p + 2]];
      }
    } else {
      for (let x = 0; x < width; x++, p += channels, q += 3) {
        square[q] = data[p];
        square[q + 1] = data[p + 1];
        square[q + 2] = data[p + 2];
      }
    }
  }
  return { square, side, left, top };
}
