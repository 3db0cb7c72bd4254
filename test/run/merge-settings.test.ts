import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeRuns } from '../../src/run/merge-runs.js';
import { readRunJson } from '../../src/run/run-json.js';
import { loadScoreTable } from '../../src/run/score-table.js';
import { scoreSweep } from '../../src/score/score-sweep.js';
import { tempDir } from '../helpers/tmp.js';
import { CLIP, smallSweep } from './helpers.js';

describe('merge', () => {
  it('refuses shards scored with different resize engines, and a shard whose scores.csv does not match its run.json', async () => {
    const dir = tempDir();
    const sweep = smallSweep(join(dir, 'sweep'));
    const lock = join(dir, 'lock.json');
    const shard = (index: number, resampler: 'fast' | 'exact') =>
      scoreSweep({ sweep, clip: CLIP, out: join(dir, `s${index}-${resampler}`), lock, resampler, shard: { index, count: 2 } });
    await shard(0, 'fast');
    await shard(1, 'fast');
    await shard(1, 'exact');

    expect(() => mergeRuns([join(dir, 's0-fast'), join(dir, 's1-exact')], join(dir, 'mixed'))).toThrow(
      `${join(dir, 's1-exact')}: scored with another resize engine (--exact-resize) than ${join(dir, 's0-fast')} ("exact" vs "fast")`,
    );
    const merged = mergeRuns([join(dir, 's0-fast'), join(dir, 's1-fast')], join(dir, 'merged'));
    const run = readRunJson(join(dir, 'merged'))!;
    expect(run.scores?.rows).toBe(merged.rows);
    expect(loadScoreTable(join(dir, 'merged')).rows).toHaveLength(merged.rows);

    const csv = join(dir, 's1-fast', 'scores.csv');
    const lines = readFileSync(csv, 'utf8').split('\n');
    writeFileSync(csv, lines.slice(0, -3).join('\n') + '\n');
    expect(() => mergeRuns([join(dir, 's0-fast'), join(dir, 's1-fast')], join(dir, 'merged-cut'))).toThrow(/scores\.csv: does not match .*run\.json/);
  }, 240_000);
});
