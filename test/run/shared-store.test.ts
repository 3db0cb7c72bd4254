import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.js';
import { readRunJson } from '../../src/run/run-json.js';
import { scoreSweep } from '../../src/score/score-sweep.js';
import { LEGACY_RUN, Store } from '../../src/store/store.js';
import { tempDir } from '../helpers/tmp.js';
import { CLIP, smallSweep } from './helpers.js';

const EMBEDDING_FILES = ['concept-distance.csv', 'diversity.csv', 'model-distance.csv'];
const read = (dir: string) => Object.fromEntries(EMBEDDING_FILES.map((f) => [f, readFileSync(join(dir, f), 'utf8')]));

/** Writes a store in the layout from before runs were kept apart: one images table, no run column, INTEGER seeds. */
function legacyStore(file: string, from: Store, fromRun: string, vectorsOf: string): void {
  const db = new Database(file);
  db.exec(`CREATE TABLE vectors (content_sha TEXT NOT NULL, model_sha TEXT NOT NULL, prep_hash TEXT NOT NULL, dim INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (content_sha, model_sha, prep_hash)) WITHOUT ROWID;
CREATE TABLE images (key TEXT PRIMARY KEY, sha256 TEXT NOT NULL, levels TEXT NOT NULL, prompt TEXT NOT NULL, seed INTEGER NOT NULL, weight REAL NOT NULL, native INTEGER NOT NULL);
CREATE TABLE scores (image TEXT NOT NULL, sha256 TEXT NOT NULL, metric TEXT NOT NULL, model TEXT NOT NULL, value REAL NOT NULL, PRIMARY KEY (image, metric, model)) WITHOUT ROWID;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`);
  const insert = db.prepare('INSERT INTO images VALUES (?, ?, ?, ?, ?, ?, ?)');
  for (const i of from.images(fromRun)) insert.run(i.key, i.sha256, JSON.stringify(i.levels), i.prompt, Number(i.seed), i.weight, i.native ? 1 : 0);
  db.prepare('INSERT INTO scores VALUES (?, ?, ?, ?, ?)').run('x.png', 's', 'prompt_fidelity', 'clip', 0.25);
  db.exec(`ATTACH DATABASE '${vectorsOf}' AS other; INSERT INTO vectors SELECT * FROM other.vectors; DETACH DATABASE other;`);
  db.close();
}

describe('two sweeps sharing one store', () => {
  let dir: string;
  let runA: string;
  let runB: string;
  let beforeB: Record<string, string>;
  beforeAll(async () => {
    dir = tempDir();
    // Same sweep file, same relative image paths; the pictures at those paths differ.
    const sweepA = smallSweep(join(dir, 'a'), 'anything');
    const sweepB = smallSweep(join(dir, 'b'), 'counterfeit');
    expect(readFileSync(sweepA, 'utf8')).toBe(readFileSync(sweepB, 'utf8'));
    runA = join(dir, 'runA');
    runB = join(dir, 'runB');
    const lock = join(dir, 'lock.json');
    await scoreSweep({ sweep: sweepA, clip: CLIP, out: runA, lock });
    analyze({ input: runA, reps: 100 });
    beforeB = read(runA);
    await scoreSweep({ sweep: sweepB, clip: CLIP, out: runB, lock, store: join(runA, 'store.sqlite') });
  }, 240_000);

  it("leaves the first run's concept distances and diversity unchanged after the second scores into its store", () => {
    expect(JSON.parse(readFileSync(join(runA, 'summary.json'), 'utf8')).diversity).toEqual({ rows: 10, file: 'diversity.csv' });
    analyze({ input: runA, reps: 100 });
    expect(read(runA)).toEqual(beforeB);
  });

  it('gives the second run its own images, read from the store its run.json names', () => {
    const result = analyze({ input: runB, reps: 100 });
    expect(result.embeddings.available).toBe(true);
    const b = read(runB);
    expect(b['diversity.csv']).not.toEqual(beforeB['diversity.csv']);
    expect(b['concept-distance.csv']).not.toEqual(beforeB['concept-distance.csv']);
    const store = new Store(join(runA, 'store.sqlite'));
    try {
      const [a, bImages] = [store.images(readRunJson(runA)!.store_run!), store.images(readRunJson(runB)!.store_run!)];
      expect(a).toHaveLength(20);
      expect(bImages).toHaveLength(20);
      expect(bImages.map((i) => i.key)).toEqual(a.map((i) => i.key));
      expect(bImages.filter((img, i) => img.sha256 === a[i].sha256)).toEqual([]);
    } finally {
      store.close();
    }
  });

  it("moves a store from before runs were kept apart under the legacy key, and refuses it where it holds another run's images", () => {
    const shared = new Store(join(runA, 'store.sqlite'));
    const legacyA = join(dir, 'legacyA');
    const legacyB = join(dir, 'legacyB');
    try {
      for (const [folder, source] of [
        [legacyA, readRunJson(runA)!.store_run!],
        [legacyB, readRunJson(runB)!.store_run!],
      ]) {
        cpSync(runA, folder, { recursive: true });
        rmSync(join(folder, 'store.sqlite'));
        for (const f of [...EMBEDDING_FILES, 'summary.json', 'cells.csv', 'tests.csv']) rmSync(join(folder, f));
        const run = readRunJson(folder)!;
        delete run.store_run;
        delete run.store;
        writeFileSync(join(folder, 'run.json'), JSON.stringify(run, null, 2) + '\n');
        legacyStore(join(folder, 'store.sqlite'), shared, source, join(runA, 'store.sqlite'));
      }
    } finally {
      shared.close();
    }
    const migrated = new Store(join(legacyA, 'store.sqlite'));
    try {
      expect(migrated.images(LEGACY_RUN)).toHaveLength(20);
      expect(migrated.images(LEGACY_RUN)[0].seed).toBe('1');
    } finally {
      migrated.close();
    }
    analyze({ input: legacyA, reps: 100 });
    expect(read(legacyA)).toEqual(beforeB);
    // A legacy store whose single run is another sweep's images: refused, naming the image and both sha256.
    expect(() => analyze({ input: legacyB, reps: 100 })).toThrow(/store\.sqlite: image .* has sha256 [0-9a-f]{12}… but .*scores\.csv scored [0-9a-f]{12}…/);
  });
  it("replaces a run folder's own images when it is scored again, even from an edited sweep", async () => {
    const sweepA = join(dir, 'a', 'sweep.yaml');
    writeFileSync(sweepA, readFileSync(sweepA, 'utf8').replace('seeds: [1, 2]', 'seeds: [1]'));
    await scoreSweep({ sweep: sweepA, clip: CLIP, out: runA, lock: join(dir, 'lock.json') });
    const key = readRunJson(runA)!.store_run!;
    const store = new Store(join(runA, 'store.sqlite'));
    try {
      expect(store.images(key)).toHaveLength(10);
      expect(store.images(readRunJson(runB)!.store_run!)).toHaveLength(20);
    } finally {
      store.close();
    }
    const db = new Database(join(runA, 'store.sqlite'), { readonly: true });
    try {
      expect(db.prepare('SELECT COUNT(DISTINCT run) AS runs FROM images').get()).toEqual({ runs: 2 });
    } finally {
      db.close();
    }
  }, 120_000);
});
