import { join } from 'node:path';
import { centroid, cosine, dot, subtract } from '../encoders/vector.js';
import { UserError } from '../errors.js';
import { storeRunOf } from '../run/store-run.js';
import { Store } from '../store/store.js';
import { frechetDistance, vendiScore } from '../stats/index.js';
import type { RunJson } from '../run/run-json.js';
import type { ScoreTable } from '../run/score-table.js';

export interface ModelDistance {
  a: string;
  b: string;
  /** Shared pair keys the centroids were taken over. */
  n: number;
  /** 1 − cos between the weight-0 centroids. */
  cosineDistance: number;
  /** Fréchet distance between the weight-0 embedding distributions (NaN with too few images). */
  frechet: number;
}

/** ‖μ_gen − μ_ref‖² between a cell's image centroid and the reference images' centroid (DreamBench-style). */
export interface ConceptDistanceRow {
  levels: Record<string, string>;
  n: number;
  distance: number;
}

export interface DiversityRow {
  levels: Record<string, string>;
  prompt: string;
  n: number;
  vendi: number;
}

export type EmbeddingAnalysis =
  | {
      available: true;
      modelDistances: ModelDistance[];
      diversity: DiversityRow[];
      conceptDistance: ConceptDistanceRow[];
      distance(a: string, b: string): number | undefined;
    }
  | { available: false; reason: string };

/** Which image embeddings of a run to analyze: CLIP's, or those of the --encoder (DINOv2) it was scored with. */
export type EmbeddingSource = 'clip' | 'encoder';

/** run.json's record of the --encoder, when the run was scored with one. */
function encoderOf(run: RunJson | undefined): { id?: string; image_model_sha256?: string; preprocessing?: string } | undefined {
  const encoder = run?.encoder as { id?: string; image_model_sha256?: string; preprocessing?: string } | null | undefined;
  return encoder ?? undefined;
}

/** The model id of the --encoder a score table's run was scored with, whose embeddings analyzeEmbeddings can read. */
export function runEncoder(table: ScoreTable): string | undefined {
  return encoderOf(table.run)?.id;
}

/**
 * What needs the embeddings themselves: model_distance between targets from their weight-0 outputs and the
 * Vendi diversity of every cell × prompt. Needs a run folder with run.json and store.sqlite.
 */
export function analyzeEmbeddings(table: ScoreTable, source: EmbeddingSource = 'clip'): EmbeddingAnalysis {
  if (!table.runDir) return { available: false, reason: 'a bare scores.csv has no embeddings: pass the run folder (with store.sqlite) instead' };
  if (!table.storeFile) return { available: false, reason: `${table.runDir} has no store.sqlite` };
  const runFile = join(table.runDir, 'run.json');
  const run = table.run;
  if (!run) return { available: false, reason: `${table.runDir} has no run.json (it names the CLIP model whose embeddings to read)` };
  const model = source === 'clip' ? run.clip : encoderOf(run);
  const modelSha = model?.image_model_sha256;
  const prep = model?.preprocessing;
  if (!modelSha || !prep)
    return { available: false, reason: `${runFile} does not name the ${source === 'clip' ? 'CLIP image' : '--encoder'} model's sha256 and preprocessing` };

  const store = new Store(table.storeFile);
  try {
    const stored = store.images(storeRunOf(run));
    // The store's images must be the ones scored: a store shared with another run must never lend it its images.
    const scored = new Map(table.rows.map((r) => [r.image, r.sha256]));
    const foreign = stored.find((img) => scored.has(img.key) && scored.get(img.key) !== img.sha256);
    if (foreign)
      throw new UserError(
        `${table.storeFile}: image ${foreign.key} has sha256 ${foreign.sha256.slice(0, 12)}… but ${table.source} scored ${scored.get(foreign.key)!.slice(0, 12)}…: ` +
          "the store holds another run's images under this run; score the run again to rebuild its entries",
      );
    const images = stored
      .map((img) => ({ ...img, vector: store.vector(img.sha256, modelSha, prep) }))
      .filter((img): img is typeof img & { vector: Float32Array } => img.vector !== undefined);
    if (images.length === 0) return { available: false, reason: `${table.storeFile} holds no embeddings of this run's images` };
    // Distances and diversities of a part of the run would pass for the whole run's.
    const embedded = new Set(images.map((img) => img.key));
    const missing = [...scored.keys()].filter((key) => !embedded.has(key));
    if (missing.length)
      return {
        available: false,
        reason: `${table.storeFile} lacks the embeddings of ${missing.length} of the ${scored.size} scored images (e.g. ${missing[0]}); was a shard merged without its store? score the run again to rebuild them`,
      };

    // model_distance: weight-0 images per target, keyed by prompt, seed and the other non-LoRA factors.
    const others = table.factors.filter((f) => f !== 'target' && !table.loraFactors.includes(f) && f !== 'weight');
    const natives = new Map<string, Map<string, Float32Array>>();
    for (const img of images.filter((i) => i.native)) {
      const target = img.levels.target;
      const key = JSON.stringify([img.prompt, img.seed, ...others.map((f) => img.levels[f])]);
      if (!natives.has(target)) natives.set(target, new Map());
      natives.get(target)!.set(key, img.vector);
    }
    const targets = [...natives.keys()];
    const modelDistances: ModelDistance[] = [];
    for (let i = 0; i < targets.length; i++) {
      for (let j = i + 1; j < targets.length; j++) {
        const a = natives.get(targets[i])!;
        const b = natives.get(targets[j])!;
        const shared = [...a.keys()].filter((k) => b.has(k));
        if (shared.length === 0) continue;
        const ra = shared.map((k) => a.get(k)!);
        const rb = shared.map((k) => b.get(k)!);
        let frechet = NaN;
        try {
          frechet = frechetDistance(ra, rb);
        } catch {
          // too few images for a covariance estimate
        }
        modelDistances.push({ a: targets[i], b: targets[j], n: shared.length, cosineDistance: 1 - cosine(centroid(ra), centroid(rb)), frechet });
      }
    }
    const distance = (a: string, b: string) =>
      a === b && natives.has(a) ? 0 : modelDistances.find((d) => (d.a === a && d.b === b) || (d.a === b && d.b === a))?.cosineDistance;

    const groups = new Map<string, { levels: Record<string, string>; prompt: string; rows: Float32Array[] }>();
    for (const img of images) {
      const key = JSON.stringify([img.levels, img.prompt]);
      const g = groups.get(key) ?? { levels: img.levels, prompt: img.prompt, rows: [] };
      g.rows.push(img.vector);
      groups.set(key, g);
    }
    const diversity = [...groups.values()]
      .filter((g) => g.rows.length >= 2)
      .map((g) => ({ levels: g.levels, prompt: g.prompt, n: g.rows.length, vendi: vendiScore(g.rows) }));
    const refs = (run.references ?? []).map((r) => store.vector(r.sha256, modelSha, prep)).filter((v): v is Float32Array => v !== undefined);
    const conceptDistance: ConceptDistanceRow[] = [];
    if (refs.length) {
      const reference = centroid(refs);
      const cells = new Map<string, { levels: Record<string, string>; rows: Float32Array[] }>();
      for (const img of images) {
        const key = JSON.stringify(img.levels);
        const c = cells.get(key) ?? { levels: img.levels, rows: [] };
        c.rows.push(img.vector);
        cells.set(key, c);
      }
      for (const c of cells.values()) {
        const gap = subtract(centroid(c.rows), reference);
        conceptDistance.push({ levels: c.levels, n: c.rows.length, distance: dot(gap, gap) });
      }
    }
    return { available: true, modelDistances, diversity, conceptDistance, distance };
  } finally {
    store.close();
  }
}
