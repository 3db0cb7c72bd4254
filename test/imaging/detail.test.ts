import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/imaging/decode.js';
import { detailOf, detailScale, laplacianRms } from '../../src/imaging/detail.js';
import { detail } from '../../metrics/detail.js';
import { createRng } from '../../src/stats/index.js';

/**
 * A picture defined in picture coordinates (u, v in 0–1): soft colour gradients and a disc, plus a fine texture of
 * the given amplitude (gray levels) whose period is 1/96 of the picture's width, so it sits at a fixed place of
 * the spectrum whatever the pixel size. Rendered by supersampling 4×4 per pixel.
 */
function picture(width: number, height: number, texture: number): Buffer {
  const data = Buffer.alloc(width * height * 3);
  const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let r = 0,
        g = 0,
        b = 0;
      for (let sy = 0; sy < 4; sy++) {
        for (let sx = 0; sx < 4; sx++) {
          const u = (x + (sx + 0.5) / 4) / width;
          const v = (y + (sy + 0.5) / 4) / height;
          const disc = (u - 0.5) ** 2 + ((v - 0.45) * 1.5) ** 2 < 0.06 ? 60 : 0;
          const t = texture * Math.sin(2 * Math.PI * 96 * u) * Math.sin(2 * Math.PI * 64 * v);
          r += 90 + 100 * u + disc + t;
          g += 70 + 80 * v + disc + t;
          b += 120 - 40 * u + t;
        }
      }
      const i = (y * width + x) * 3;
      data[i] = clamp(r / 16);
      data[i + 1] = clamp(g / 16);
      data[i + 2] = clamp(b / 16);
    }
  }
  return data;
}

async function png(width: number, height: number, texture: number): Promise<Buffer> {
  return sharp(picture(width, height, texture), { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

const detailOfPng = async (bytes: Buffer) => detailOf(await decodeImage(bytes, { path: 'test.png' }));

describe('detail', () => {
  it('is the RMS of the 4-neighbour Laplacian: 8a on a ±a checkerboard, 0 on a linear ramp', () => {
    const w = 9,
      h = 7;
    const checker = new Float64Array(w * h).map((_, i) => 100 + 5 * ((Math.floor(i / w) + (i % w)) % 2 ? 1 : -1));
    expect(laplacianRms(checker, w, h)).toBeCloseTo(40, 12);
    const ramp = new Float64Array(w * h).map((_, i) => 3 * (i % w) + 2 * Math.floor(i / w));
    expect(laplacianRms(ramp, w, h)).toBeCloseTo(0, 12);
    expect(() => laplacianRms(new Float64Array(4), 2, 2)).toThrow(/at least 3×3 pixels/);
  });

  it('analyses at short side 512, keeping the aspect ratio', () => {
    expect(detailScale(512, 768)).toEqual([512, 768]);
    expect(detailScale(1024, 1536)).toEqual([512, 768]);
    expect(detailScale(1536, 1024)).toEqual([768, 512]);
    expect(detailScale(300, 300)).toEqual([512, 512]);
  });

  it('orders the same picture by the fine texture planted in it', async () => {
    const values = [];
    for (const amplitude of [0, 5, 10, 20]) values.push(await detailOfPng(await png(512, 768, amplitude)));
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThan(values[i - 1] * 1.2);
    // Without texture the picture is smooth: little energy beyond its disc's edge.
    expect(values[0]).toBeLessThan(values[3] / 3);
  });

  it('gives the same value for the same picture at different sizes', async () => {
    for (const amplitude of [5, 10, 20]) {
      const small = await detailOfPng(await png(512, 768, amplitude));
      const large = await detailOfPng(await png(1024, 1536, amplitude));
      expect(Math.abs(large - small) / small, `texture ${amplitude}`).toBeLessThan(0.1);
    }
    // A smooth picture keeps the 8-bit rounding noise of its own size (about 0.3 gray levels here).
    const smooth = [await detailOfPng(await png(512, 768, 0)), await detailOfPng(await png(1024, 1536, 0))];
    expect(Math.abs(smooth[0] - smooth[1])).toBeLessThan(0.5);
  });

  it('counts noise as detail too, so added noise raises it', async () => {
    const rng = createRng(3);
    const clean = picture(512, 512, 0);
    const noisy = Buffer.from(clean.map((v) => Math.max(0, Math.min(255, Math.round(v + 8 * rng.normal())))));
    const asPng = (raw: Buffer) =>
      sharp(raw, { raw: { width: 512, height: 512, channels: 3 } })
        .png()
        .toBuffer();
    expect(await detailOfPng(await asPng(noisy))).toBeGreaterThan(2 * (await detailOfPng(await asPng(clean))));
  });

  it('is the detail metric of an image, unavailable without a value', () => {
    const ctx = { image: {} as never, prompt: {} as never, lora: {} as never };
    expect(detail.compute({ ...ctx, pixels: { model: 'detail-v1', detail: 12.5 } })).toEqual({ values: [{ metric: 'detail', value: 12.5 }] });
    expect(detail.compute(ctx)).toEqual({ unavailable: 'no detail value' });
  });
});
