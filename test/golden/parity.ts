/**
 * Golden data written by make_golden.py (Pillow reference) and the error measures used by the
 * imaging tests and report-parity.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { decodeNpy } from '../../src/imaging/npy.js';

export const GOLDEN_ROOT = dirname(fileURLToPath(import.meta.url));
export const IMAGES_DIR = join(GOLDEN_ROOT, 'images');
export const GOLDEN_DIR = join(GOLDEN_ROOT, 'golden');
export const REPO_ROOT = resolve(GOLDEN_ROOT, '..', '..');
export const CLIP_CONFIG_DIR = resolve(REPO_ROOT, '..', 'shared', 'data', 'clip-vit-b32-tokenizer');
export const CLIP_CONFIG_PATH = join(CLIP_CONFIG_DIR, 'preprocessor_config.json');
export const hasClipConfig = existsSync(CLIP_CONFIG_PATH);

export interface GoldenEntry {
  format: string;
  mode: string;
  /** how the reference decoded the file: "pillow", or the numpy / ImageCms step used instead */
  decode: string;
  /** false for colour-managed (CMYK) images, compared with a bound against golden/decode/ */
  decode_exact?: boolean;
  stored_size: [number, number];
  width: number;
  height: number;
  rgba_sha256: string;
  clip_resized_hw: [number, number] | null;
  clip_upscaled: boolean;
  clip_float_golden?: boolean;
  tagger_square: number;
  tagger_pad_left_top: [number, number];
  tagger_resized: boolean;
  tagger_upscaled: boolean;
}

export interface GoldenManifest {
  pillow: string;
  numpy: string;
  tagger_size: number;
  images: Record<string, GoldenEntry>;
}

export function loadManifest(): GoldenManifest {
  return JSON.parse(readFileSync(join(GOLDEN_DIR, 'manifest.json'), 'utf8')) as GoldenManifest;
}

function loadGz(path: string) {
  return decodeNpy(gunzipSync(readFileSync(path)));
}

/** Images whose decoded bytes must equal the reference's (all but the colour-managed ones). */
export function isDecodeExact(entry: GoldenEntry): boolean {
  return entry.decode_exact !== false;
}

/** uint8 HWC RGBA of the reference decoding (kept for colour-managed images only). */
export function goldenDecodeRgba(name: string): { shape: number[]; data: Uint8Array } {
  const a = loadGz(join(GOLDEN_DIR, 'decode', `${name}.u8.npy.gz`));
  if (a.dtype !== '|u1') throw new Error(`${name}: expected uint8 golden`);
  return a;
}

/** uint8 HWC RGB after Pillow resize + center crop (before rescale/normalize). */
export function goldenClipU8(name: string): { shape: number[]; data: Uint8Array } {
  const a = loadGz(join(GOLDEN_DIR, 'clip', `${name}.u8.npy.gz`));
  if (a.dtype !== '|u1') throw new Error(`${name}: expected uint8 golden`);
  return a;
}

/** final float32 CHW pixel_values from the transformers-faithful reference. */
export function goldenClipF32(name: string): { shape: number[]; data: Float32Array } {
  const a = loadGz(join(GOLDEN_DIR, 'clip', `${name}.f32.npy.gz`));
  if (a.dtype !== '<f4') throw new Error(`${name}: expected float32 golden`);
  return a;
}

/** uint8 HWC BGR tagger input (the reference float32 tensor is exactly this cast). */
export function goldenTaggerU8(name: string): { shape: number[]; data: Uint8Array } {
  const a = loadGz(join(GOLDEN_DIR, 'tagger', `${name}.u8.npy.gz`));
  if (a.dtype !== '|u1') throw new Error(`${name}: expected uint8 golden`);
  return a;
}

export interface ErrorStats {
  mean: number;
  max: number;
  /** fraction of values that differ at all */
  changed: number;
}

/**
 * Error of our CHW normalized tensor against the golden HWC uint8 crop, in normalized units.
 * The reference value of a golden byte v in channel c is (v/255 − mean_c)/std_c, in float64.
 */
export function clipErrors(ours: Float32Array, golden: Uint8Array, h: number, w: number, mean: number[], std: number[]): ErrorStats {
  const plane = h * w;
  let sum = 0;
  let max = 0;
  let changed = 0;
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < plane; i++) {
      const ref = (golden[i * 3 + c] / 255 - mean[c]) / std[c];
      const d = Math.abs(ours[c * plane + i] - ref);
      sum += d;
      if (d > max) max = d;
      if (d > 1e-5) changed++;
    }
  }
  return { mean: sum / (3 * plane), max, changed: changed / (3 * plane) };
}

/** Error of our HWC BGR 0–255 tensor against the golden uint8 one, in 0–255 units. */
export function taggerErrors(ours: Float32Array, golden: Uint8Array): ErrorStats {
  let sum = 0;
  let max = 0;
  let changed = 0;
  for (let i = 0; i < golden.length; i++) {
    const d = Math.abs(ours[i] - golden[i]);
    sum += d;
    if (d > max) max = d;
    if (d !== 0) changed++;
  }
  return { mean: sum / golden.length, max, changed: changed / golden.length };
}

/** Error of decoded RGBA bytes against the reference's, in 8-bit levels over the colour channels. */
export function decodeErrors(ours: Uint8Array, golden: Uint8Array): ErrorStats {
  let sum = 0;
  let max = 0;
  let changed = 0;
  let n = 0;
  for (let i = 0; i < golden.length; i++) {
    if (i % 4 === 3) continue;
    const d = Math.abs(ours[i] - golden[i]);
    sum += d;
    if (d > max) max = d;
    if (d !== 0) changed++;
    n++;
  }
  return { mean: sum / n, max, changed: changed / n };
}

/**
 * Parity bounds. CLIP, in normalized units, for downscaled images: mean ≤ 0.01, max ≤ 0.3.
 * Tagger, in 0–255 units, the same bounds scaled by 255 × the smallest CLIP std (0.2613), i.e. the
 * number of 8-bit levels those normalized errors correspond to: mean ≤ 0.67, max ≤ 20 levels.
 * Enlarged images go through the exact resampler in every mode, so their bound is zero.
 */
export const CLIP_MEAN_BOUND = 0.01;
export const CLIP_MAX_BOUND = 0.3;
const SMALLEST_CLIP_STD = 0.26130258;
export const TAGGER_MEAN_BOUND = CLIP_MEAN_BOUND * 255 * SMALLEST_CLIP_STD;
export const TAGGER_MAX_BOUND = CLIP_MAX_BOUND * 255 * SMALLEST_CLIP_STD;

/**
 * Colour-managed (CMYK) decoding against ImageCms, in 8-bit levels: libvips converts through a
 * float Lab intermediate and lcms in PIL in one 8-bit transform, and they part most on colours
 * outside sRGB's gamut. Measured: mean 0.46 and 0.96, max 5 and 21. The same bounds, in
 * normalized units, hold for CLIP and tagger inputs of these images in either resize mode.
 */
export const DECODE_CMYK_MEAN_BOUND = 1.5;
export const DECODE_CMYK_MAX_BOUND = 24;
export const CLIP_CMYK_MEAN_BOUND = DECODE_CMYK_MEAN_BOUND / (255 * SMALLEST_CLIP_STD);
export const CLIP_CMYK_MAX_BOUND = DECODE_CMYK_MAX_BOUND / (255 * SMALLEST_CLIP_STD);
