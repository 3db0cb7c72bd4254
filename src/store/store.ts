import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Seed } from '../sweep/seed.js';
import { imageRowsDigest, scoreRowsDigest, type ImageRowFields } from './run-rows-digest.js';

export interface StoredImage {
  key: string;
  sha256: string;
  levels: Record<string, string>;
  prompt: string;
  seed: Seed;
  weight: number;
  native: boolean;
}

export interface StoredScore {
  image: string;
  sha256: string;
  metric: string;
  model: string;
  value: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS vectors (
  content_sha TEXT NOT NULL,
  model_sha TEXT NOT NULL,
  prep_hash TEXT NOT NULL,
  dim INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (content_sha, model_sha, prep_hash)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS images (
  run TEXT NOT NULL,
  key TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  levels TEXT NOT NULL,
  prompt TEXT NOT NULL,
  seed TEXT NOT NULL,
  weight REAL NOT NULL,
  native INTEGER NOT NULL,
  PRIMARY KEY (run, key)
);
CREATE TABLE IF NOT EXISTS scores (
  run TEXT NOT NULL,
  image TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  metric TEXT NOT NULL,
  model TEXT NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (run, image, metric, model)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS run_digests (
  run TEXT NOT NULL,
  part TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  PRIMARY KEY (run, part)
) WITHOUT ROWID;
${['images', 'scores']
  .flatMap((table) =>
    ['INSERT', 'DELETE', 'UPDATE'].flatMap((op) =>
      (op === 'INSERT' ? ['NEW'] : op === 'DELETE' ? ['OLD'] : ['OLD', 'NEW']).map(
        (row) =>
          `CREATE TRIGGER IF NOT EXISTS ${table}_${op.toLowerCase()}_${row.toLowerCase()}_forgets_digest AFTER ${op} ON ${table} ` +
          `BEGIN DELETE FROM run_digests WHERE run = ${row}.run AND part = '${table}'; END;`,
      ),
    ),
  )
  .join('\n')}
`;

/** A stored vector's floats; better-sqlite3 gives each blob its own buffer, copied only if it is not 4-byte aligned. */
function floats(data: Buffer): Float32Array {
  const bytes = data.byteOffset % 4 === 0 ? data : new Uint8Array(data);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

/** Run key of the images and scores a store held before it kept several runs apart. */
export const LEGACY_RUN = '';

/**
 * The SQLite store of one or more runs: cached vectors (image embeddings, tagger probabilities, text embeddings)
 * keyed by content sha256 × model sha256 × preprocessing hash, shared by every run, and the images and scores of each
 * run under its own run key, so that runs sharing a store (`--store`) never see each other's images.
 * Every batch is written in one transaction, so a killed run resumes with nothing lost or doubled.
 *
 * Re-scoring a run from cached vectors gives the rows it already has; rewriting a hundred thousand of them costs
 * seconds. So the store keeps a digest of each run's images and scores, written in the transaction that writes the rows,
 * and rows whose digest is unchanged are not written again. Triggers forget a run's digest on any other change to its
 * rows (a merge, another version of lora-eval, a hand edit), so a digest that is present always describes the rows.
 */
export class Store {
  private readonly db: Database.Database;
  private readonly getVector: Database.Statement;
  private readonly getVectors: Database.Statement;
  private readonly putVector: Database.Statement;

  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.migrateToRunKeys();
    this.db.exec(SCHEMA);
    this.getVector = this.db.prepare('SELECT data FROM vectors WHERE content_sha = ? AND model_sha = ? AND prep_hash = ?');
    this.getVectors = this.db
      .prepare('SELECT j.key, v.data FROM json_each(?) AS j JOIN vectors AS v ON v.content_sha = j.value AND v.model_sha = ? AND v.prep_hash = ?')
      .raw();
    this.putVector = this.db.prepare('INSERT OR REPLACE INTO vectors (content_sha, model_sha, prep_hash, dim, data) VALUES (?, ?, ?, ?, ?)');
  }

  /**
   * Stores written before runs were kept apart hold one images and one scores table without a run column (and, before
   * seeds became exact, an INTEGER seed column, where a seed beyond 2^63 turns into a float). Their rows move under
   * LEGACY_RUN, seeds as text; the cached vectors stay as they are.
   */
  private migrateToRunKeys(): void {
    const columns = (table: string) => (this.db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
    const images = columns('images');
    if (images.length === 0 || images.includes('run')) return;
    const scores = columns('scores');
    this.db.transaction(() => {
      this.db.exec('ALTER TABLE images RENAME TO images_before_runs');
      if (scores.length) this.db.exec('ALTER TABLE scores RENAME TO scores_before_runs');
      this.db.exec(SCHEMA);
      this.db
        .prepare(
          'INSERT INTO images (run, key, sha256, levels, prompt, seed, weight, native) SELECT ?, key, sha256, levels, prompt, CAST(seed AS TEXT), weight, native FROM images_before_runs ORDER BY rowid',
        )
        .run(LEGACY_RUN);
      this.db.exec('DROP TABLE images_before_runs');
      if (scores.length) {
        this.db
          .prepare('INSERT INTO scores (run, image, sha256, metric, model, value) SELECT ?, image, sha256, metric, model, value FROM scores_before_runs')
          .run(LEGACY_RUN);
        this.db.exec('DROP TABLE scores_before_runs');
      }
    })();
  }

  vector(contentSha: string, modelSha: string, prepHash: string): Float32Array | undefined {
    const row = this.getVector.get(contentSha, modelSha, prepHash) as { data: Buffer } | undefined;
    return row ? floats(row.data) : undefined;
  }

  /** The stored vectors of many contents under one model and preprocessing, by content sha256, in one query. */
  vectors(contentShas: string[], modelSha: string, prepHash: string): Map<string, Float32Array> {
    const found = new Map<string, Float32Array>();
    if (contentShas.length === 0) return found;
    // Rows name their content by its index in the list, which spares SQLite building a string per row.
    for (const [i, data] of this.getVectors.all(JSON.stringify(contentShas), modelSha, prepHash) as [number, Buffer][]) found.set(contentShas[i], floats(data));
    return found;
  }

  putVectors(rows: { contentSha: string; modelSha: string; prepHash: string; vector: Float32Array }[]): void {
    this.db.transaction(() => {
      for (const r of rows) {
        this.putVector.run(r.contentSha, r.modelSha, r.prepHash, r.vector.length, Buffer.from(r.vector.buffer, r.vector.byteOffset, r.vector.byteLength));
      }
    })();
  }

  /** Sets the images of one run; other runs' images are left alone. Returns whether anything was written. */
  replaceImages(run: string, images: StoredImage[]): boolean {
    const rows = images.map((i): ImageRowFields => [i.key, i.sha256, JSON.stringify(i.levels), i.prompt, i.seed, i.weight, i.native ? 1 : 0]);
    const insert = this.db.prepare('INSERT INTO images (run, key, sha256, levels, prompt, seed, weight, native) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    return this.replaceRunRows(run, 'images', imageRowsDigest(rows), () => {
      this.db.prepare('DELETE FROM images WHERE run = ?').run(run);
      for (const r of rows) insert.run(run, ...r);
    });
  }

  /** Runs `write` in a transaction with the run's new digest, unless the rows already there have that digest. */
  private replaceRunRows(run: string, part: 'images' | 'scores', digest: string, write: () => void): boolean {
    const current = this.db.prepare('SELECT sha256 FROM run_digests WHERE run = ? AND part = ?').pluck().get(run, part);
    if (current === digest) return false;
    this.db.transaction(() => {
      write();
      this.db.prepare('INSERT OR REPLACE INTO run_digests (run, part, sha256) VALUES (?, ?, ?)').run(run, part, digest);
    })();
    return true;
  }

  /** The images of one run, in the order they were stored. */
  images(run: string): StoredImage[] {
    return (this.db.prepare('SELECT * FROM images WHERE run = ? ORDER BY rowid').all(run) as Record<string, unknown>[]).map((r) => ({
      key: r.key as string,
      sha256: r.sha256 as string,
      levels: JSON.parse(r.levels as string),
      prompt: r.prompt as string,
      seed: String(r.seed),
      weight: r.weight as number,
      native: r.native === 1,
    }));
  }

  /** Sets the scores of one run; other runs' scores are left alone. Returns whether anything was written. */
  replaceScores(run: string, scores: StoredScore[]): boolean {
    const insert = this.db.prepare('INSERT OR REPLACE INTO scores (run, image, sha256, metric, model, value) VALUES (?, ?, ?, ?, ?, ?)');
    return this.replaceRunRows(run, 'scores', scoreRowsDigest(scores), () => {
      this.db.prepare('DELETE FROM scores WHERE run = ?').run(run);
      for (const s of scores) insert.run(run, s.image, s.sha256, s.metric, s.model, s.value);
    });
  }

  /** Sets a meta value; an unchanged value is not written, so that a run with nothing new writes nothing. */
  setMeta(key: string, value: unknown): void {
    const text = JSON.stringify(value);
    if (this.db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(key) === text) return;
    this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, text);
  }

  meta<T>(key: string): T | undefined {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  /**
   * Copies another store's vectors, and the images and scores of its run `fromRun` as run `toRun`, into this one
   * (rows already here are kept). The other store is brought to the current layout first.
   */
  mergeFrom(file: string, fromRun: string, toRun: string): void {
    new Store(file).close();
    this.db.prepare('ATTACH DATABASE ? AS other').run(file);
    try {
      this.db.transaction(() => {
        this.db.exec('INSERT OR IGNORE INTO main.vectors SELECT * FROM other.vectors');
        this.db
          .prepare(
            'INSERT OR IGNORE INTO main.images (run, key, sha256, levels, prompt, seed, weight, native) SELECT ?, key, sha256, levels, prompt, seed, weight, native FROM other.images WHERE run = ? ORDER BY rowid',
          )
          .run(toRun, fromRun);
        this.db
          .prepare(
            'INSERT OR IGNORE INTO main.scores (run, image, sha256, metric, model, value) SELECT ?, image, sha256, metric, model, value FROM other.scores WHERE run = ?',
          )
          .run(toRun, fromRun);
      })();
    } finally {
      this.db.exec('DETACH DATABASE other');
    }
  }

  close(): void {
    this.db.close();
  }
}
