import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeRuns } from '../../src/run/merge-runs.js';
import { readRunJson } from '../../src/run/run-json.js';
import { writeScoresCsv } from '../../src/run/run-scores.js';
import { readScoresCsv } from '../../src/run/scores-csv.js';
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
    // The prompt kinds that score records (analyze --choose reads them) survive the merge.
    const kinds = { portrait: 'concept', garden: 'concept', closeup: 'concept', cafe: 'unrelated', house: 'unrelated' };
    expect(readRunJson(join(dir, 's1-fast'))!.sweep.prompt_kinds).toEqual(kinds);
    expect(loadScoreTable(join(dir, 'merged')).promptKinds).toEqual(kinds);

    // A shard whose run.json records another kind for a prompt is refused, naming the prompt.
    cpSync(join(dir, 's1-fast'), join(dir, 's1-kinds'), { recursive: true });
    const shardJson = JSON.parse(readFileSync(join(dir, 's1-kinds', 'run.json'), 'utf8'));
    writeFileSync(
      join(dir, 's1-kinds', 'run.json'),
      JSON.stringify({ ...shardJson, sweep: { ...shardJson.sweep, prompt_kinds: { ...kinds, cafe: 'concept' } } }),
    );
    expect(() => mergeRuns([join(dir, 's0-fast'), join(dir, 's1-kinds')], join(dir, 'merged-kinds'))).toThrow(
      `${join(dir, 's1-kinds')}: records prompt "cafe" with another kind (run.json sweep.prompt_kinds) than ${join(dir, 's0-fast')} ("concept" vs "unrelated")`,
    );

    const csv = join(dir, 's1-fast', 'scores.csv');
    const lines = readFileSync(csv, 'utf8').split('\n');
    writeFileSync(csv, lines.slice(0, -3).join('\n') + '\n');
    expect(() => mergeRuns([join(dir, 's0-fast'), join(dir, 's1-fast')], join(dir, 'merged-cut'))).toThrow(/scores\.csv: does not match .*run\.json/);
  }, 240_000);

  it('keeps a score that two unsharded runs agree on once, and refuses one they disagree on, naming it', async () => {
    const dir = tempDir();
    const sweep = smallSweep(join(dir, 'sweep'));
    const lock = join(dir, 'lock.json');
    await scoreSweep({ sweep, clip: CLIP, out: join(dir, 'a'), lock });
    await scoreSweep({ sweep, clip: CLIP, out: join(dir, 'b'), lock });
    const single = loadScoreTable(join(dir, 'a')).rows.length;
    expect(mergeRuns([join(dir, 'a'), join(dir, 'b')], join(dir, 'same')).rows).toBe(single);
    // Both runs scored the same 20 images: the merged run counts them once, as each run did.
    const counts = readRunJson(join(dir, 'same'))!.counts;
    expect(readRunJson(join(dir, 'a'))!.counts).toMatchObject({ images: 20, scored: 20 });
    expect(counts).toMatchObject({ images: 20, scored: 20, rows: single, failures: 0 });
    // The encoder work of both runs: b read every vector a had stored.
    expect(counts.encoded + counts.cached).toBe(readRunJson(join(dir, 'a'))!.counts.encoded * 2);

    // An unsharded run on a machine that lacks one image scored other images: counts of the merge would describe neither.
    cpSync(join(dir, 'sweep'), join(dir, 'sweep-less'), { recursive: true });
    rmSync(join(dir, 'sweep-less', 'anylora/anything/w1/cafe-1.png'));
    // (Its vectors read from a's store, so that the scores both runs have agree to the last digit.)
    await scoreSweep({ sweep: join(dir, 'sweep-less', 'sweep.yaml'), clip: CLIP, out: join(dir, 'less'), lock, store: join(dir, 'a', 'store.sqlite') });
    expect(() => mergeRuns([join(dir, 'a'), join(dir, 'less')], join(dir, 'fewer'))).toThrow(
      `${join(dir, 'less')}: an unsharded run that scored other images than ${join(dir, 'a')} (0 only here, 1 only there, e.g. anylora/anything/w1/cafe-1.png)`,
    );
    // Nor do a shard and an unsharded run combine.
    await scoreSweep({ sweep, clip: CLIP, out: join(dir, 's0'), lock, shard: { index: 0, count: 2 } });
    expect(() => mergeRuns([join(dir, 's0'), join(dir, 'a')], join(dir, 'mixed'))).toThrow(
      `${join(dir, 's0')}: shard 0/2, and ${join(dir, 'a')} an unsharded run`,
    );

    // b's first score moved, with run.json re-recording the file as a scoring run would.
    const { factors, rows } = readScoresCsv(join(dir, 'b', 'scores.csv'));
    rows[0].value += 0.5;
    const record = writeScoresCsv(join(dir, 'b'), rows, factors);
    const runJson = JSON.parse(readFileSync(join(dir, 'b', 'run.json'), 'utf8'));
    writeFileSync(join(dir, 'b', 'run.json'), JSON.stringify({ ...runJson, scores: record }));
    expect(() => mergeRuns([join(dir, 'a'), join(dir, 'b')], join(dir, 'differ'))).toThrow(
      `${join(dir, 'b')}: ${rows[0].image} ${rows[0].metric} (${rows[0].model}) is also in ${join(dir, 'a')} with another value`,
    );
  }, 240_000);
});
