import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { clipPreprocessorFromConfig, OPENAI_CLIP_MEAN, OPENAI_CLIP_STD, preprocessorFromParams } from '../../src/imaging/clip-preprocess.js';
import { decodeImage, ImageDecodeError, orientedSize, readImageHeader } from '../../src/imaging/decode.js';
import { fusable } from '../../src/imaging/fused-resize.js';
import { preprocessImage } from '../../src/imaging/prepare-image.js';
import { detailPreprocessor, type ImagePreprocessor } from '../../src/imaging/preprocess-spec.js';
import { taggerPreprocessor } from '../../src/imaging/tagger-preprocess.js';
import { CLIP_CONFIG_PATH, CLIP_MAX_BOUND, CLIP_MEAN_BOUND, clipErrors, goldenClipU8, hasClipConfig, IMAGES_DIR, loadManifest } from '../golden/parity.js';

const manifest = loadManifest();
const goldenNames = Object.keys(manifest.images);
const clipConfig = hasClipConfig ? JSON.parse(readFileSync(CLIP_CONFIG_PATH, 'utf8')) : {};
const clip = clipPreprocessorFromConfig(clipConfig);
const dinov2 = clipPreprocessorFromConfig(JSON.parse(readFileSync('fixtures/models/dinov2-small/preprocessor_config.json', 'utf8')));
const preprocessors: Record<string, ImagePreprocessor> = { clip, dinov2, tagger: taggerPreprocessor(448), detail: detailPreprocessor('fast') };

/** Whether preprocessImage takes the fused path for this image when `p` is the only model that needs it. */
async function goesFused(bytes: Buffer, p: ImagePreprocessor): Promise<boolean> {
  const header = await readImageHeader(bytes);
  const { width, height } = orientedSize(header);
  return fusable(header) && p.resizeTarget(width, height) !== undefined;
}

/** A picture with hard edges, thin lines and noise, where a changed pass order or kernel shows. */
function testPicture(width: number, height: number, channels: 1 | 3): Buffer {
  const data = Buffer.alloc(width * height * channels);
  let seed = 12345;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const line = x % 37 === 0 || y % 41 === 0 ? 255 : 0;
      for (let c = 0; c < channels; c++) {
        const v = line || ((x * (c + 1) + y * (3 - c)) & 255) ^ (seed >> 24);
        data[(y * width + x) * channels + c] = v;
      }
    }
  }
  return data;
}

const raw = (width: number, height: number, channels: 1 | 3) => sharp(testPicture(width, height, channels), { raw: { width, height, channels } });

/** Encoded test files covering what the fused path accepts: formats, gray, EXIF orientation, square and not. */
const synthetic: [string, () => Promise<Buffer>][] = [
  ['rgb 600×600 png', () => raw(600, 600, 3).png().toBuffer()],
  ['rgb 640×520 png', () => raw(640, 520, 3).png().toBuffer()],
  ['gray 700×600 png', () => raw(700, 600, 1).png().toBuffer()],
  ['rgb 800×600 jpeg, EXIF orientation 6', () => raw(800, 600, 3).jpeg({ quality: 92 }).withMetadata({ orientation: 6 }).toBuffer()],
  ['rgb 900×900 jpeg, EXIF orientation 3', () => raw(900, 900, 3).jpeg({ quality: 92 }).withMetadata({ orientation: 3 }).toBuffer()],
  ['rgb 1200×1000 lossy webp', () => raw(1200, 1000, 3).webp({ quality: 90 }).toBuffer()],
];

describe('fused decoding and reduction gives the two-step pixels', () => {
  it.each(synthetic)('%s: every model alone, fused = decode then preprocess, bit for bit', async (_, make) => {
    const bytes = await make();
    let fused = 0;
    for (const [name, p] of Object.entries(preprocessors)) {
      const [one] = await preprocessImage(bytes, [p]);
      const [two] = await preprocessImage(bytes, [p], { fuse: 'never' });
      if (await goesFused(bytes, p)) fused++;
      expect(one!.length, name).toBe(two!.length);
      expect(Buffer.from(one!.buffer).equals(Buffer.from(two!.buffer)), `${name} differs`).toBe(true);
    }
    // CLIP and DINOv2 reduce every one of these images, so the comparison above is not of one path with itself.
    expect(fused).toBeGreaterThanOrEqual(2);
  });

  it('takes the fused path for square images for the tagger and for images above 512 px for detail', async () => {
    const square = await synthetic[0][1]();
    expect(await goesFused(square, preprocessors.tagger)).toBe(true);
    expect(await goesFused(square, preprocessors.detail)).toBe(true);
    const wide = await synthetic[1][1]();
    expect(await goesFused(wide, preprocessors.tagger)).toBe(false); // padded to a square first
  });

  it('decodes once for every model when several need the image, with the same tensors', async () => {
    const bytes = await synthetic[3][1]();
    const all = Object.values(preprocessors);
    const together = await preprocessImage(bytes, all);
    for (const [i, p] of all.entries()) {
      const [alone] = await preprocessImage(bytes, [p]);
      expect(Buffer.from(together[i]!.buffer).equals(Buffer.from(alone!.buffer))).toBe(true);
    }
  });

  it('orientation is applied before the transpose: a fused CLIP crop of a rotated JPEG equals that of the upright pixels', async () => {
    const upright = await raw(600, 800, 3).png().toBuffer();
    const decoded = await decodeImage(upright);
    const rotated = await sharp(upright).rotate(-90).jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).withMetadata({ orientation: 6 }).toBuffer();
    expect(await goesFused(rotated, clip)).toBe(true);
    const [fromRotated] = await preprocessImage(rotated, [clip]);
    const fromUpright = await clip.preprocess(decoded);
    // JPEG is lossy, so compare in 8-bit levels: a wrong orientation would be off by about a hundred.
    let sum = 0;
    for (let i = 0; i < fromUpright.length; i++) sum += Math.abs(fromRotated![i] - fromUpright[i]);
    expect(sum / fromUpright.length).toBeLessThan(0.05);
  });
});

describe.skipIf(!hasClipConfig)('fused path against the Pillow goldens', () => {
  const candidates = goldenNames.filter((n) => !manifest.images[n].clip_upscaled);
  it.each(candidates)(`%s: CLIP alone equals the two-step path and stays within mean ≤ ${CLIP_MEAN_BOUND}, max ≤ ${CLIP_MAX_BOUND}`, async (name) => {
    const bytes = readFileSync(join(IMAGES_DIR, name));
    const [one] = await preprocessImage(bytes, [clip]);
    const [two] = await preprocessImage(bytes, [clip], { fuse: 'never' });
    expect(Buffer.from(one!.buffer).equals(Buffer.from(two!.buffer))).toBe(true);
    if (manifest.images[name].decode_exact === false) return; // CMYK: bounded in clip-preprocess.test.ts, never fused
    const errors = clipErrors(one!, goldenClipU8(name).data, 224, 224, clip.params.imageMean, clip.params.imageStd);
    expect(errors.mean).toBeLessThanOrEqual(CLIP_MEAN_BOUND);
    expect(errors.max).toBeLessThanOrEqual(CLIP_MAX_BOUND);
  });

  it('the golden set exercises the fused path on PNG, JPEG, WebP and gray images, and keeps alpha, 16-bit and CMYK images out of it', async () => {
    const fused: string[] = [];
    for (const name of candidates) if (await goesFused(readFileSync(join(IMAGES_DIR, name)), clip)) fused.push(name);
    expect(fused.sort()).toEqual([
      'gray_L_300x450.png',
      'landscape_517x301.jpg',
      'landscape_600x400.png',
      'photo_450x300.webp',
      'portrait_333x517.png',
      'square_448.png',
    ]);
  });
});

describe('errors of the fused path are decodeImage errors', () => {
  it('a truncated PNG fails with the same code and reason either way', async () => {
    const whole = await raw(600, 600, 3).png().toBuffer();
    const cut = whole.subarray(0, Math.floor(whole.length / 2));
    const expected = await decodeImage(cut, { path: 'cut.png' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(expected).toBeInstanceOf(ImageDecodeError);
    const fused = await preprocessImage(cut, [clip], { path: 'cut.png' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(fused).toBeInstanceOf(ImageDecodeError);
    expect((fused as ImageDecodeError).code).toBe((expected as ImageDecodeError).code);
    expect((fused as ImageDecodeError).message).toBe((expected as ImageDecodeError).message);
  });

  it('too large is refused from the header, before any decoding', async () => {
    const bytes = await raw(600, 600, 3).png().toBuffer();
    await expect(preprocessImage(bytes, [clip], { path: 'big.png', maxPixels: 600 * 599 })).rejects.toThrow(
      'big.png: too large: 600×600 = 360,000 pixels exceeds the limit of 359,400',
    );
  });
});

describe('opaque images decoded to packed RGB give the tensors of RGBA decoding', () => {
  const ccip = preprocessorFromParams(
    {
      doResize: true,
      size: { height: 384, width: 384 },
      resample: 2,
      doCenterCrop: false,
      cropSize: { height: 384, width: 384 },
      doRescale: true,
      rescaleFactor: 1 / 255,
      doNormalize: true,
      imageMean: OPENAI_CLIP_MEAN,
      imageStd: OPENAI_CLIP_STD,
    },
    { convention: 'imgutils' },
  );
  const all: Record<string, ImagePreprocessor> = { ...preprocessors, ccip };
  it.each(goldenNames)('%s: every model', async (name) => {
    const file = join(IMAGES_DIR, name);
    const rgba = await decodeImage(file);
    const compact = await decodeImage(file, { opaqueAsRgb: true });
    expect(compact.channels).toBe(rgba.hasAlpha ? 4 : 3);
    for (const [model, p] of Object.entries(all)) {
      const a = await p.preprocess(rgba);
      const b = await p.preprocess(compact);
      expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer)), model).toBe(true);
    }
  });
});
