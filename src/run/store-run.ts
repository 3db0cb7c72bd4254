import { sha256 } from '../store/hash.js';
import { LEGACY_RUN } from '../store/store.js';
import type { RunJson } from './run-json.js';

/**
 * The key a run's images and scores have in the store: its run folder (and shard). A run folder holds one run, so
 * scoring again into it replaces its own images, even from an edited sweep, while runs in other folders sharing the
 * store (`--store`) keep theirs, even when their image paths are the same.
 */
export function storeRunKey(run: { outDir: string; shard: { index: number; count: number } | null }): string {
  return sha256(JSON.stringify([run.outDir, run.shard ? `${run.shard.index}/${run.shard.count}` : null]));
}

/** The store key of a run folder's images: the one its run.json records, or the single run of a store from before keys. */
export function storeRunOf(run: RunJson): string {
  return run.store_run ?? LEGACY_RUN;
}
