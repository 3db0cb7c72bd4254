import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { Failure } from '../score/failures.js';
import type { PromptKind } from '../sweep/schema.js';
import { writeFileAtomic } from './atomic-write.js';

export const RUN_JSON = 'run.json';

/** What run.json records of the scores.csv beside it, so that a cut or edited file is refused. */
export interface ScoresRecord {
  file: string;
  rows: number;
  sha256: string;
}

/** A file that changes scores (model weights, tokenizer, preprocessing, tag list), pinned by sha256. */
export interface ModelFileRecord {
  file: string;
  sha256: string;
}

/** run.json as score and merge write it; older runs may lack the fields marked optional. */
export interface RunJson {
  sweep: {
    file: string;
    root: string;
    name: string;
    sha256: string;
    factors: string[];
    lora_factors?: string[];
    /** Prompt id → text (absent in older runs). */
    prompt_texts?: Record<string, string>;
    /** Prompt id → kind: concept, style or unrelated (absent in older runs). */
    prompt_kinds?: Record<string, PromptKind>;
    [key: string]: unknown;
  };
  models: ModelFileRecord[];
  /** Tokenizer, preprocessing and tag-list files of the models (absent in runs before they were pinned). */
  model_files?: ModelFileRecord[];
  clip?: { id?: string; image_model_sha256?: string; preprocessing?: string; [key: string]: unknown };
  /** detail_tags: the tags of metrics/detail_tags.ts the tagger has, those the detail_tags metric reads (absent in older runs). */
  tagger?: { id?: string; preprocessing?: string; detail_tags?: string[] } | null;
  options: { resampler?: string; tag_thresholds?: string; variant?: string | null; shard: { index: number; count: number } | null; [key: string]: unknown };
  store?: string;
  /** Key of this run's images in the store (absent in runs before a store could hold several). */
  store_run?: string;
  /** The sha256 cache of the model and image files the run read (absent in older runs); rate checks images through it. */
  hash_cache?: string;
  scores?: ScoresRecord;
  /** The reference images the concept metrics compared with (those that could be encoded). */
  references?: { file: string; sha256: string }[];
  /** The style reference images style_retention's centroid was made of (absent in runs before it was recorded). */
  style_references?: { file: string; sha256: string }[];
  /**
   * The weight-0 images the run encoded: a shard's own and every other one of the sweep, which its deltas and the
   * style axis median read (absent in runs before it was recorded).
   */
  natives?: { image: string; file: string; sha256: string }[];
  counts: Record<string, number>;
  failures: Failure[];
  [key: string]: unknown;
}

/** The run.json of a run folder, or undefined when the folder has none. */
export function readRunJson(dir: string): RunJson | undefined {
  const file = join(dir, RUN_JSON);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, '')) as RunJson;
  } catch (e) {
    throw new UserError(`${file}: not valid JSON (${(e as Error).message}); it is written by "lora-eval score"`);
  }
}

/** Writes run.json last and atomically: it is the record that the run's other files are complete. */
export function writeRunJson(dir: string, run: RunJson): string {
  const file = join(dir, RUN_JSON);
  writeFileAtomic(file, JSON.stringify(run, null, 2) + '\n');
  return file;
}
