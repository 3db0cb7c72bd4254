import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readScoresCsv } from '../../src/run/scores-csv.js';
import { mergeRuns } from '../../src/run/merge-runs.js';
import { scoreSweep } from '../../src/score/score-sweep.js';
import { inShard, parseShard } from '../../src/score/shard.js';
import { readRunJson } from '../../src/run/run-json.js';
import { Store } from '../../src/store/store.js';
import { tempDir } from '../helpers/tmp.js';

const CLIP = 'fixtures/models/clip';

/** 2 targets × weights 0, 1 × 2 prompts × 5 seeds of the demo world, for one base. */
function partOfDemo(dir: string): string {
  const file = join(dir, 'sweep.yaml');
  writeFileSync(
    file,
    `name: part
root: ${resolve('fixtures/demo')}
lora: { trigger: anisphia, description: a girl with blonde hair and green eyes, references: ${resolve('fixtures/demo/refs')} }
factors: { base: [anylora], target: [anything, counterfeit], weight: [0, 1] }
prompts: [{ id: portrait, kind: concept, text: "anisphia, 1girl" }, { id: cafe, kind: unrelated, text: "a cafe interior, no humans" }]
seeds: [1, 2, 3, 4, 5]
images: { template: "{base}/{target}/w{weight}/{prompt}-{seed}.png", native: "native/{target}/{prompt}-{seed}.png" }
`,
  );
  return file;
}

const rowKey = (r: { image: string; metric: string; model: string }) => `${r.image}|${r.metric}|${r.model}`;

describe('sharded scoring', () => {
  it('reads the shard index from Kubernetes or Slurm', () => {
    expect(parseShard('auto/4', { JOB_COMPLETION_INDEX: '3' })).toEqual({ index: 3, count: 4 });
    expect(parseShard('auto/4', { SLURM_ARRAY_TASK_ID: '1' })).toEqual({ index: 1, count: 4 });
    expect(() => parseShard('4/4', {})).toThrow(/index must be in 0\.\.3/);
    expect(() => parseShard('auto/2', {})).toThrow(/JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID/);
  });

  it('refuses zero shards with a message that says what N is', () => {
    for (const text of ['0/0', '1/0', 'auto/0', '00/000']) {
      expect(() => parseShard(text, { JOB_COMPLETION_INDEX: '0' })).toThrow(`--shard ${text}: N is the number of shards and must be at least 1, e.g. 0/4`);
    }
  });

  it('splits images deterministically, and the merged shards equal one unsharded run', async () => {
    const dir = tempDir();
    const sweep = partOfDemo(dir);
    const lock = join(dir, 'lock.json');
    const whole = await scoreSweep({ sweep, clip: CLIP, out: join(dir, 'whole'), lock });
    const shards = [];
    for (const index of [0, 1, 2]) shards.push(await scoreSweep({ sweep, clip: CLIP, out: join(dir, `s${index}`), lock, shard: { index, count: 3 } }));
    // every image is scored by exactly one shard
    const owners = whole.rows.map((r) => [0, 1, 2].filter((i) => inShard(r.image, { index: i, count: 3 })).length);
    expect(new Set(owners)).toEqual(new Set([1]));
    expect(shards.reduce((n, s) => n + s.images.scored, 0)).toBe(whole.images.scored);

    const merged = mergeRuns([join(dir, 's0'), join(dir, 's1'), join(dir, 's2')], join(dir, 'merged'));
    expect(merged.rows).toBe(whole.rows.length);
    // Same rows; values equal up to float rounding (batches are composed differently across shards).
    const mergedRows = new Map(readScoresCsv(join(dir, 'merged', 'scores.csv')).rows.map((r) => [rowKey(r), r.value]));
    expect([...mergedRows.keys()].sort()).toEqual(whole.rows.map(rowKey).sort());
    for (const r of whole.rows) expect(Math.abs(mergedRows.get(rowKey(r))! - r.value)).toBeLessThan(1e-4);
    const store = new Store(join(dir, 'merged', 'store.sqlite'));
    expect(store.images(readRunJson(join(dir, 'merged'))!.store_run!)).toHaveLength(whole.images.scored);
    store.close();
    expect(JSON.parse(readFileSync(join(dir, 'merged', 'run.json'), 'utf8')).options.shard).toBeNull();

    expect(() => mergeRuns([join(dir, 's0'), join(dir, 's1')], join(dir, 'bad'))).toThrow(/missing shard 2\/3/);
    expect(() => mergeRuns([join(dir, 's0'), join(dir, 's0'), join(dir, 's1'), join(dir, 's2')], join(dir, 'bad'))).toThrow(/shard 0\/3 is also/);
  }, 120_000);
});
