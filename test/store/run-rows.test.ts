import { cpSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { readRunJson } from '../../src/run/run-json.js';
import { scoreSweep } from '../../src/score/score-sweep.js';
import { Store, type StoredImage, type StoredScore } from '../../src/store/store.js';
import { smallDemoSweep } from '../helpers/small-sweep.js';
import { tempDir } from '../helpers/tmp.js';

const RUN = 'run-a';

function scores(): StoredScore[] {
  const rows: StoredScore[] = [];
  for (let i = 0; i < 20; i++)
    for (const metric of ['prompt_fidelity', 'style_retention', 'concept_tag:a,b'])
      rows.push({ image: `img-${i}.png`, sha256: `sha-${i}`, metric, model: 'clip', value: (i + 1) / 7 });
  return rows;
}

function images(): StoredImage[] {
  return Array.from({ length: 5 }, (_, i) => ({
    key: `img-${i}.png`,
    sha256: `sha-${i}`,
    levels: { target: 't', weight: '1' },
    prompt: 'p',
    seed: String(i),
    weight: 1,
    native: false,
  }));
}

/** The rows of one run as SQLite holds them, through a connection of its own (as another program would see them). */
function storedScores(file: string, run = RUN): StoredScore[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT image, sha256, metric, model, value FROM scores WHERE run = ? ORDER BY image, metric, model').all(run) as StoredScore[];
  } finally {
    db.close();
  }
}

const sorted = (rows: StoredScore[]) => [...rows].sort((a, b) => (a.image + a.metric < b.image + b.metric ? -1 : 1));

/** Runs SQL on the store through another connection, as an older lora-eval or a hand edit would. */
function editOutside(file: string, sql: string): void {
  const db = new Database(file);
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
}

describe('a run whose rows are unchanged is not written again', () => {
  it('writes the scores once, and again after any change to them, down to the last bit of a value', () => {
    const file = join(tempDir(), 'store.sqlite');
    const store = new Store(file);
    try {
      const rows = scores();
      expect(store.replaceScores(RUN, rows)).toBe(true);
      expect(store.replaceScores(RUN, rows)).toBe(false);
      expect(storedScores(file)).toEqual(sorted(rows));

      const nudged = rows.map((r, i) => (i === 7 ? { ...r, value: r.value + Number.EPSILON * r.value } : r));
      expect(nudged[7].value).not.toBe(rows[7].value);
      expect(store.replaceScores(RUN, nudged)).toBe(true);
      expect(storedScores(file)).toEqual(sorted(nudged));
      for (const change of [{ sha256: 'other' }, { metric: 'other' }, { model: 'other' }, { image: 'other.png' }]) {
        const changed = nudged.map((r, i) => (i === 3 ? { ...r, ...change } : r));
        expect(store.replaceScores(RUN, changed), JSON.stringify(change)).toBe(true);
        expect(storedScores(file)).toEqual(sorted(changed));
        expect(store.replaceScores(RUN, nudged)).toBe(true);
      }
      // Fewer rows, and the same rows in another order, are written too.
      expect(store.replaceScores(RUN, nudged.slice(1))).toBe(true);
      expect(storedScores(file)).toEqual(sorted(nudged.slice(1)));
      expect(store.replaceScores(RUN, nudged)).toBe(true);
      expect(store.replaceScores(RUN, [...nudged].reverse())).toBe(true);
      expect(storedScores(file)).toEqual(sorted(nudged));
    } finally {
      store.close();
    }
  });

  it('writes the rows again after anything else changed them: a deleted, edited or added row, or a merge into the run', () => {
    const dir = tempDir();
    const file = join(dir, 'store.sqlite');
    const rows = scores();
    const edits = [
      `DELETE FROM scores WHERE run = '${RUN}' AND image = 'img-3.png'`,
      `UPDATE scores SET value = 0.5 WHERE run = '${RUN}' AND image = 'img-4.png'`,
      `INSERT INTO scores (run, image, sha256, metric, model, value) VALUES ('${RUN}', 'extra.png', 's', 'prompt_fidelity', 'clip', 1)`,
      `DELETE FROM scores WHERE run = '${RUN}'`,
    ];
    for (const sql of edits) {
      const store = new Store(file);
      try {
        store.replaceScores(RUN, rows);
        expect(store.replaceScores(RUN, rows)).toBe(false);
        editOutside(file, sql);
        expect(storedScores(file), sql).not.toEqual(sorted(rows));
        expect(store.replaceScores(RUN, rows), sql).toBe(true);
        expect(storedScores(file), sql).toEqual(sorted(rows));
      } finally {
        store.close();
      }
    }

    // Another run's rows in the same store are its own business.
    const store = new Store(file);
    try {
      expect(store.replaceScores('run-b', rows.slice(0, 5))).toBe(true);
      expect(store.replaceScores(RUN, rows)).toBe(false);
      editOutside(file, `DELETE FROM scores WHERE run = 'run-b'`);
      expect(store.replaceScores(RUN, rows)).toBe(false);

      // A merge adds another store's rows to the run.
      const other = new Store(join(dir, 'other.sqlite'));
      other.replaceScores('x', [{ image: 'merged.png', sha256: 'm', metric: 'prompt_fidelity', model: 'clip', value: 2 }]);
      other.close();
      store.mergeFrom(join(dir, 'other.sqlite'), 'x', RUN);
      expect(storedScores(file)).toHaveLength(rows.length + 1);
      expect(store.replaceScores(RUN, rows)).toBe(true);
      expect(storedScores(file)).toEqual(sorted(rows));
    } finally {
      store.close();
    }
  });

  it('does the same for the images of a run', () => {
    const file = join(tempDir(), 'store.sqlite');
    const store = new Store(file);
    try {
      const list = images();
      expect(store.replaceImages(RUN, list)).toBe(true);
      expect(store.replaceImages(RUN, list)).toBe(false);
      expect(store.images(RUN)).toEqual(list);
      for (const change of [{ sha256: 'x' }, { levels: { target: 'u', weight: '1' } }, { prompt: 'q' }, { seed: '99' }, { weight: 0.5 }, { native: true }]) {
        const changed = list.map((img, i) => (i === 2 ? { ...img, ...change } : img));
        expect(store.replaceImages(RUN, changed), JSON.stringify(change)).toBe(true);
        expect(store.images(RUN)).toEqual(changed);
        expect(store.replaceImages(RUN, list)).toBe(true);
      }
      editOutside(file, `UPDATE images SET sha256 = 'edited' WHERE run = '${RUN}' AND key = 'img-1.png'`);
      expect(store.images(RUN)[1].sha256).toBe('edited');
      expect(store.replaceImages(RUN, list)).toBe(true);
      expect(store.images(RUN)).toEqual(list);
    } finally {
      store.close();
    }
  });
});

describe('looking up many vectors at once', () => {
  it('finds what looking up one at a time finds, under the same model and preprocessing only', () => {
    const store = new Store(join(tempDir(), 'store.sqlite'));
    try {
      const vector = (k: number) => Float32Array.from({ length: 5 }, (_, i) => k + i / 10);
      store.putVectors([
        { contentSha: 'a', modelSha: 'm', prepHash: 'p', vector: vector(1) },
        { contentSha: 'b', modelSha: 'm', prepHash: 'p', vector: vector(2) },
        { contentSha: 'c"\'', modelSha: 'm', prepHash: 'p', vector: vector(3) },
        { contentSha: 'a', modelSha: 'm2', prepHash: 'p', vector: vector(4) },
        { contentSha: 'a', modelSha: 'm', prepHash: 'p2', vector: vector(5) },
      ]);
      const found = store.vectors(['a', 'b', 'c"\'', 'missing', 'a'], 'm', 'p');
      expect([...found.keys()].sort()).toEqual(['a', 'b', 'c"\'']);
      for (const sha of ['a', 'b', 'c"\'']) expect(found.get(sha)).toEqual(store.vector(sha, 'm', 'p'));
      expect(found.get('a')).toEqual(vector(1));
      expect(store.vectors(['a'], 'm2', 'p').get('a')).toEqual(vector(4));
      expect(store.vectors([], 'm', 'p').size).toBe(0);
    } finally {
      store.close();
    }
  });
});

describe('a cached re-score', () => {
  it('restores score rows removed from the store behind its back', async () => {
    const sweepDir = smallDemoSweep();
    const models = tempDir();
    cpSync('fixtures/models/clip', join(models, 'clip'), { recursive: true });
    const out = tempDir();
    const score = () => scoreSweep({ sweep: join(sweepDir, 'sweep.yaml'), clip: join(models, 'clip'), out, lock: join(models, 'models.lock.json') });
    await score();
    const run = readRunJson(out)!;
    const file = join(out, 'store.sqlite');
    const full = storedScores(file, run.store_run);
    expect(full.length).toBe(run.counts.rows);
    await score();
    expect(storedScores(file, run.store_run)).toEqual(full);
    editOutside(file, `DELETE FROM scores WHERE run = '${run.store_run}' AND metric = 'prompt_fidelity'; DELETE FROM images WHERE run = '${run.store_run}'`);
    const second = await score();
    expect(second.images.encoded).toBe(0);
    expect(storedScores(file, run.store_run)).toEqual(full);
    const store = new Store(file);
    try {
      expect(store.images(run.store_run!)).toHaveLength(run.counts.images);
    } finally {
      store.close();
    }
  }, 240_000);
});
