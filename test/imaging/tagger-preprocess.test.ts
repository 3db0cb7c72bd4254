import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeImage, type DecodedImage } from '../../src/imaging/decode.js';
import { taggerPreprocessor, whiteSquare } from '../../src/imaging/tagger-preprocess.js';
import {
  DECODE_CMYK_MAX_BOUND,
  DECODE_CMYK_MEAN_BOUND,
  goldenTaggerU8,
  IMAGES_DIR,
  isDecodeExact,
  loadManifest,
  TAGGER_MAX_BOUND,
  TAGGER_MEAN_BOUND,
  taggerErrors,
} from '../golden/parity.js';

const manifest = loadManifest();
const allNames = Object.keys(manifest.images);
// Colour-managed images decode within a bound of the reference, not bit for bit: checked separately.
const names = allNames.filter((n) => isDecodeExact(manifest.images[n]));
const colourManaged = allNames.filter((n) => !isDecodeExact(manifest.images[n]));
const SIZE = manifest.tagger_size;
const downscaled = names.filter((n) => manifest.images[n].tagger_resized && !manifest.images[n].tagger_upscaled);
const notDownscaled = names.filter((n) => !downscaled.includes(n));

function image(width: number, height: number, pixels: number[][]): DecodedImage {
  const data = new Uint8Array(pixels.flat());
  if (data.length !== width * height * 4) throw new Error('bad test image');
  return { width, height, data, hasAlpha: pixels.some((p) => p[3] !== 255), format: 'png' };
}

describe('tagger preprocessing semantics', () => {
  it('pads to a centred white square with offsets (max − w) // 2, (max − h) // 2 and swaps to BGR', async () => {
    // 4 wide, 1 high: square side 4, top = (4 − 1) // 2 = 1; no resize because the side equals the size.
    const p = taggerPreprocessor(4);
    const img = image(4, 1, [
      [255, 0, 0, 255],
      [0, 255, 0, 255],
      [0, 0, 255, 255],
      [10, 20, 30, 255],
    ]);
    const out = await p.preprocess(img);
    expect(p.inputShape).toEqual([1, 4, 4, 3]);
    expect(out.length).toBe(48);
    const row = (y: number) => [...out.subarray(y * 12, y * 12 + 12)];
    expect(row(0)).toEqual(Array(12).fill(255));
    expect(row(1)).toEqual([0, 0, 255, 0, 255, 0, 255, 0, 0, 30, 20, 10]);
    expect(row(2)).toEqual(Array(12).fill(255));
    expect(row(3)).toEqual(Array(12).fill(255));
  });

  it('odd padding puts the extra column on the right, like Pillow paste at (max − w) // 2', () => {
    const { side, left, top, square } = whiteSquare(image(1, 4, Array(4).fill([0, 0, 0, 255])));
    expect([side, left, top]).toEqual([4, 1, 0]);
    expect([...square.subarray(0, 12)]).toEqual([255, 255, 255, 0, 0, 0, 255, 255, 255, 255, 255, 255]);
  });

  it('composites alpha on white with Pillow alpha_composite rounding', () => {
    // Values from Pillow 9.4: Image.new("RGBA", (1, 1), (255,255,255)).alpha_composite(pixel).
    const cases: [number[], number[]][] = [
      [
        [0, 0, 0, 0],
        [255, 255, 255],
      ],
      [
        [0, 0, 0, 128],
        [127, 127, 127],
      ],
      [
        [0, 100, 200, 1],
        [254, 254, 255],
      ],
      [
        [10, 128, 250, 127],
        [133, 192, 253],
      ],
      [
        [200, 50, 7, 64],
        [241, 204, 193],
      ],
      [
        [255, 0, 255, 254],
        [255, 1, 255],
      ],
      [
        [33, 66, 99, 255],
        [33, 66, 99],
      ],
    ];
    for (const [rgba, expected] of cases) {
      const { square } = whiteSquare(image(1, 1, [rgba]));
      expect([...square], JSON.stringify(rgba)).toEqual(expected);
    }
  });

  it('rejects a bad size and a malformed image', async () => {
    expect(() => taggerPreprocessor(0)).toThrow(/integer between 1 and 8192/);
    expect(() => taggerPreprocessor(447.5)).toThrow(/integer/);
    await expect(taggerPreprocessor(8).preprocess({ width: 2, height: 2, data: new Uint8Array(3), hasAlpha: false, format: 'png' })).rejects.toThrow(
      /expected a decoded RGBA image/,
    );
  });

  it('hash depends on size and resampler only', () => {
    const a = taggerPreprocessor(448);
    expect(taggerPreprocessor(448).hash).toBe(a.hash);
    expect(taggerPreprocessor(384).hash).not.toBe(a.hash);
    expect(taggerPreprocessor(448, { resampler: 'exact' }).hash).not.toBe(a.hash);
  });
});

describe(`parity with the wd-tagger app (Pillow), size ${SIZE}`, () => {
  const fast = taggerPreprocessor(SIZE);
  const exact = taggerPreprocessor(SIZE, { resampler: 'exact' });

  it.each(downscaled)(
    `fast, downscaled: %s within mean ≤ ${TAGGER_MEAN_BOUND.toFixed(2)}, max ≤ ${TAGGER_MAX_BOUND.toFixed(2)} (0–255 units)`,
    async (name) => {
      const errors = taggerErrors(await fast.preprocess(await decodeImage(join(IMAGES_DIR, name))), goldenTaggerU8(name).data);
      expect(errors.mean).toBeLessThanOrEqual(TAGGER_MEAN_BOUND);
      expect(errors.max).toBeLessThanOrEqual(TAGGER_MAX_BOUND);
    },
  );

  it.each(notDownscaled)('fast, upscaled or unresized: %s is exact', async (name) => {
    const errors = taggerErrors(await fast.preprocess(await decodeImage(join(IMAGES_DIR, name))), goldenTaggerU8(name).data);
    expect(errors.max).toBe(0);
  });

  it.each(colourManaged.flatMap((n) => [[n, 'fast'] as const, [n, 'exact'] as const]))(
    `colour-managed: %s (%s) within the CMYK decoding bounds, mean ≤ ${DECODE_CMYK_MEAN_BOUND}, max ≤ ${DECODE_CMYK_MAX_BOUND} levels`,
    async (name, mode) => {
      const preprocessor = mode === 'fast' ? fast : exact;
      const errors = taggerErrors(await preprocessor.preprocess(await decodeImage(join(IMAGES_DIR, name))), goldenTaggerU8(name).data);
      expect(errors.mean).toBeLessThanOrEqual(DECODE_CMYK_MEAN_BOUND);
      expect(errors.max).toBeLessThanOrEqual(DECODE_CMYK_MAX_BOUND);
    },
  );

  it.each(names)('exact: %s matches the reference tensor exactly', async (name) => {
    const golden = goldenTaggerU8(name);
    expect(golden.shape).toEqual([SIZE, SIZE, 3]);
    const errors = taggerErrors(await exact.preprocess(await decodeImage(join(IMAGES_DIR, name))), golden.data);
    expect(errors.max).toBe(0);
  });
});
