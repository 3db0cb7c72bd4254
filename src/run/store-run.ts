import { sha256 } from '../store/hash.js';
import { LEGACY_RUN } from '../store/store.js';
import type { RunJson } from './run-json.js';

/**
 * The key a run's images and scores have in the store: the run folder, the sweep file's bytes, its image root and the
 * shard. Two runs sharing a store (`--store`) thus never replace each other's images, even when their image paths are
 * the same; scoring again into the same folder replaces that folder's own.
 */
export function storeRunKey(run: { outDir: string; sweepSha256: string; root: string; shard: { index: number; count: number } | null }): string {
  return sha256(JSON.stringify([run.outDir, run.sweepSha256, run.root, run.shard ? `${run.shard.index}/${run.shard.count}` : null]));
}

/** The store key of a run folder's images: the one its run.json records, or the single run of a store from before keys. */
export function storeRunOf(run: RunJson): string {
  return run.store_run ?? LEGACY_RUN;
}
