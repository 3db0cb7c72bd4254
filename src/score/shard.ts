import { createHash } from 'node:crypto';

/** A deterministic share of a sweep for one of N machines: image i belongs to shard hash(key) mod N. */
export interface Shard {
  index: number;
  count: number;
}

export function inShard(key: string, shard: Shard): boolean {
  const h = createHash('sha256').update(key).digest();
  return h.readUInt32BE(0) % shard.count === shard.index;
}

/**
 * Parses "--shard i/N"; without it, reads the index from JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs) or
 * SLURM_ARRAY_TASK_ID (Slurm arrays) when "--shard auto/N" is given.
 */
export function parseShard(text: string, env: NodeJS.ProcessEnv = process.env): Shard {
  const m = /^(\d+|auto)\/(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`--shard expects i/N (e.g. 0/4) or auto/N, got "${text}"`);
  const count = Number(m[2]);
  if (count < 1) throw new Error(`--shard ${text}: N is the number of shards and must be at least 1, e.g. 0/4`);
  const fromEnv = env.JOB_COMPLETION_INDEX ?? env.SLURM_ARRAY_TASK_ID;
  if (m[1] === 'auto' && fromEnv === undefined) throw new Error('--shard auto/N needs JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID in the environment');
  const index = m[1] === 'auto' ? Number(fromEnv) : Number(m[1]);
  if (!Number.isInteger(index) || count < 1 || index < 0 || index >= count)
    throw new Error(`--shard ${text}: the index must be in 0..${count - 1} (shards are numbered from 0), got ${index}`);
  return { index, count };
}
