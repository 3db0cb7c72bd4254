import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Seed } from '../sweep/seed.js';

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
`;

/** Run key of the images and scores a store held before it kept several runs apart. */
export const LEGACY_RUN = '';

/**
 * The SQLite store of one or more runs: cached vectors (image embeddings, tagger probabilities, text embeddings)
 * keyed by content sha256 × model sha256 × preprocessing hash, shared by every run, and the images and scores of each
 * run under its own run key, so that runs sharing a store (`--store`) never see each other's images.
 * Every batch is written in one transaction, so a killed run resumes with nothing lost or doubled.
 */
export class Store {
  private readonly db: Database.Database;
  private readonly getVector: Database.Statement;
  private readonly putVector: Database.Statement;

  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.migrateToRunKeys();
    this.db.exec(SCHEMA);
    this.getVector = this.db.prepare('SELECT data FROM vectors WHERE content_sha = ? AND model_sha = ? AND prep_hash = ?');
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
    if (!row) return undefined;
    const copy = Buffer.from(row.data);
    return new Float32Array(copy.buffer, copy.byteOffset, copy.byteLength / 4);
  }

  putVectors(rows: { contentSha: string; modelSha: string; prepHash: string; vector: Float32Array }[]): void {
    this.db.transaction(() => {
      for (const r of rows) {
        this.putVector.run(r.contentSha, r.modelSha, r.prepHash, r.vector.length, Buffer.from(r.vector.buffer, r.vector.byteOffset, r.vector.byteLength));
      }
    })();
  }

  /** Sets the images of one run; other runs' images are left alone. */
  replaceImages(run: string, images: StoredImage[]): void {
    const insert = this.db.prepare('INSERT INTO images (run, key, sha256, levels, prompt, seed, weight, native) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM images WHERE run = ?').run(run);
      for (const i of images) insert.run(run, i.key, i.sha256, JSON.stringify(i.levels), i.prompt, i.seed, i.weight, i.native ? 1 : 0);
    })();
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

  /** Sets the scores of one run; other runs' scores are left alone. */
  replaceScores(run: string, scores: StoredScore[]): void {
    const insert = this.db.prepare('INSERT OR REPLACE INTO scores (run, image, sha256, metric, model, value) VALUES (?, ?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM scores WHERE run = ?').run(run);
      for (const s of scores) insert.run(run, s.image, s.sha256, s.metric, s.model, s.value);
    })();
  }

  setMeta(key: string, value: unknown): void {
    this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, JSON.stringify(value));
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
