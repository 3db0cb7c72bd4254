import { cpSync, existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scoreSweep } from '../../src/score/score-sweep.js';
import { FileHashCache, filesHashed } from '../../src/store/file-hash-cache.js';
import { smallDemoSweep } from '../helpers/small-sweep.js';
import { tempDir } from '../helpers/tmp.js';

interface Work {
  sessions_created: number;
  files_hashed: number;
}

describe('a re-score computes only what changed', () => {
  it('creates no session and hashes no file when nothing changed, and writes the same scores', async () => {
    const sweepDir = smallDemoSweep();
    const models = tempDir();
    cpSync('fixtures/models/clip', join(models, 'clip'), { recursive: true });
    cpSync('fixtures/models/tagger-v3', join(models, 'tagger'), { recursive: true });
    const out = tempDir();
    const score = async () => {
      const result = await scoreSweep({
        sweep: join(sweepDir, 'sweep.yaml'),
        clip: join(models, 'clip'),
        tagger: join(models, 'tagger'),
        out,
        lock: join(models, 'models.lock.json'),
      });
      expect(result.failures).toEqual([]);
      const run = JSON.parse(readFileSync(result.runJson, 'utf8')) as { work: Work };
      return { csv: readFileSync(result.scoresCsv), work: run.work, images: result.images };
    };

    const first = await score();
    expect(first.work.sessions_created).toBeGreaterThanOrEqual(2); // CLIP and the tagger
    expect(first.work.files_hashed).toBeGreaterThan(10); // model files and every image

    const second = await score();
    expect(second.work).toEqual({ sessions_created: 0, files_hashed: 0 });
    expect(second.images.encoded).toBe(0);
    expect(second.csv.equals(first.csv)).toBe(true);

    // The same bytes written again in place: same size, new mtime. The image and the model file are hashed again; their
    // content is unchanged, so the stored vectors still serve and no session is needed.
    const image = join(sweepDir, 'anylora/anything/w1/portrait-1.png');
    writeFileSync(image, readFileSync(image));
    const model = join(models, 'clip/onnx/vision_model.onnx');
    const later = new Date(statSync(model).mtimeMs + 5_000);
    utimesSync(model, later, later);
    const third = await score();
    expect(third.work).toEqual({ sessions_created: 0, files_hashed: 2 });
    expect(third.csv.equals(first.csv)).toBe(true);
  }, 300_000);
});

describe('a sweep holding the same picture twice', () => {
  it('is refused, naming both files, on the first score and on a re-score from the cache', async () => {
    const sweepDir = smallDemoSweep();
    // The weight-1 image of seed 2 becomes a byte-for-byte copy of seed 1's: two settings cannot give one file.
    const [one, two] = ['portrait-1.png', 'portrait-2.png'].map((f) => join(sweepDir, 'anylora/anything/w1', f));
    writeFileSync(two, readFileSync(one));
    const models = tempDir();
    cpSync('fixtures/models/clip', join(models, 'clip'), { recursive: true });
    const out = tempDir();
    const score = () => scoreSweep({ sweep: join(sweepDir, 'sweep.yaml'), clip: join(models, 'clip'), out, lock: join(models, 'models.lock.json') });
    for (let attempt = 0; attempt < 2; attempt++) {
      await expect(score()).rejects.toThrow(
        /2 images of the sweep are byte-identical to another: anylora\/anything\/w1\/portrait-1\.png, anylora\/anything\/w1\/portrait-2\.png/,
      );
    }
    expect(existsSync(join(out, 'scores.csv'))).toBe(false);
  }, 300_000);
});

describe('FileHashCache', () => {
  it('re-hashes a file changed in place with the same size, and one whose mtime was set back', async () => {
    const dir = tempDir();
    const file = join(dir, 'weights.bin');
    writeFileSync(file, 'aaaa');
    const cache = new FileHashCache(join(dir, 'cache.json'));
    const a = await cache.sha256(file);
    const hashed = filesHashed();
    expect(await cache.sha256(file)).toBe(a);
    expect(filesHashed()).toBe(hashed); // unchanged: from the cache

    const old = statSync(file);
    writeFileSync(file, 'bbbb');
    const later = new Date(old.mtimeMs + 2_000);
    utimesSync(file, later, later);
    const b = await cache.sha256(file);
    expect(b).not.toBe(a);
    expect(filesHashed()).toBe(hashed + 1);

    // Same size, mtime restored to what was cached: the ctime still tells the change.
    writeFileSync(file, 'cccc');
    utimesSync(file, later, later);
    expect(await cache.sha256(file)).not.toBe(b);
    expect(filesHashed()).toBe(hashed + 2);

    // Saved and reopened, the cache still serves unchanged files.
    cache.save();
    const reopened = new FileHashCache(join(dir, 'cache.json'));
    const c = await reopened.sha256(file);
    expect(filesHashed()).toBe(hashed + 2);
    expect(c).toBe(await new FileHashCache(join(dir, 'none.json')).sha256(file));
  });

  it('a cache that cannot be written does not fail the run', async () => {
    const dir = tempDir();
    const file = join(dir, 'weights.bin');
    writeFileSync(file, 'aaaa');
    const cache = new FileHashCache(join(file, 'cache.json')); // a folder that cannot exist: weights.bin is a file
    await cache.sha256(file);
    expect(() => cache.save()).not.toThrow();
  });
});
