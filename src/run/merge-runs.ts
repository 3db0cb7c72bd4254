import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { refuseIdenticalImages } from '../score/identical-images.js';
import { Store } from '../store/store.js';
import { readRunJson, writeRunJson, type RunJson } from './run-json.js';
import { readRunScores, SCORES_CSV, writeScoresCsv } from './run-scores.js';
import type { ScoreRow } from './scores-csv.js';
import { referencesDiffer, scoringSettings } from './scoring-settings.js';
import { storeRunKey, storeRunOf } from './store-run.js';

export interface MergeResult {
  outDir: string;
  rows: number;
  runs: number;
  failures: number;
}

function readRun(dir: string): RunJson {
  const run = readRunJson(dir);
  if (!run) throw new UserError(`${dir}: no run.json (expected a folder written by "lora-eval score")`);
  return run;
}

/**
 * Every weight-0 image the runs read, refused when two runs read different bytes under one name: the deltas and the
 * style axis of each run were measured against its own copy, so the merged scores would mix two references.
 */
function sameNatives(runs: RunJson[], dirs: string[]): NonNullable<RunJson['natives']> | undefined {
  const seen = new Map<string, { native: NonNullable<RunJson['natives']>[number]; dir: string }>();
  runs.forEach((r, i) => {
    for (const native of r.natives ?? []) {
      const earlier = seen.get(native.image);
      if (!earlier) seen.set(native.image, { native, dir: dirs[i] });
      else if (earlier.native.sha256 !== native.sha256)
        throw new UserError(
          `${dirs[i]}: weight-0 image ${native.image} has sha256 ${native.sha256} there and ${earlier.native.sha256} in ${earlier.dir}; ` +
            'deltas and style_retention are measured against it: score every shard with the same weight-0 images',
        );
    }
  });
  return runs.some((r) => r.natives) ? [...seen.values()].map((s) => s.native) : undefined;
}

/**
 * Unsharded runs each scored the whole sweep; runs that scored different images (a file missing or unreadable on one
 * machine) would leave the merged run's counts and failures describing neither.
 */
function refuseOtherImages(imagesOf: Set<string>[], dirs: string[]): void {
  imagesOf.forEach((images, i) => {
    const onlyHere = [...images].filter((image) => !imagesOf[0].has(image));
    const onlyThere = [...imagesOf[0]].filter((image) => !images.has(image));
    if (onlyHere.length || onlyThere.length)
      throw new UserError(
        `${dirs[i]}: an unsharded run that scored other images than ${dirs[0]} (${onlyHere.length} only here, ${onlyThere.length} only there, ` +
          `e.g. ${onlyHere[0] ?? onlyThere[0]}); merge combines unsharded runs of the same images, or the shards of one split`,
      );
  });
}

/** The lora-eval release and commit that scored a run: the code of the metrics themselves. */
function scoredBy(run: RunJson): string {
  const tool = run.tool as { version?: string; git?: string | null } | undefined;
  if (!tool?.version) return 'an unrecorded lora-eval version';
  return `lora-eval ${tool.version}${tool.git ? ` (git ${tool.git.slice(0, 12)})` : ''}`;
}

/** What run.json records per prompt id: check pairs by the texts, analyze --choose selects by the kinds. */
const PROMPT_RECORDS = ['prompt_texts', 'prompt_kinds'] as const;

/** The first prompt id both records have with different values; a run that recorded none is not compared. */
function differingPrompt(a: Record<string, string> | undefined, b: Record<string, string> | undefined): string | undefined {
  if (!a || !b) return undefined;
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].find((id) => a[id] !== b[id]);
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
    if (scoredBy(r) !== scoredBy(first))
      throw new UserError(
        `${dirs[i]}: scored by ${scoredBy(r)}, ${dirs[0]} by ${scoredBy(first)}; scores of different versions need not agree: score every shard with one version`,
      );
    const references =
      referencesDiffer('lora.references', r.references, first.references) ??
      referencesDiffer('lora.style_references', r.style_references, first.style_references);
    if (references)
      throw new UserError(
        `${dirs[i]}: scored against other reference images than ${dirs[0]} (${references}); concept and style scores depend on them: score every shard with the same reference images`,
      );
    for (const field of PROMPT_RECORDS) {
      const differs = differingPrompt(r.sweep[field], first.sweep[field]);
      if (differs !== undefined)
        throw new UserError(
          `${dirs[i]}: records prompt "${differs}" with another ${field === 'prompt_kinds' ? 'kind' : 'text'} (run.json sweep.${field}) than ${dirs[0]} ` +
            `(${JSON.stringify(r.sweep[field]?.[differs])} vs ${JSON.stringify(first.sweep[field]?.[differs])}); merge combines runs of one sweep`,
        );
    }
    const [mine, theirs] = [scoringSettings(r, 'default'), scoringSettings(first, 'default')];
    for (const [setting, value] of Object.entries(mine)) {
      if (value !== theirs[setting])
        throw new UserError(`${dirs[i]}: scored with another ${setting} than ${dirs[0]} (${JSON.stringify(value)} vs ${JSON.stringify(theirs[setting])})`);
    }
  });
  const natives = sameNatives(runs, dirs);
  const shards = runs.map((r) => r.options.shard);
  const sharded = shards.every((s) => s);
  const shardAt = shards.findIndex((s) => s);
  if (!sharded && shardAt >= 0)
    throw new UserError(
      `${dirs[shardAt]}: shard ${shards[shardAt]!.index}/${shards[shardAt]!.count}, and ${dirs[shards.findIndex((s) => !s)]} an unsharded run; ` +
        'merge combines the shards of one split, or unsharded runs of the whole sweep',
    );
  if (sharded) {
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

  // The merged store must hold every run's embeddings: analyze reads distances and diversities from it. (A run whose
  // run.json names no store, such as a committed baseline, adds none; analyze then finds its images missing.)
  const stores = dirs.map((dir, i) => {
    const from = [join(dir, 'store.sqlite'), runs[i].store].find((f): f is string => f !== undefined && existsSync(f));
    if (!from && runs[i].store !== undefined)
      throw new UserError(
        `${dir}: no store.sqlite, and the store its run.json names (${runs[i].store}) is not there; the merged store would lack this run's embeddings ` +
          "(concept distance, diversity and model distance would be computed from the other runs' images only): copy its store.sqlite into the folder",
      );
    return from;
  });

  const outDir = resolve(out);
  mkdirSync(outDir, { recursive: true });
  const rows: ScoreRow[] = [];
  // Shards are disjoint; unsharded runs may overlap. An overlapping score is kept once when both runs agree on it,
  // and refused when they do not: picking either value would be a silent choice.
  const seenRows = new Map<string, { row: ScoreRow; dir: string }>();
  let factors: string[] | undefined;
  const imagesOf: Set<string>[] = [];
  for (const [i, dir] of dirs.entries()) {
    const table = readRunScores(join(dir, SCORES_CSV), runs[i], dir);
    factors ??= table.factors;
    imagesOf.push(new Set(table.rows.map((r) => r.image)));
    for (const r of table.rows) {
      const key = JSON.stringify([r.image, r.metric, r.model]);
      const earlier = seenRows.get(key);
      if (earlier) {
        if (earlier.row.sha256 !== r.sha256 || earlier.row.value !== r.value)
          throw new UserError(
            `${dir}: ${r.image} ${r.metric} (${r.model}) is also in ${earlier.dir} with ${earlier.row.sha256 !== r.sha256 ? 'another image sha256' : `another value (${earlier.row.value} vs ${r.value})`}; merge combines runs that agree`,
          );
        continue;
      }
      seenRows.set(key, { row: r, dir });
      rows.push(r);
    }
  }
  if (!sharded) refuseOtherImages(imagesOf, dirs);
  // Each shard checked its own images; two shards may still hold the same file under two names.
  const shaOf = new Map(rows.map((r) => [r.image, r.sha256]));
  refuseIdenticalImages(
    [...shaOf.keys()].map((path) => ({ path })),
    shaOf,
    '',
  );
  const scores = writeScoresCsv(outDir, rows, factors!);

  const storeRun = storeRunKey({ outDir, shard: null });
  const store = new Store(join(outDir, 'store.sqlite'));
  try {
    stores.forEach((from, i) => {
      if (from) store.mergeFrom(from, storeRunOf(runs[i]), storeRun);
    });
  } finally {
    store.close();
  }

  // Shards count disjoint images, so their counts add up. Unsharded runs scored the same images (refused otherwise):
  // the merged run holds them once, and each failure once; only the encoder work done (encoded, cached) adds up.
  const failures = sharded ? runs.flatMap((r) => r.failures) : [...new Map(runs.flatMap((r) => r.failures).map((f) => [JSON.stringify(f), f])).values()];
  const counts: Record<string, number> = sharded ? {} : { ...first.counts, encoded: 0, cached: 0 };
  for (const r of runs)
    for (const [k, v] of Object.entries(r.counts)) {
      if (sharded) counts[k] = k.includes('reference') ? v : (counts[k] ?? 0) + v;
      else if (k === 'encoded' || k === 'cached') counts[k] += v;
    }
  counts.rows = rows.length;
  // Each run counted the metrics its own images lacked. Shards hold disjoint images, so the merged run lacks the sum;
  // unsharded runs each cover the whole sweep, so it lacks what the run that lacked most did.
  const unavailable: Record<string, number> = {};
  for (const r of runs)
    for (const [reason, n] of Object.entries((r.unavailable ?? {}) as Record<string, number>))
      unavailable[reason] = sharded ? (unavailable[reason] ?? 0) + n : Math.max(unavailable[reason] ?? 0, n);
  counts.failures = failures.length;
  // A run scored before a prompt record existed lacks it; the record of any other run of the same sweep stands for it.
  const sweep = { ...first.sweep };
  for (const field of PROMPT_RECORDS) {
    const recorded = runs.find((r) => r.sweep[field])?.sweep[field];
    if (recorded) Object.assign(sweep, { [field]: recorded });
  }
  const merged: RunJson = {
    ...first,
    sweep,
    created: new Date().toISOString(),
    merged_from: dirs,
    options: { ...first.options, shard: null },
    counts,
    unavailable,
    failures,
    store: join(outDir, 'store.sqlite'),
    store_run: storeRun,
    scores,
    ...(natives ? { natives } : {}),
  };
  writeRunJson(outDir, merged);
  return { outDir, rows: rows.length, runs: dirs.length, failures: failures.length };
}
