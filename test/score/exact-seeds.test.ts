/** Seeds beyond 2^53 (ComfyUI and Fooocus draw 64-bit seeds) stay exact through scoring, scores.csv and the store. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { pairRows } from '../../src/analysis/selection.js';
import { readScoresCsv, ScoresCsvError } from '../../src/run/scores-csv.js';
import { scoreSweep } from '../../src/score/score-sweep.js';
import { readRunJson } from '../../src/run/run-json.js';
import { LEGACY_RUN, Store } from '../../src/store/store.js';
import { tempDir } from '../helpers/tmp.js';

const CLIP = 'fixtures/models/clip';
const MAX64 = '18446744073709551615'; // 2^64 − 1
const BELOW = '18446744073709551614'; // the same double as MAX64

/** Two demo-world pairs (weight 0 and 1 on one target) under the given seeds, listed image by image. */
function demoPairs(dir: string, seeds: [string, string]): string {
  const file = join(dir, 'sweep.yaml');
  const images = seeds.flatMap((seed, i) => [
    `  - { path: native/anything/portrait-${i + 1}.png, target: anything, weight: 0, prompt: portrait, seed: "${seed}" }`,
    `  - { path: anylora/anything/w1/portrait-${i + 1}.png, base: anylora, target: anything, weight: 1, prompt: portrait, seed: "${seed}" }`,
  ]);
  writeFileSync(
    file,
    `name: exact-seeds
root: ${resolve('fixtures/demo')}
lora: { trigger: anisphia, description: a girl with blonde hair and green eyes, references: ${resolve('fixtures/demo/refs')} }
factors: { base: [anylora], target: [anything], weight: [0, 1] }
prompts: [{ id: portrait, kind: concept, text: "anisphia, 1girl" }]
seeds: ["${seeds[0]}", "${seeds[1]}"]
images:
${images.join('\n')}
`,
  );
  return file;
}

describe('64-bit seeds end to end', () => {
  it('scores a sweep whose seeds differ only beyond 2^53 exactly as the same sweep with small seeds', async () => {
    const dir = tempDir();
    const lock = join(dir, 'models.lock.json');
    const big = await scoreSweep({ sweep: demoPairs(dir, [MAX64, BELOW]), clip: CLIP, out: join(dir, 'big'), lock });
    const small = await scoreSweep({ sweep: demoPairs(tempDir(), ['1', '2']), clip: CLIP, out: join(dir, 'small'), lock });
    expect(big.failures).toEqual([]);
    const retention = (rows: typeof big.rows) => rows.filter((r) => r.metric === 'style_retention').map((r) => [r.image, r.value]);
    // style_retention pairs each image with the weight-0 image of its seed: the pairing must not merge the two seeds.
    expect(retention(big.rows)).toHaveLength(2);
    expect(retention(big.rows)).toEqual(retention(small.rows));

    const csv = readFileSync(big.scoresCsv, 'utf8');
    expect(csv).toContain(`,portrait,${MAX64},`);
    expect(csv).toContain(`,portrait,${BELOW},`);
    const table = readScoresCsv(big.scoresCsv);
    expect(table.rows.map((r) => [r.image, r.metric, r.seed])).toEqual(big.rows.map((r) => [r.image, r.metric, r.seed]));
    expect(new Set(table.rows.map((r) => r.seed))).toEqual(new Set([MAX64, BELOW]));
    const promptFidelity = table.rows.filter((r) => r.metric === 'prompt_fidelity');
    const pairs = pairRows(
      promptFidelity.filter((r) => r.levels.weight === '1'),
      promptFidelity.filter((r) => r.levels.weight === '0'),
      ['target'],
    );
    expect(pairs.map((p) => JSON.parse(p.key)[1]).sort()).toEqual([BELOW, MAX64]);

    const store = new Store(join(dir, 'big', 'store.sqlite'));
    try {
      expect(Object.fromEntries(store.images(readRunJson(join(dir, 'big'))!.store_run!).map((i) => [i.key, i.seed]))).toEqual({
        'native/anything/portrait-1.png': MAX64,
        'anylora/anything/w1/portrait-1.png': MAX64,
        'native/anything/portrait-2.png': BELOW,
        'anylora/anything/w1/portrait-2.png': BELOW,
      });
    } finally {
      store.close();
    }
  });

  it('names the file and line of a scores.csv seed that is not an integer', () => {
    const dir = tempDir();
    const file = join(dir, 'scores.csv');
    const header = 'image,sha256,target,weight,prompt,seed,metric,model,value';
    writeFileSync(file, `${header}\na.png,x,t,0,p,${MAX64},m,clip,1\nb.png,x,t,0,p,1.8e19,m,clip,1\n`);
    expect(() => readScoresCsv(file)).toThrow(ScoresCsvError);
    expect(() => readScoresCsv(file)).toThrow(`${file}:3: seed "1.8e19" is not an integer`);
    writeFileSync(file, `${header}\na.png,x,t,0,p,${MAX64},m,clip,1\n`);
    expect(readScoresCsv(file).rows[0].seed).toBe(MAX64);
  });

  it('moves a store written with an INTEGER seed column to TEXT, keeping its images', () => {
    const file = join(tempDir(), 'store.sqlite');
    const old = new Database(file);
    old.exec(
      'CREATE TABLE images (key TEXT PRIMARY KEY, sha256 TEXT NOT NULL, levels TEXT NOT NULL, prompt TEXT NOT NULL, seed INTEGER NOT NULL, weight REAL NOT NULL, native INTEGER NOT NULL)',
    );
    old.prepare('INSERT INTO images VALUES (?, ?, ?, ?, ?, ?, ?)').run('b.png', 's', '{"target":"t"}', 'p', 9007199254740991, 1, 0);
    old.prepare('INSERT INTO images VALUES (?, ?, ?, ?, ?, ?, ?)').run('a.png', 's', '{"target":"t"}', 'p', -5, 0, 1);
    old.close();

    const store = new Store(file);
    try {
      expect(store.images(LEGACY_RUN).map((i) => [i.key, i.seed, i.native])).toEqual([
        ['b.png', '9007199254740991', false],
        ['a.png', '-5', true],
      ]);
      store.replaceImages(LEGACY_RUN, [{ key: 'c.png', sha256: 's', levels: {}, prompt: 'p', seed: MAX64, weight: 1, native: false }]);
      expect(store.images(LEGACY_RUN).map((i) => i.seed)).toEqual([MAX64]);
    } finally {
      store.close();
    }
    const reopened = new Database(file, { readonly: true });
    try {
      const seedColumn = (reopened.prepare('PRAGMA table_info(images)').all() as { name: string; type: string }[]).find((c) => c.name === 'seed');
      expect(seedColumn?.type).toBe('TEXT');
      expect(reopened.prepare('SELECT typeof(seed) AS t, seed FROM images').get()).toEqual({ t: 'text', seed: MAX64 });
    } finally {
      reopened.close();
    }
  });
});
