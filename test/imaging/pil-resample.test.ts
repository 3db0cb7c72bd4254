import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/imaging/decode.js';
import { decodeNpy } from '../../src/imaging/npy.js';
import { PIL_RESAMPLE_IDS, pilResize } from '../../src/imaging/pil-resample.js';
import { toRgb } from '../../src/imaging/resize.js';
import { GOLDEN_DIR, IMAGES_DIR } from '../golden/parity.js';

interface ResampleCase {
  image: string;
  resample: number;
  width: number;
  height: number;
  file: string;
}

const manifest = JSON.parse(readFileSync(join(GOLDEN_DIR, 'manifest.json'), 'utf8')) as { resample: ResampleCase[] };

async function rgbOf(name: string) {
  const img = await decodeImage(join(IMAGES_DIR, name));
  return { ...img, rgb: toRgb({ data: img.data, width: img.width, height: img.height, channels: 4 }) };
}

describe('pilResize is bit-identical to Pillow Image.resize', () => {
  it.each(manifest.resample.map((c) => [`${c.image} → ${c.width}×${c.height}, ${PIL_RESAMPLE_IDS[c.resample]}`, c] as const))('%s', async (_label, c) => {
    const src = await rgbOf(c.image);
    const golden = decodeNpy(gunzipSync(readFileSync(join(GOLDEN_DIR, 'resample', c.file))));
    expect(golden.shape).toEqual([c.height, c.width, 3]);
    const ours = pilResize(src.rgb, src.width, src.height, 3, c.width, c.height, PIL_RESAMPLE_IDS[c.resample]);
    let mismatches = 0;
    for (let i = 0; i < ours.length; i++) if (ours[i] !== golden.data[i]) mismatches++;
    expect(mismatches).toBe(0);
  });
});

describe('pilResize details', () => {
  it('returns the input when the size does not change, and checks its arguments', () => {
    const rgb = new Uint8Array(2 * 3 * 3).fill(7);
    expect(pilResize(rgb, 2, 3, 3, 2, 3)).toBe(rgb);
    expect(() => pilResize(rgb, 3, 3, 3, 2, 2)).toThrow(/expected 3×3×3/);
    expect(() => pilResize(rgb, 2, 3, 3, 0, 2)).toThrow(/bad output size/);
  });

  it('any channel count gives what the 3-channel path gives per channel', async () => {
    const src = await rgbOf('portrait_333x517.png');
    const rgb = pilResize(src.rgb, src.width, src.height, 3, 101, 157);
    for (let c = 0; c < 3; c++) {
      const plane = new Uint8Array(src.width * src.height);
      for (let i = 0; i < plane.length; i++) plane[i] = src.rgb[i * 3 + c];
      const one = pilResize(plane, src.width, src.height, 1, 101, 157);
      for (let i = 0; i < one.length; i++) if (one[i] !== rgb[i * 3 + c]) throw new Error(`channel ${c}, pixel ${i}`);
    }
  });
});
