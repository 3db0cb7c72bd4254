import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { clipPreprocessorFromConfig } from '../../src/imaging/clip-preprocess.js';
import { preprocessImage } from '../../src/imaging/prepare-image.js';
import { detailPreprocessor } from '../../src/imaging/preprocess-spec.js';
import { taggerPreprocessor } from '../../src/imaging/tagger-preprocess.js';
import { preprocessingWorkers, inferenceThreads } from '../../src/runtime/threads.js';
import { PreparePool, PrepareWorkerStopped } from '../../src/score/prepare-pool.js';
import { IMAGES_DIR } from '../golden/parity.js';

const clip = clipPreprocessorFromConfig(JSON.parse(readFileSync('fixtures/models/clip/preprocessor_config.json', 'utf8')));
const preprocessors = [clip, taggerPreprocessor(448), detailPreprocessor('fast')];
const specs = preprocessors.map((p) => p.spec);
const image = (name: string) => readFileSync(join(IMAGES_DIR, name));

let pool: PreparePool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe('preprocessing worker pool', () => {
  it('gives the tensors this thread computes, for every model or only those asked for', async () => {
    pool = new PreparePool(specs, 2);
    const names = ['landscape_600x400.png', 'rgba_400x300.png', 'exif6_320x200.jpg', 'gray16_256x320.png', 'cmyk_300x200.jpg', 'square_448.png'];
    const needs = [
      [true, true, true],
      [true, false, false],
      [false, true, true],
    ];
    for (const name of names) {
      for (const need of needs) {
        const reply = await pool.prepare(name, image(name), need);
        const here = await preprocessImage(
          image(name),
          preprocessors.map((p, i) => (need[i] ? p : undefined)),
        );
        expect(reply.error).toBeUndefined();
        expect(reply.tensors!.map((t) => t && Buffer.from(t.buffer).toString('base64'))).toEqual(
          here.map((t) => t && Buffer.from(t.buffer).toString('base64')),
        );
      }
    }
  });

  it('sends decoding failures back with their code and reason, and goes on', async () => {
    pool = new PreparePool(specs, 1);
    const cut = image('landscape_600x400.png').subarray(0, 4000);
    const [bad, text, big, good] = await Promise.all([
      pool.prepare('cut.png', cut, [true, true, true]),
      pool.prepare('notes.txt', Buffer.from('not a picture'), [true, false, false]),
      pool.prepare('big.png', image('landscape_600x400.png'), [true, false, false], 1000),
      pool.prepare('ok.png', image('landscape_600x400.png'), [true, false, false]),
    ]);
    expect(bad.error).toMatchObject({ decode: true, code: 'corrupt' });
    expect(bad.error!.reason).toMatch(/truncated or corrupt image data/);
    expect(text.error).toEqual({ decode: true, code: 'not-an-image', reason: 'not an image: unrecognised content (starts with text "not a picture")' });
    expect(big.error).toMatchObject({ decode: true, code: 'too-large' });
    expect(good.tensors![0]).toHaveLength(3 * 224 * 224);
  });

  it('fails the images a stopped worker held, replaces the worker, and refuses all work after repeated stops', async () => {
    pool = new PreparePool(specs, 1);
    const held = pool.prepare('held.png', image('landscape_600x400.png'), [true, true, true]);
    await pool.crashOneWorkerForTest();
    await expect(held).rejects.toBeInstanceOf(PrepareWorkerStopped);
    await expect(held).rejects.toThrow(/image preprocessing worker stopped \(exit code \d+\) while it held this image/);
    // Its replacement takes the next image.
    const next = await pool.prepare('next.png', image('landscape_600x400.png'), [true, false, false]);
    expect(next.tensors![0]).toHaveLength(3 * 224 * 224);
    for (let i = 0; i < 3; i++) {
      const p = pool.prepare(`again-${i}.png`, image('landscape_600x400.png'), [true, false, false]);
      await pool.crashOneWorkerForTest();
      await expect(p).rejects.toThrow();
    }
    await expect(pool.prepare('after.png', image('landscape_600x400.png'), [true, false, false])).rejects.toThrow(
      /image preprocessing workers stopped 4 times .*refusing to go on/,
    );
  });

  it('is sized to the cores inference leaves over, at least one, and to every core with CUDA', () => {
    expect(inferenceThreads('cpu', undefined, 16)).toBe(16);
    expect(inferenceThreads('cpu', 12, 16)).toBe(12);
    expect(inferenceThreads('cuda', undefined, 16)).toBeUndefined();
    expect(() => inferenceThreads('cpu', 0, 16)).toThrow(/positive integer/);
    expect(preprocessingWorkers('cpu', 2, 2)).toBe(1);
    expect(preprocessingWorkers('cpu', 12, 16)).toBe(4);
    expect(preprocessingWorkers('cpu', 16, 16)).toBe(1);
    expect(preprocessingWorkers('cuda', undefined, 16)).toBe(16);
  });
});
