/**
 * CLIP image preprocessing driven by a Hugging Face `preprocessor_config.json`, with the
 * semantics of transformers' CLIPImageProcessor on PIL images:
 *   convert('RGB') (alpha dropped, not composited) → resize (shortest edge, or fixed height×width)
 *   with PIL's filter → center crop (floor offsets; zero padding when the image is smaller)
 *   → ×rescale_factor (float64, then float32) → (x − mean) / std in float32 → CHW.
 * Given the same 8-bit crop, the float output is bit-identical to transformers'.
 *
 * Also accepts configs of processors with the same steps (BitImageProcessor, e.g. DINOv2).
 */
import type { DecodedImage } from './decode.js';
import { DECODE_SEMANTICS_VERSION, assertDecodedImage, channelsOf } from './decode.js';
import { canonicalJson, sha256Hex } from './hash.js';
import { PIL_RESAMPLE_IDS, type PilFilter } from './pil-resample.js';
import { RESAMPLERS, resizeLikePil, resizesWithSharp, strides, type ResizedRgb, type Resampler } from './resize.js';

export type ClipResize = { shortestEdge: number } | { height: number; width: number };

/** Fully resolved preprocessing parameters (config values with transformers' defaults filled in). */
export interface ClipPreprocessParams {
  doResize: boolean;
  size: ClipResize;
  /** PIL resampling filter id (3 = bicubic) */
  resample: number;
  doCenterCrop: boolean;
  cropSize: { height: number; width: number };
  doRescale: boolean;
  rescaleFactor: number;
  doNormalize: boolean;
  imageMean: [number, number, number];
  imageStd: [number, number, number];
}

export interface ClipPreprocessor {
  readonly params: ClipPreprocessParams;
  /** [channels, height, width] of one preprocessed image; a batch is [N, ...inputShape] */
  readonly inputShape: [3, number, number];
  /** sha256 of the canonical preprocessing parameters (including resampler and decode semantics) */
  readonly hash: string;
  readonly resampler: Resampler;
  /** Everything needed to build the same preprocessor elsewhere (a worker thread): preprocessorFromParams(spec.params, spec). */
  readonly spec: ClipPreprocessSpec;
  /** CHW float32 for one image. */
  preprocess(img: DecodedImage): Promise<Float32Array>;
  /**
   * The size the whole image is resized to, when that resize may run fused with decoding (fusedResize): a
   * bicubic reduction that resizeLikePil would hand to sharp. Undefined otherwise.
   */
  resizeTarget(width: number, height: number): { width: number; height: number } | undefined;
  /** CHW float32 from the image already resized to resizeTarget's size (alpha-free images only). */
  fromResized(resized: ResizedRgb): Float32Array;
}

export interface ClipPreprocessSpec {
  kind: 'clip';
  params: ClipPreprocessParams;
  resampler: Resampler;
  convention: PixelConvention;
  source: string;
}

export interface ClipPreprocessorOptions {
  /** 'fast' (default): sharp for bicubic downscaling; 'exact': bit-exact Pillow resampling throughout */
  resampler?: Resampler;
  /** where the config came from, for error messages */
  source?: string;
  /** whose arithmetic to reproduce (default 'transformers'); see PixelConvention */
  convention?: PixelConvention;
}

/**
 * The two reference pipelines this module reproduces bit for bit, which differ outside the parameters:
 *  - 'transformers' (CLIPImageProcessor, BitImageProcessor): convert('RGB') drops alpha; v × rescale_factor
 *    in float64 then float32; (x − mean) / std in float32.
 *  - 'imgutils' (deepghs imgutils, e.g. CCIP): load_image pastes RGBA onto white (Image.paste with the
 *    alpha as mask); v / 255 in float32; (x − mean) / std in float64, then float32.
 */
export type PixelConvention = 'transformers' | 'imgutils';

export const OPENAI_CLIP_MEAN: [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
export const OPENAI_CLIP_STD: [number, number, number] = [0.26862954, 0.26130258, 0.27577711];

const COMPATIBLE_PROCESSORS = new Set(['CLIPImageProcessor', 'CLIPFeatureExtractor', 'BitImageProcessor']);
const CLIP_PREPROCESS_VERSION = 1;

export class ClipConfigError extends Error {
  constructor(source: string, field: string, expected: string, found: unknown) {
    super(`${source}: field "${field}": expected ${expected}, found ${describe(found)}`);
    this.name = 'ClipConfigError';
  }
}

/**
 * Build a preprocessor from the parsed JSON (or the JSON text) of a preprocessor_config.json.
 * Missing fields take CLIPImageProcessor's defaults; wrong ones throw ClipConfigError naming the field.
 */
export function clipPreprocessorFromConfig(json: unknown, opts: ClipPreprocessorOptions = {}): ClipPreprocessor {
  return preprocessorFromParams(resolveClipParams(json, opts.source ?? 'preprocessor_config.json'), opts);
}

/** A preprocessor from resolved parameters (for models whose reference code fixes them instead of a config file). */
export function preprocessorFromParams(params: ClipPreprocessParams, opts: ClipPreprocessorOptions = {}): ClipPreprocessor {
  const source = opts.source ?? 'preprocessor_config.json';
  const resampler = opts.resampler ?? 'fast';
  const convention = opts.convention ?? 'transformers';
  if (!RESAMPLERS.includes(resampler)) throw new RangeError(`unknown resampler "${resampler}"; expected ${RESAMPLERS.join(' or ')}`);
  const filter = PIL_RESAMPLE_IDS[params.resample] as PilFilter;
  const [, outH, outW] = inputShape(params, source);
  const lut = normalizationTable(params, convention);
  // The transformers convention keeps the hash it had before conventions existed, so cached vectors stay valid.
  const hash = sha256Hex(
    canonicalJson({
      preprocessor: 'clip',
      version: CLIP_PREPROCESS_VERSION,
      decode: DECODE_SEMANTICS_VERSION,
      resampler,
      params,
      ...(convention === 'transformers' ? {} : { convention }),
    }),
  );

  return {
    params,
    inputShape: [3, outH, outW],
    hash,
    resampler,
    spec: { kind: 'clip', params, resampler, convention, source },
    async preprocess(img: DecodedImage): Promise<Float32Array> {
      assertDecodedImage(img);
      const pixels =
        convention === 'imgutils' && img.hasAlpha
          ? { data: pasteOnWhite(img), width: img.width, height: img.height, channels: 3 as const }
          : { data: img.data, width: img.width, height: img.height, channels: channelsOf(img), opaque: !img.hasAlpha };
      const [height, width] = params.doResize ? resizeOutputSize(img.width, img.height, params.size) : [img.height, img.width];
      const resized = await resizeLikePil(pixels, width, height, filter, resampler);
      return cropToChw(resized, outW, outH, params.doCenterCrop, lut);
    },
    resizeTarget(width, height) {
      if (!params.doResize) return undefined;
      const [h, w] = resizeOutputSize(width, height, params.size);
      return resizesWithSharp({ width, height }, w, h, filter, resampler) ? { width: w, height: h } : undefined;
    },
    fromResized: (resized) => cropToChw(resized, outW, outH, params.doCenterCrop, lut),
  };
}

/**
 * Pillow's Image.new('RGBA', size, 'white').paste(image, mask=image) then convert('RGB'), as imgutils'
 * load_image does for images with alpha: per channel DIV255(255 · (255 − a) + v · a) (Paste.c). Packed RGB.
 */
function pasteOnWhite(img: DecodedImage): Uint8Array {
  const n = img.width * img.height;
  const out = new Uint8Array(n * 3);
  const d = img.data;
  for (let i = 0, p = 0, o = 0; i < n; i++, p += 4, o += 3) {
    const a = d[p + 3];
    for (let c = 0; c < 3; c++) {
      const tmp = 255 * (255 - a) + d[p + c] * a + 128;
      out[o + c] = ((tmp >> 8) + tmp) >> 8;
    }
  }
  return out;
}

/**
 * transformers' get_resize_output_image_size: the short side becomes `shortestEdge`, the long side
 * int(shortestEdge * long / short) (truncated, in float64). Returns [height, width].
 */
export function resizeOutputSize(width: number, height: number, size: ClipResize): [number, number] {
  if ('height' in size) return [size.height, size.width];
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  const newLong = Math.trunc((size.shortestEdge * long) / short);
  return width <= height ? [newLong, size.shortestEdge] : [size.shortestEdge, newLong];
}

function inputShape(p: ClipPreprocessParams, source: string): [3, number, number] {
  if (p.doCenterCrop) return [3, p.cropSize.height, p.cropSize.width];
  if (p.doResize && 'height' in p.size) return [3, p.size.height, p.size.width];
  throw new ClipConfigError(
    source,
    'do_center_crop',
    'true, or a fixed size {height, width} with do_resize (otherwise the tensor size depends on each image)',
    false,
  );
}

/** value → float32 result of rescale and normalize, per channel, exactly as numpy computes it in the given convention */
function normalizationTable(p: ClipPreprocessParams, convention: PixelConvention): Float32Array {
  const lut = new Float32Array(3 * 256);
  const f = Math.fround;
  for (let c = 0; c < 3; c++) {
    const mean = f(p.imageMean[c]);
    const std = f(p.imageStd[c]);
    for (let v = 0; v < 256; v++) {
      if (convention === 'imgutils') {
        let x = p.doRescale ? f(v / (1 / p.rescaleFactor)) : v; // 1 / (1 / 255) is exactly 255
        if (p.doNormalize) x = f((x - p.imageMean[c]) / p.imageStd[c]);
        lut[c * 256 + v] = x;
        continue;
      }
      let x = p.doRescale ? f(v * p.rescaleFactor) : v;
      if (p.doNormalize) x = f(f(x - mean) / std);
      lut[c * 256 + v] = x;
    }
  }
  return lut;
}

/**
 * Center crop (transformers' center_crop: top = (H − h) // 2, left = (W − w) // 2, zero padding where
 * the image is smaller) fused with the lookup of normalized values and the HWC → CHW transpose.
 */
function cropToChw(src: ResizedRgb, outW: number, outH: number, crop: boolean, lut: Float32Array): Float32Array {
  const { width, height, data } = src;
  const step = strides(src);
  const offY = crop ? Math.floor((height - outH) / 2) : 0;
  const offX = crop ? Math.floor((width - outW) / 2) : 0;
  const plane = outW * outH;
  const out = new Float32Array(3 * plane);
  const zero0 = lut[0];
  const zero1 = lut[256];
  const zero2 = lut[512];
  for (let y = 0; y < outH; y++) {
    const sy = y + offY;
    const rowInside = sy >= 0 && sy < height;
    for (let x = 0; x < outW; x++) {
      const sx = x + offX;
      const o = y * outW + x;
      if (rowInside && sx >= 0 && sx < width) {
        const p = sy * step.y + sx * step.x;
        out[o] = lut[data[p]];
        out[plane + o] = lut[256 + data[p + 1]];
        out[2 * plane + o] = lut[512 + data[p + 2]];
      } else {
        out[o] = zero0;
        out[plane + o] = zero1;
        out[2 * plane + o] = zero2;
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Config parsing
// ---------------------------------------------------------------------------------------------

export function resolveClipParams(json: unknown, source = 'preprocessor_config.json'): ClipPreprocessParams {
  let cfg: unknown = json;
  if (typeof json === 'string') {
    try {
      cfg = JSON.parse(json);
    } catch (err) {
      throw new Error(`${source}: not valid JSON (${(err as Error).message})`);
    }
  }
  if (!cfg || typeof cfg !== 'object' || Array.isArray(cfg)) throw new ClipConfigError(source, '(root)', 'a JSON object', cfg);
  const c = cfg as Record<string, unknown>;

  const type = c.image_processor_type ?? c.feature_extractor_type;
  if (type !== undefined && !COMPATIBLE_PROCESSORS.has(String(type))) {
    throw new ClipConfigError(source, 'image_processor_type', [...COMPATIBLE_PROCESSORS].join(', '), type);
  }

  const bool = (key: string, fallback: boolean): boolean => {
    const v = c[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') throw new ClipConfigError(source, key, 'true or false', v);
    return v;
  };
  const positiveInt = (key: string, v: unknown): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 16384) {
      throw new ClipConfigError(source, key, 'an integer between 1 and 16384', v);
    }
    return v;
  };
  const triple = (key: string, fallback: [number, number, number], positive: boolean): [number, number, number] => {
    const v = c[key];
    if (v === undefined || v === null) return fallback;
    const values = typeof v === 'number' ? [v, v, v] : v;
    if (!Array.isArray(values) || values.length !== 3 || !values.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new ClipConfigError(source, key, 'a number or a list of 3 numbers (one per RGB channel)', v);
    }
    if (positive && !values.every((x) => x > 0)) throw new ClipConfigError(source, key, 'positive numbers', v);
    return values as [number, number, number];
  };

  const doResize = bool('do_resize', true);
  const sizeRaw = c.size ?? { shortest_edge: 224 };
  let size: ClipResize;
  if (typeof sizeRaw === 'number') {
    size = { shortestEdge: positiveInt('size', sizeRaw) };
  } else if (sizeRaw && typeof sizeRaw === 'object' && !Array.isArray(sizeRaw)) {
    const s = sizeRaw as Record<string, unknown>;
    if (s.shortest_edge !== undefined) {
      size = { shortestEdge: positiveInt('size.shortest_edge', s.shortest_edge) };
    } else if (s.height !== undefined && s.width !== undefined) {
      size = { height: positiveInt('size.height', s.height), width: positiveInt('size.width', s.width) };
    } else {
      throw new ClipConfigError(source, 'size', '{"shortest_edge": n} or {"height": h, "width": w} or an integer', sizeRaw);
    }
  } else if (Array.isArray(sizeRaw) && sizeRaw.length === 2) {
    size = { height: positiveInt('size[0]', sizeRaw[0]), width: positiveInt('size[1]', sizeRaw[1]) };
  } else {
    throw new ClipConfigError(source, 'size', '{"shortest_edge": n} or {"height": h, "width": w} or an integer', sizeRaw);
  }

  const resample = c.resample ?? 3;
  if (typeof resample !== 'number' || PIL_RESAMPLE_IDS[resample] === undefined) {
    throw new ClipConfigError(source, 'resample', 'a PIL filter id: 1 (lanczos), 2 (bilinear), 3 (bicubic), 4 (box) or 5 (hamming)', resample);
  }

  const doCenterCrop = bool('do_center_crop', true);
  const cropRaw = c.crop_size ?? { height: 224, width: 224 };
  let cropSize: { height: number; width: number };
  if (typeof cropRaw === 'number') {
    const n = positiveInt('crop_size', cropRaw);
    cropSize = { height: n, width: n };
  } else if (cropRaw && typeof cropRaw === 'object' && !Array.isArray(cropRaw)) {
    const s = cropRaw as Record<string, unknown>;
    if (s.height === undefined || s.width === undefined) {
      throw new ClipConfigError(source, 'crop_size', '{"height": h, "width": w} or an integer', cropRaw);
    }
    cropSize = { height: positiveInt('crop_size.height', s.height), width: positiveInt('crop_size.width', s.width) };
  } else {
    throw new ClipConfigError(source, 'crop_size', '{"height": h, "width": w} or an integer', cropRaw);
  }

  const doRescale = bool('do_rescale', true);
  const rescaleFactor = c.rescale_factor ?? 1 / 255;
  if (typeof rescaleFactor !== 'number' || !Number.isFinite(rescaleFactor) || rescaleFactor <= 0) {
    throw new ClipConfigError(source, 'rescale_factor', 'a positive number', rescaleFactor);
  }
  const doNormalize = bool('do_normalize', true);
  const imageMean = triple('image_mean', OPENAI_CLIP_MEAN, false);
  const imageStd = triple('image_std', OPENAI_CLIP_STD, true);
  // do_convert_rgb is validated but has no switch: the models take 3 channels, so RGB is always produced.
  bool('do_convert_rgb', true);

  return { doResize, size, resample, doCenterCrop, cropSize, doRescale, rescaleFactor, doNormalize, imageMean, imageStd };
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const text = JSON.stringify(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
