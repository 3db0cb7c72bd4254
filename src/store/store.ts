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
  key TEXT PRIMARY KEY,
  sha256 TEXT NOT NULL,
  levels TEXT NOT NULL,
  prompt TEXT NOT NULL,
  seed TEXT NOT NULL,
  weight REAL NOT NULL,
  native INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS scores (
  image TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  metric TEXT NOT NULL,
  model TEXT NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (image, metric, model)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/**
 * The SQLite store of a run: cached vectors (image embeddings, tagger probabilities, text embeddings)
 * keyed by content sha256 × model sha256 × preprocessing hash, and the images and scores of the last run.
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
    this.db.exec(SCHEMA);
    this.migrateIntegerSeeds();
    this.getVector = this.db.prepare('SELECT data FROM vectors WHERE content_sha = ? AND model_sha = ? AND prep_hash = ?');
    this.putVector = this.db.prepare('INSERT OR REPLACE INTO vectors (content_sha, model_sha, prep_hash, dim, data) VALUES (?, ?, ?, ?, ?)');
  }

  /**
   * Stores written before seeds became exact kept them in an INTEGER column, where a seed beyond 2^63 turns into a
   * float. The images table only holds the last run, so it is rebuilt with a TEXT column and the seeds it holds.
   */
  private migrateIntegerSeeds(): void {
    const columns = this.db.prepare('PRAGMA table_info(images)').all() as { name: string; type: string }[];
    if (columns.find((c) => c.name === 'seed')?.type.toUpperCase() !== 'INTEGER') return;
    this.db.transaction(() => {
      this.db.exec('ALTER TABLE images RENAME TO images_integer_seed');
      this.db.exec(SCHEMA);
      this.db.exec(
        'INSERT INTO images (key, sha256, levels, prompt, seed, weight, native) SELECT key, sha256, levels, prompt, CAST(seed AS TEXT), weight, native FROM images_integer_seed ORDER BY rowid',
      );
      this.db.exec('DROP TABLE images_integer_seed');
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

  replaceImages(images: StoredImage[]): void {
    const insert = this.db.prepare('INSERT INTO images (key, sha256, levels, prompt, seed, weight, native) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM images').run();
      for (const i of images) insert.run(i.key, i.sha256, JSON.stringify(i.levels), i.prompt, i.seed, i.weight, i.native ? 1 : 0);
    })();
  }

  images(): StoredImage[] {
    return (this.db.prepare('SELECT * FROM images ORDER BY rowid').all() as Record<string, unknown>[]).map((r) => ({
      key: r.key as string,
      sha256: r.sha256 as string,
      levels: JSON.parse(r.levels as string),
      prompt: r.prompt as string,
      seed: String(r.seed),
      weight: r.weight as number,
      native: r.native === 1,
    }));
  }

  replaceScores(scores: StoredScore[]): void {
    const insert = this.db.prepare('INSERT OR REPLACE INTO scores (image, sha256, metric, model, value) VALUES (?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM scores').run();
      for (const s of scores) insert.run(s.image, s.sha256, s.metric, s.model, s.value);
    })();
  }

  setMeta(key: string, value: unknown): void {
    this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, JSON.stringify(value));
  }

  meta<T>(key: string): T | undefined {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  /** Copies another store's vectors, images and scores into this one (rows already here are kept). */
  mergeFrom(file: string): void {
    this.db.prepare('ATTACH DATABASE ? AS other').run(file);
    try {
      this.db.transaction(() => {
        for (const table of ['vectors', 'images', 'scores']) this.db.exec(`INSERT OR IGNORE INTO main.${table} SELECT * FROM other.${table}`);
      })();
    } finally {
      this.db.exec('DETACH DATABASE other');
    }
  }

  close(): void {
    this.db.close();
  }
}
