import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClipConfigError, clipPreprocessorFromConfig, resizeOutputSize, resolveClipParams } from '../../src/imaging/clip-preprocess.js';
import { decodeImage, type DecodedImage } from '../../src/imaging/decode.js';
import {
  CLIP_CMYK_MAX_BOUND,
  CLIP_CMYK_MEAN_BOUND,
  CLIP_CONFIG_PATH,
  CLIP_MAX_BOUND,
  CLIP_MEAN_BOUND,
  clipErrors,
  goldenClipF32,
  goldenClipU8,
  hasClipConfig,
  IMAGES_DIR,
  isDecodeExact,
  loadManifest,
} from '../golden/parity.js';

const manifest = loadManifest();
const allNames = Object.keys(manifest.images);
// Colour-managed images decode within a bound of the reference, not bit for bit: checked separately.
const names = allNames.filter((n) => isDecodeExact(manifest.images[n]));
const colourManaged = allNames.filter((n) => !isDecodeExact(manifest.images[n]));
const downscaled = names.filter((n) => !manifest.images[n].clip_upscaled);
const upscaled = names.filter((n) => manifest.images[n].clip_upscaled);

const decoded = new Map<string, Promise<DecodedImage>>();
const decode = (name: string) => {
  if (!decoded.has(name)) decoded.set(name, decodeImage(join(IMAGES_DIR, name)));
  return decoded.get(name)!;
};

function solidImage(width: number, height: number, rgba: [number, number, number, number]): DecodedImage {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set(rgba, i);
  return { width, height, data, hasAlpha: rgba[3] !== 255, format: 'png' };
}

describe('resizeOutputSize (transformers get_resize_output_image_size)', () => {
  it('short side to the target, long side int(size * long / short)', () => {
    expect(resizeOutputSize(600, 400, { shortestEdge: 224 })).toEqual([224, 336]);
    expect(resizeOutputSize(333, 517, { shortestEdge: 224 })).toEqual([347, 224]); // 347.77 truncated
    expect(resizeOutputSize(151, 599, { shortestEdge: 224 })).toEqual([888, 224]); // 888.58 truncated
    expect(resizeOutputSize(97, 71, { shortestEdge: 224 })).toEqual([224, 306]);
    expect(resizeOutputSize(300, 300, { shortestEdge: 224 })).toEqual([224, 224]);
    // float64 rounding: 224 * 700 / 300 = 522.666…, and 224 * 1225 / 350 is exactly 784
    expect(resizeOutputSize(700, 300, { shortestEdge: 224 })).toEqual([224, 522]);
    expect(resizeOutputSize(350, 1225, { shortestEdge: 224 })).toEqual([784, 224]);
    expect(resizeOutputSize(640, 480, { height: 256, width: 300 })).toEqual([256, 300]);
  });

  it('agrees with the sizes the reference computed for every test image', () => {
    for (const name of allNames) {
      const e = manifest.images[name];
      expect(resizeOutputSize(e.width, e.height, { shortestEdge: 224 }), name).toEqual(e.clip_resized_hw);
    }
  });
});

describe('config parsing', () => {
  it('fills CLIPImageProcessor defaults and accepts the size forms transformers accepts', () => {
    const defaults = resolveClipParams({});
    expect(defaults).toMatchObject({
      doResize: true,
      size: { shortestEdge: 224 },
      resample: 3,
      doCenterCrop: true,
      cropSize: { height: 224, width: 224 },
      rescaleFactor: 1 / 255,
      imageMean: [0.48145466, 0.4578275, 0.40821073],
      imageStd: [0.26862954, 0.26130258, 0.27577711],
    });
    expect(resolveClipParams({ size: 256, crop_size: 240 })).toMatchObject({ size: { shortestEdge: 256 }, cropSize: { height: 240, width: 240 } });
    expect(resolveClipParams({ size: { height: 384, width: 384 } }).size).toEqual({ height: 384, width: 384 });
    expect(resolveClipParams({ image_mean: 0.5, image_std: 0.5 })).toMatchObject({ imageMean: [0.5, 0.5, 0.5], imageStd: [0.5, 0.5, 0.5] });
    expect(resolveClipParams(JSON.stringify({ size: { shortest_edge: 256 } })).size).toEqual({ shortestEdge: 256 });
  });

  it('input shape follows the crop, or a fixed resize when there is no crop', () => {
    expect(clipPreprocessorFromConfig({ crop_size: { height: 240, width: 200 } }).inputShape).toEqual([3, 240, 200]);
    expect(clipPreprocessorFromConfig({ do_center_crop: false, size: { height: 384, width: 320 } }).inputShape).toEqual([3, 384, 320]);
  });

  it('names the field and what was expected', () => {
    const bad: [unknown, RegExp][] = [
      [{ size: { longest_edge: 224 } }, /field "size": expected \{"shortest_edge": n\}.*found \{"longest_edge":224\}/],
      [{ size: { shortest_edge: 0 } }, /field "size.shortest_edge": expected an integer between 1 and 16384, found 0/],
      [{ crop_size: { height: 224 } }, /field "crop_size"/],
      [{ resample: 0 }, /field "resample": expected a PIL filter id/],
      [{ image_mean: [0.5, 0.5] }, /field "image_mean": expected a number or a list of 3 numbers/],
      [{ image_std: [0.5, 0, 0.5] }, /field "image_std": expected positive numbers/],
      [{ rescale_factor: '1/255' }, /field "rescale_factor": expected a positive number, found "1\/255"/],
      [{ do_normalize: 'yes' }, /field "do_normalize": expected true or false/],
      [{ image_processor_type: 'ViTImageProcessor' }, /field "image_processor_type"/],
      [[1, 2], /field "\(root\)": expected a JSON object/],
    ];
    for (const [config, message] of bad) {
      expect(() => clipPreprocessorFromConfig(config, { source: 'models/clip/preprocessor_config.json' }), JSON.stringify(config)).toThrow(message);
      expect(() => clipPreprocessorFromConfig(config)).toThrow(ClipConfigError);
    }
    expect(() => clipPreprocessorFromConfig({ do_center_crop: false })).toThrow(/depends on each image/);
    expect(() => clipPreprocessorFromConfig('{not json', { source: 'x.json' })).toThrow(/x.json: not valid JSON/);
  });

  it('hash is stable, and changes with every parameter, the resampler and nothing else', () => {
    const base = clipPreprocessorFromConfig({});
    expect(base.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(clipPreprocessorFromConfig({ size: 224, image_processor_type: 'CLIPImageProcessor' }).hash).toBe(base.hash);
    const variants = [
      { size: 256 },
      { crop_size: 240 },
      { resample: 2 },
      { do_rescale: false },
      { rescale_factor: 0.004 },
      { do_normalize: false },
      { image_mean: [0.5, 0.5, 0.5] },
      { image_std: [0.27, 0.27, 0.27] },
      { size: { height: 224, width: 224 } },
    ];
    const hashes = new Set([base.hash, clipPreprocessorFromConfig({}, { resampler: 'exact' }).hash]);
    for (const v of variants) hashes.add(clipPreprocessorFromConfig(v).hash);
    expect(hashes.size).toBe(variants.length + 2);
  });
});

describe('preprocess semantics on synthetic images', () => {
  it('drops alpha without compositing (convert("RGB")) and normalizes per channel in CHW order', async () => {
    const p = clipPreprocessorFromConfig({});
    const out = await p.preprocess(solidImage(300, 260, [255, 0, 51, 0]));
    expect(out.length).toBe(3 * 224 * 224);
    const f = Math.fround;
    const expected = [255, 0, 51].map((v, c) => f(f(f(v / 255) - f(p.params.imageMean[c])) / f(p.params.imageStd[c])));
    for (let c = 0; c < 3; c++) {
      expect(out[c * 224 * 224]).toBe(expected[c]);
      expect(out[c * 224 * 224 + 224 * 224 - 1]).toBe(expected[c]);
    }
  });

  it('center crop takes floor offsets, and pads with zeros (before normalization) when the image is smaller', async () => {
    // 5×1 image with distinct columns, no resize, crop 3×3: left = (5 − 3) // 2 = 1; top = (1 − 3) // 2 = −1 → zero rows.
    const img: DecodedImage = { width: 5, height: 1, data: new Uint8Array(20), hasAlpha: false, format: 'png' };
    for (let x = 0; x < 5; x++) img.data.set([x * 50, 0, 0, 255], x * 4);
    const p = clipPreprocessorFromConfig({ do_resize: false, crop_size: 3, do_normalize: false, do_rescale: false });
    const out = await p.preprocess(img);
    expect([...out.subarray(0, 9)]).toEqual([0, 0, 0, 50, 100, 150, 0, 0, 0]);
  });
});

describe.skipIf(!hasClipConfig)(`parity with transformers + Pillow (config ${CLIP_CONFIG_PATH})`, () => {
  const config = hasClipConfig ? JSON.parse(readFileSync(CLIP_CONFIG_PATH, 'utf8')) : {};
  const fast = clipPreprocessorFromConfig(config, { source: CLIP_CONFIG_PATH });
  const exact = clipPreprocessorFromConfig(config, { source: CLIP_CONFIG_PATH, resampler: 'exact' });
  const mean = fast.params.imageMean;
  const std = fast.params.imageStd;

  it('input shape is [3, 224, 224]', () => {
    expect(fast.inputShape).toEqual([3, 224, 224]);
  });

  it.each(downscaled)(`fast, downscaled: %s within mean ≤ ${CLIP_MEAN_BOUND}, max ≤ ${CLIP_MAX_BOUND}`, async (name) => {
    const errors = clipErrors(await fast.preprocess(await decode(name)), goldenClipU8(name).data, 224, 224, mean, std);
    expect(errors.mean).toBeLessThanOrEqual(CLIP_MEAN_BOUND);
    expect(errors.max).toBeLessThanOrEqual(CLIP_MAX_BOUND);
  });

  it.each(upscaled)('fast, upscaled: %s is exact (enlarging always uses the Pillow resampler)', async (name) => {
    const errors = clipErrors(await fast.preprocess(await decode(name)), goldenClipU8(name).data, 224, 224, mean, std);
    expect(errors.changed).toBe(0);
    expect(errors.max).toBeLessThan(1e-6);
  });

  it.each(names)('exact: %s matches the Pillow pixels', async (name) => {
    const errors = clipErrors(await exact.preprocess(await decode(name)), goldenClipU8(name).data, 224, 224, mean, std);
    expect(errors.changed).toBe(0);
  });

  it.each(colourManaged.flatMap((n) => [[n, 'fast'] as const, [n, 'exact'] as const]))(
    `colour-managed: %s (%s) within the CMYK decoding bounds, mean ≤ ${CLIP_CMYK_MEAN_BOUND.toFixed(4)}, max ≤ ${CLIP_CMYK_MAX_BOUND.toFixed(3)}`,
    async (name, mode) => {
      const preprocessor = mode === 'fast' ? fast : exact;
      const errors = clipErrors(await preprocessor.preprocess(await decode(name)), goldenClipU8(name).data, 224, 224, mean, std);
      expect(errors.mean).toBeLessThanOrEqual(CLIP_CMYK_MEAN_BOUND);
      expect(errors.max).toBeLessThanOrEqual(CLIP_CMYK_MAX_BOUND);
    },
  );

  it.each(names.filter((n) => manifest.images[n].clip_float_golden))('exact: %s float tensor is bit-identical to transformers', async (name) => {
    const golden = goldenClipF32(name);
    expect(golden.shape).toEqual([3, 224, 224]);
    const ours = await exact.preprocess(await decode(name));
    let mismatches = 0;
    for (let i = 0; i < ours.length; i++) if (!Object.is(ours[i], golden.data[i])) mismatches++;
    expect(mismatches).toBe(0);
  });
});
