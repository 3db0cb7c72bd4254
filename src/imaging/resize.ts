/**
 * Resize to a Pillow-compatible result, choosing the engine:
 *  - 'fast' (default): bicubic downscaling runs in sharp/libvips with its Catmull-Rom kernel
 *    ('cubic', the same a = -0.5 cubic as Pillow's BICUBIC), off the JS thread. Of sharp's kernels
 *    it is by far the closest to Pillow; mitchell and lanczos3 have 4–20× its mean error. Two libvips
 *    differences are worked around:
 *      · libvips reduces vertically first, Pillow horizontally first, and each rounds and clips its
 *        8-bit intermediate, which differs by up to ~25 levels next to thin high-contrast lines.
 *        libvips is given the transposed image, so its first pass is Pillow's first pass
 *        (then at most 3–4 levels apart); the result comes back transposed (see ResizedRgb).
 *      · sharp resizes images with alpha premultiplied and drops alpha afterwards, which would
 *        darken (at alpha 0, erase) colour that Pillow's convert('RGB') keeps; translucent images
 *        therefore have their alpha stripped in JS before sharp sees them.
 *    What remains: libvips box-prefilters reductions of 3× and more (its resize "gap"; sharp has
 *    no switch for it), which raises the mean error to ~0.6 levels at 4.6×.
 *    Enlarging, and filters other than bicubic, use the exact port: libvips enlarges with another
 *    pixel-centre convention and edge rule (mean errors ~4 levels, up to ~190 at edges), and enlarged
 *    inputs are small, so exactness is cheap there.
 *  - 'exact': always the bit-exact port of Pillow's resampler (pil-resample.ts). Its resize is 7–12×
 *    slower than sharp's on full-size images and runs on the JS thread; whole preprocessing is 2–4×
 *    slower per image, with about 5× lower batch throughput (test/golden/README.md).
 */
import sharp, { type Sharp } from 'sharp';
import { pilResize, type PilFilter } from './pil-resample.js';

export type Resampler = 'fast' | 'exact';

export const RESAMPLERS: readonly Resampler[] = ['fast', 'exact'];

export interface PixelBuffer {
  data: Uint8Array;
  width: number;
  height: number;
  /** 3 = RGB; 4 = RGBA, whose alpha is ignored (dropped as Pillow's convert('RGB') does) */
  channels: 3 | 4;
  /** for RGBA: every alpha is 255 (DecodedImage.hasAlpha false), so sharp may take the buffer as is */
  opaque?: boolean;
}

/**
 * Resized pixels, RGB or RGBA (alpha to be ignored). When `transposed`, the buffer holds the
 * transposed image: pixel (x, y) of the width × height result starts at (x * height + y) * channels.
 * Use pixelOffset / strides rather than assuming a layout.
 */
export interface ResizedRgb {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3 | 4;
  transposed: boolean;
}

/** Byte steps between horizontally and vertically adjacent pixels of a ResizedRgb. */
export function strides(r: ResizedRgb): { x: number; y: number } {
  return r.transposed ? { x: r.height * r.channels, y: r.channels } : { x: r.channels, y: r.width * r.channels };
}

/** Packed RGB, alpha dropped when present. Returns the same buffer for RGB input. */
export function toRgb(src: PixelBuffer): Uint8Array {
  if (src.channels === 3) return src.data;
  const n = src.width * src.height;
  const out = new Uint8Array(n * 3);
  const d = src.data;
  for (let i = 0, p = 0, o = 0; i < n; i++, p += 4, o += 3) {
    out[o] = d[p];
    out[o + 1] = d[p + 1];
    out[o + 2] = d[p + 2];
  }
  return out;
}

/** Packed RGB of the transposed image (height × width), alpha dropped. */
function transposeToRgb(src: PixelBuffer): Uint8Array {
  const { width, height, channels, data } = src;
  const out = new Uint8Array(width * height * 3);
  const column = height * 3;
  for (let y = 0; y < height; y++) {
    let p = y * width * channels;
    let o = y * 3;
    for (let x = 0; x < width; x++, p += channels, o += column) {
      out[o] = data[p];
      out[o + 1] = data[p + 1];
      out[o + 2] = data[p + 2];
    }
  }
  return out;
}

/** Whether resizeLikePil will hand this resize to sharp (otherwise it runs the exact port). */
export function resizesWithSharp(
  src: { width: number; height: number },
  outWidth: number,
  outHeight: number,
  filter: PilFilter,
  resampler: Resampler,
): boolean {
  const same = outWidth === src.width && outHeight === src.height;
  return !same && resampler === 'fast' && filter === 'bicubic' && outWidth <= src.width && outHeight <= src.height;
}

/** Resize to outWidth × outHeight as Pillow's Image.resize would (alpha ignored). */
export async function resizeLikePil(src: PixelBuffer, outWidth: number, outHeight: number, filter: PilFilter, resampler: Resampler): Promise<ResizedRgb> {
  if (outWidth === src.width && outHeight === src.height) {
    return { data: src.data, width: src.width, height: src.height, channels: src.channels, transposed: false };
  }
  if (resizesWithSharp(src, outWidth, outHeight, filter, resampler)) {
    const out = await sharpTransposedResize(src, outWidth, outHeight);
    return { data: out, width: outWidth, height: outHeight, channels: 3, transposed: true };
  }
  const data = pilResize(toRgb(src), src.width, src.height, 3, outWidth, outHeight, filter);
  return { data, width: outWidth, height: outHeight, channels: 3, transposed: false };
}

/** Bicubic reduction in libvips, run on the transposed image; returns the transposed result (RGB). */
async function sharpTransposedResize(src: PixelBuffer, outWidth: number, outHeight: number): Promise<Uint8Array> {
  let pipeline: Sharp;
  if (src.channels === 3 || src.opaque) {
    // flip then rotate(90) is a transpose; sharp applies both before resizing.
    pipeline = sharp(asBuffer(src.data), { raw: { width: src.width, height: src.height, channels: src.channels } })
      .flip()
      .rotate(90);
  } else {
    const rgb = transposeToRgb(src);
    pipeline = sharp(asBuffer(rgb), { raw: { width: src.height, height: src.width, channels: 3 } });
  }
  const out = await pipeline.resize(outHeight, outWidth, { kernel: 'cubic', fit: 'fill' }).removeAlpha().raw().toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

function asBuffer(a: Uint8Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}
