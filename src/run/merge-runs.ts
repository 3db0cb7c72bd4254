import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { formatScoresCsv, readScoresCsv, type ScoreRow } from './scores-csv.js';
import { Store } from '../store/store.js';
import type { Failure } from '../score/failures.js';

interface RunJson {
  sweep: { sha256: string; factors: string[] };
  models: { file: string; sha256: string }[];
  options: { shard: { index: number; count: number } | null };
  counts: Record<string, number>;
  failures: Failure[];
  [key: string]: unknown;
}

export interface MergeResult {
  outDir: string;
  rows: number;
  runs: number;
  failures: number;
}

function readRun(dir: string): RunJson {
  const file = join(dir, 'run.json');
  if (!existsSync(file)) throw new UserError(`${dir}: no run.json (expected a folder written by "lora-eval score")`);
  return JSON.parse(readFileSync(file, 'utf8')) as RunJson;
}

/**
 * Combines the run folders of a sharded score (`--shard i/N` on N machines) into one: scores.csv, run.json and the
 * store. The runs must share the sweep and the model files; a shard that is missing or given twice is named.
 */
export function mergeRuns(runDirs: string[], out: string): MergeResult {
  if (runDirs.length < 2) throw new UserError('merge needs at least two run folders');
  const dirs = runDirs.map((d) => resolve(d));
  const runs = dirs.map(readRun);
  const first = runs[0];
  const modelKey = (r: RunJson) => r.models.map((m) => m.sha256).join(',');
  runs.forEach((r, i) => {
    if (r.sweep.sha256 !== first.sweep.sha256)
      throw new UserError(`${dirs[i]}: scored another sweep (sha256 ${r.sweep.sha256.slice(0, 12)}…) than ${dirs[0]} (${first.sweep.sha256.slice(0, 12)}…)`);
    if (modelKey(r) !== modelKey(first)) throw new UserError(`${dirs[i]}: scored with other model files than ${dirs[0]}; compare the models in their run.json`);
  });
  const shards = runs.map((r) => r.options.shard);
  if (shards.every((s) => s)) {
    const count = shards[0]!.count;
    const seen = new Map<number, string>();
    shards.forEach((s, i) => {
      if (s!.count !== count) throw new UserError(`${dirs[i]}: shard ${s!.index}/${s!.count} belongs to another split than ${shards[0]!.index}/${count}`);
      if (seen.has(s!.index)) throw new UserError(`${dirs[i]}: shard ${s!.index}/${count} is also ${seen.get(s!.index)}`);
      seen.set(s!.index, dirs[i]);
    });
    const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i));
    if (missing.length) throw new UserError(`missing shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')}`);
  }

  const outDir = resolve(out);
  mkdirSync(outDir, { recursive: true });
  const rows: ScoreRow[] = [];
  const seenRows = new Set<string>();
  let factors: string[] | undefined;
  for (const dir of dirs) {
    const table = readScoresCsv(join(dir, 'scores.csv'));
    factors ??= table.factors;
    for (const r of table.rows) {
      const key = JSON.stringify([r.image, r.metric, r.model]);
      if (seenRows.has(key)) continue;
      seenRows.add(key);
      rows.push(r);
    }
  }
  writeFileSync(join(outDir, 'scores.csv'), formatScoresCsv(rows, factors!));

  const store = new Store(join(outDir, 'store.sqlite'));
  try {
    for (const dir of dirs) if (existsSync(join(dir, 'store.sqlite'))) store.mergeFrom(join(dir, 'store.sqlite'));
  } finally {
    store.close();
  }

  const failures = runs.flatMap((r) => r.failures);
  const counts: Record<string, number> = {};
  for (const r of runs) for (const [k, v] of Object.entries(r.counts)) counts[k] = k.includes('reference') ? v : (counts[k] ?? 0) + v;
  counts.rows = rows.length;
  counts.failures = failures.length;
  const merged = {
    ...first,
    created: new Date().toISOString(),
    merged_from: dirs,
    options: { ...first.options, shard: null },
    counts,
    failures,
    store: join(outDir, 'store.sqlite'),
  };
  writeFileSync(join(outDir, 'run.json'), JSON.stringify(merged, null, 2) + '\n');
  return { outDir, rows: rows.length, runs: dirs.length, failures: failures.length };
}
