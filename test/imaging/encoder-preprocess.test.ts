import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadCcip } from '../../src/encoders/ccip.js';
import { loadDinov2 } from '../../src/encoders/dinov2.js';
import { clipPreprocessorFromConfig } from '../../src/imaging/clip-preprocess.js';
import { decodeImage, type DecodedImage } from '../../src/imaging/decode.js';
import { decodeNpy } from '../../src/imaging/npy.js';
import { GOLDEN_DIR, IMAGES_DIR } from '../golden/parity.js';

/** Goldens of test/golden/make_encoder_golden.py (PIL reference of BitImageProcessor and of deepghs imgutils' CCIP). */
const manifest = JSON.parse(readFileSync(join(GOLDEN_DIR, 'encoders.json'), 'utf8')) as {
  dinov2: { config: Record<string, unknown>; images: Record<string, { float_golden: boolean }> };
  ccip: { size: number; images: Record<string, { composited: boolean }> };
};
const golden = (path: string) => decodeNpy(gunzipSync(readFileSync(join(GOLDEN_DIR, path))));
const decode = (name: string) => decodeImage(join(IMAGES_DIR, name));

/** Each value of our CHW tensor mapped back to an 8-bit level, minus the golden HWC level: the largest and mean gaps. */
function levelGaps(ours: Float32Array, u8: Uint8Array, mean: number[], std: number[]): { max: number; mean: number } {
  const plane = u8.length / 3;
  let max = 0;
  let sum = 0;
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < plane; i++) {
      const gap = Math.abs((ours[c * plane + i] * std[c] + mean[c]) * 255 - u8[i * 3 + c]);
      max = Math.max(max, gap);
      sum += gap;
    }
  }
  return { max, mean: sum / (3 * plane) };
}

/** The CHW float tensor the reference makes of a golden HWC uint8 image, through a per-channel table of 256 values. */
function throughTable(u8: Uint8Array, table: Float32Array): Float32Array {
  const plane = u8.length / 3;
  const out = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) for (let i = 0; i < plane; i++) out[c * plane + i] = table[c * 256 + u8[i * 3 + c]];
  return out;
}

describe('DINOv2 preprocessing (BitImageProcessor) against the PIL reference', () => {
  const mean = manifest.dinov2.config.image_mean as number[];
  const std = manifest.dinov2.config.image_std as number[];
  const names = Object.keys(manifest.dinov2.images);

  it('reads the settings from the config, not CLIP defaults: the fixture model copies onnx-community/dinov2-small', async () => {
    const dino = await loadDinov2('fixtures/models/dinov2-small');
    expect(dino.preprocessor.params).toMatchObject({ size: { shortestEdge: 256 }, cropSize: { height: 224, width: 224 }, imageMean: mean, imageStd: std });
    expect(dino.preprocessor.params).toEqual(clipPreprocessorFromConfig(manifest.dinov2.config).params);
    await dino.release();
  });

  it('is bit-identical to the reference with the exact resampler', async () => {
    const pre = clipPreprocessorFromConfig(manifest.dinov2.config, { resampler: 'exact' });
    for (const name of names) {
      const ours = await pre.preprocess(await decode(name));
      const u8 = golden(`dinov2/${name}.u8.npy.gz`);
      expect(u8.shape, name).toEqual([224, 224, 3]);
      expect(levelGaps(ours, u8.data as Uint8Array, mean, std).max, name).toBeLessThan(1e-3);
      if (manifest.dinov2.images[name].float_golden) {
        const f32 = golden(`dinov2/${name}.f32.npy.gz`);
        expect(Buffer.from(ours.buffer).equals(Buffer.from((f32.data as Float32Array).buffer)), `${name}: float32 pixel_values bit for bit`).toBe(true);
      }
    }
  });

  it('stays within a few levels of the reference with the fast resampler', async () => {
    const pre = clipPreprocessorFromConfig(manifest.dinov2.config);
    for (const name of names) {
      const gaps = levelGaps(await pre.preprocess(await decode(name)), golden(`dinov2/${name}.u8.npy.gz`).data as Uint8Array, mean, std);
      expect(gaps.mean, name).toBeLessThan(0.2);
      expect(gaps.max, name).toBeLessThanOrEqual(4.001);
    }
  });
});

describe('CCIP preprocessing against deepghs imgutils', () => {
  const size = manifest.ccip.size;
  const table = golden('ccip/normalize.f32.npy.gz');

  it('normalizes every 8-bit level exactly as imgutils (float32 /255, float64 normalize)', async () => {
    const ccip = await loadCcip('fixtures/models/ccip');
    expect(ccip.preprocessor.inputShape).toEqual([3, size, size]);
    // An image of the model's size is not resized, so each output value is the normalization of its input level.
    const data = new Uint8Array(size * size * 4);
    for (let i = 0; i < size * size; i++) data.set([i % 256, (i + 85) % 256, (i + 170) % 256, 255], i * 4);
    const image: DecodedImage = { width: size, height: size, data, hasAlpha: false, format: 'png' };
    const ours = await ccip.preprocessor.preprocess(image);
    const plane = size * size;
    const expected = new Float32Array(3 * plane);
    for (let c = 0; c < 3; c++) for (let i = 0; i < plane; i++) expected[c * plane + i] = (table.data as Float32Array)[c * 256 + data[i * 4 + c]];
    expect(Buffer.from(ours.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
    await ccip.release();
  });

  it('composites on white and stretches to 384×384 with bilinear, bit for bit', async () => {
    const ccip = await loadCcip('fixtures/models/ccip');
    for (const name of Object.keys(manifest.ccip.images)) {
      const u8 = golden(`ccip/${name}.u8.npy.gz`);
      expect(u8.shape, name).toEqual([size, size, 3]);
      const ours = await ccip.preprocessor.preprocess(await decode(name));
      const expected = throughTable(u8.data as Uint8Array, table.data as Float32Array);
      expect(Buffer.from(ours.buffer).equals(Buffer.from(expected.buffer)), name).toBe(true);
    }
    expect(Object.values(manifest.ccip.images).some((i) => i.composited)).toBe(true);
    await ccip.release();
  });

  it('differs from CLIP preprocessing where imgutils does: alpha composited, not dropped', async () => {
    const ccip = await loadCcip('fixtures/models/ccip');
    const transparentRed: DecodedImage = {
      width: size,
      height: size,
      data: new Uint8Array(size * size * 4).fill(0).map((_, i) => (i % 4 === 0 ? 255 : 0)),
      hasAlpha: true,
      format: 'png',
    };
    const out = await ccip.preprocessor.preprocess(transparentRed);
    // Fully transparent red is white for imgutils: every channel at level 255.
    expect(out[0]).toBeCloseTo((1 - 0.48145466) / 0.26862954, 5);
    expect(out[size * size]).toBeCloseTo((1 - 0.4578275) / 0.26130258, 5);
    await ccip.release();
  });
});
