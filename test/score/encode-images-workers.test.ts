import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/imaging/decode.js';
import { detailOf } from '../../src/imaging/detail.js';
import { scoreSweep } from '../../src/score/score-sweep.js';
import { smallDemoSweep } from '../helpers/small-sweep.js';

const CLIP = 'fixtures/models/clip';

function pngs(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? pngs(p) : p.endsWith('.png') ? [p] : [];
  });
}

/** The small demo sweep with its images enlarged to 512×512 (or 640×512), so that preprocessing reduces them. */
async function largeImageSweep(): Promise<string> {
  const dir = smallDemoSweep();
  for (const [i, file] of pngs(dir).entries()) {
    const [w, h] = i % 2 ? [640, 512] : [512, 512];
    writeFileSync(file, await sharp(readFileSync(file)).resize(w, h, { kernel: 'lanczos3', fit: 'fill' }).png().toBuffer());
  }
  return dir;
}

describe('scoring with decoding in worker threads', () => {
  it('gives every image the value computed on this thread from the decoded image (detail, a pure function of the pixels)', async () => {
    const dir = await largeImageSweep();
    const result = await scoreSweep({ sweep: join(dir, 'sweep.yaml'), clip: CLIP, out: join(dir, 'out'), lock: join(dir, 'lock.json'), threads: 1 });
    expect(result.failures).toEqual([]);
    const detail = result.rows.filter((r) => r.metric === 'detail');
    expect(detail.length).toBe(result.images.scored);
    for (const row of detail) {
      const expected = await detailOf(await decodeImage(join(dir, row.image)));
      expect(row.value, row.image).toBe(Math.fround(expected)); // stored as float32, as every vector
    }
  }, 120_000);

  it('records unreadable, corrupt and too-large images one by one and scores the rest', async () => {
    const dir = await largeImageSweep();
    const cut = join(dir, 'anylora/anything/w1/outdoors-1.png');
    writeFileSync(cut, readFileSync(cut).subarray(0, 3000));
    writeFileSync(join(dir, 'anylora/anything/w1/outdoors-2.png'), 'not a picture\n');
    const big = join(dir, 'anylora/anything/w1/portrait-1.png');
    writeFileSync(big, await sharp(readFileSync(big)).resize(700, 700).png().toBuffer());
    const result = await scoreSweep({
      sweep: join(dir, 'sweep.yaml'),
      clip: CLIP,
      out: join(dir, 'out'),
      lock: join(dir, 'lock.json'),
      maxPixels: 640 * 512,
    });
    const reasons = Object.fromEntries(result.failures.map((f) => [f.file.slice(dir.length + 1), `${f.stage}: ${f.reason}`]));
    expect(reasons).toEqual({
      'anylora/anything/w1/outdoors-1.png': expect.stringMatching(/^decode: truncated or corrupt image data/),
      'anylora/anything/w1/outdoors-2.png': 'decode: not an image: unrecognised content (starts with text "not a picture")',
      'anylora/anything/w1/portrait-1.png': 'decode: too large: 700×700 = 490,000 pixels exceeds the limit of 327,680; raise the limit with --max-pixels',
    });
    expect(result.images.scored).toBe(5);
    expect(result.exitCode).toBe(1);
  }, 120_000);

  it('--strict stops at the first image that cannot be decoded', async () => {
    const dir = await largeImageSweep();
    writeFileSync(join(dir, 'anylora/anything/w1/outdoors-2.png'), 'not a picture\n');
    await expect(scoreSweep({ sweep: join(dir, 'sweep.yaml'), clip: CLIP, out: join(dir, 'out'), lock: join(dir, 'lock.json'), strict: true })).rejects.toThrow(
      /outdoors-2\.png: not an image: .* \(--strict stops at the first image that cannot be scored\)/,
    );
  }, 120_000);
});
