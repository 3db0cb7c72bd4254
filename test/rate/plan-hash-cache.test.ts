import { cpSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildRatingPlan } from '../../src/rate/plan.js';
import { readRunJson } from '../../src/run/run-json.js';
import { scoreSweep } from '../../src/score/score-sweep.js';
import { filesHashed } from '../../src/store/file-hash-cache.js';
import { smallDemoSweep } from '../helpers/small-sweep.js';
import { tempDir } from '../helpers/tmp.js';

describe('rate checks the images it shows through the run’s sha256 cache', () => {
  it('reads no unchanged image, and still refuses one changed in place with its size kept', async () => {
    const sweepDir = smallDemoSweep();
    const models = tempDir();
    cpSync('fixtures/models/clip', join(models, 'clip'), { recursive: true });
    const run = tempDir();
    await scoreSweep({ sweep: join(sweepDir, 'sweep.yaml'), clip: join(models, 'clip'), out: run, lock: join(models, 'models.lock.json') });
    expect(readRunJson(run)!.hash_cache).toBe(join(models, 'models.lock.hash-cache.json'));

    const plan = () => buildRatingPlan({ run, task: 'prompt', pairs: 4, repeatShare: 0, seed: 1 });
    const before = filesHashed();
    const first = await plan();
    expect(first.imageFiles.length).toBeGreaterThan(1);
    expect(filesHashed() - before).toBe(0);

    // Same size, one byte different, mtime set back (to the millisecond): the file's identity still changed.
    const image = first.imageFiles[0];
    const { mtime, atime } = statSync(image);
    const bytes = readFileSync(image);
    bytes[bytes.length >> 1] ^= 0xff;
    writeFileSync(image, bytes);
    utimesSync(image, atime, mtime);
    await expect(plan()).rejects.toThrow(/changed since it was scored/);
    expect(filesHashed() - before).toBe(1);
  }, 240_000);
});
