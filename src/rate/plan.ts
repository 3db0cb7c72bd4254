import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UserError } from '../errors.js';
import { loadScoreTable } from '../run/score-table.js';
import { FileHashCache } from '../store/file-hash-cache.js';
import { sha256File } from '../store/hash.js';
import { loadSweep } from '../sweep/load.js';
import { pairableImages, selectPairs, type RatingItem } from './select-pairs.js';
import { TASKS, type TaskName } from './tasks.js';

export interface RatingPlanOptions {
  run: string;
  task: TaskName;
  pairs: number;
  repeatShare: number;
  seed: number;
}

/** What the rating page serves: the sequence of pairs and every file it may read, by opaque index. */
export interface RatingPlan {
  runDir: string;
  ratingsFile: string;
  task: TaskName;
  question: string;
  /** Metric the pairs were chosen by. */
  metric: string;
  items: RatingItem[];
  /** Prompt id → prompt text, as the sweep states it. */
  promptText: Record<string, string>;
  /** Absolute paths of the pair images; the page asks for them by index only. */
  imageFiles: string[];
  /** Image key → index in imageFiles. */
  imageIndex: Map<string, number>;
  /** Image key → sha256 of the file, checked against scores.csv. */
  imageSha256: Map<string, string>;
  referenceFiles: string[];
  candidates: number;
}

function insideFolder(folder: string, target: string): boolean {
  const rel = relative(folder, target);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * Builds the rating plan of a scored run: reads scores.csv and run.json, reloads the sweep the run was scored from
 * (for its root, prompts and reference images), chooses the pairs, and checks that every image to be shown lies
 * inside the sweep root and is byte-for-byte the image that was scored, since a rating of a changed image would be
 * compared with a score of another.
 */
export async function buildRatingPlan(options: RatingPlanOptions): Promise<RatingPlan> {
  const table = loadScoreTable(options.run);
  if (!table.runDir) throw new UserError(`${options.run}: rate needs a run folder (scores.csv with run.json), not a bare scores.csv`);
  const runFile = join(table.runDir, 'run.json');
  if (!existsSync(runFile)) throw new UserError(`${runFile}: not found; rate needs the run.json that "lora-eval score" writes`);
  const run = JSON.parse(readFileSync(runFile, 'utf8')) as { sweep?: { file?: string; sha256?: string }; hash_cache?: unknown };
  const sweepFile = run.sweep?.file;
  if (!sweepFile || !existsSync(sweepFile)) throw new UserError(`${runFile}: sweep.file "${sweepFile ?? ''}" not found; rate shows the sweep's images`);
  const sweep = loadSweep(sweepFile);
  if (run.sweep?.sha256 && run.sweep.sha256 !== sweep.sha256) {
    throw new UserError(`${sweepFile}: changed since the run was scored (sha256 ${sweep.sha256}, run.json has ${run.sweep.sha256}); score it again`);
  }
  const task = TASKS[options.task];
  const metric = task.metrics.find((m) => table.rows.some((r) => r.metric === m && Number.isFinite(r.value)));
  if (!metric) throw new UserError(`${table.source}: the ${options.task} task needs one of the metrics ${task.metrics.join(', ')}, and the run has none`);
  const promptKinds: readonly string[] | undefined = 'promptKinds' in task ? task.promptKinds : undefined;
  const prompts = promptKinds ? new Set([...sweep.prompts.values()].filter((p) => promptKinds.includes(p.kind ?? '')).map((p) => p.id)) : undefined;
  const groupFactors = table.factors.filter((f) => f === 'target');
  const images = pairableImages(table.rows, metric, groupFactors, prompts);
  const selection = selectPairs(images, { pairs: options.pairs, repeatShare: options.repeatShare, seed: options.seed });
  if (selection.items.length === 0) {
    throw new UserError(
      `${table.source}: no two images share a prompt, seed${groupFactors.length ? ' and target' : ''} with a value of ${metric}${prompts ? ` among the ${promptKinds!.join('/')} prompts` : ''}; there is nothing to rate`,
    );
  }

  // The sha256 of images the run hashed, remembered by path, size, mtime, ctime and inode: unchanged files are not read.
  const hashes = typeof run.hash_cache === 'string' ? new FileHashCache(run.hash_cache) : undefined;
  const realRoot = realpathSync(sweep.root);
  const sha = new Map(table.rows.map((r) => [r.image, r.sha256]));
  const imageIndex = new Map<string, number>();
  const imageFiles: string[] = [];
  const imageSha256 = new Map<string, string>();
  for (const key of selection.items.flatMap((i) => [i.left, i.right])) {
    if (imageIndex.has(key)) continue;
    const path = resolve(sweep.root, key);
    if (!existsSync(path)) throw new UserError(`${table.source}: image "${key}" not found at ${path}`);
    const real = realpathSync(path);
    if (!insideFolder(realRoot, real) || !statSync(real).isFile())
      throw new UserError(`${table.source}: image "${key}" is not a file inside the sweep root ${sweep.root}; refused`);
    const expected = sha.get(key);
    if (!expected || !/^[0-9a-f]{64}$/.test(expected)) throw new UserError(`${table.source}: image "${key}" has no sha256 to check it against`);
    const actual = hashes ? await hashes.sha256(real) : await sha256File(real);
    if (actual !== expected) throw new UserError(`${path}: changed since it was scored (sha256 ${actual}, scores.csv has ${expected}); score the run again`);
    imageIndex.set(key, imageFiles.length);
    imageSha256.set(key, actual);
    imageFiles.push(real);
  }
  hashes?.save();
  const references = options.task === 'style' ? sweep.styleReferences : sweep.references;
  return {
    runDir: table.runDir,
    ratingsFile: join(table.runDir, 'ratings.csv'),
    task: options.task,
    question: task.question,
    metric,
    items: selection.items,
    promptText: Object.fromEntries([...sweep.prompts.values()].map((p) => [p.id, p.text])),
    imageFiles,
    imageIndex,
    imageSha256,
    referenceFiles: options.task === 'prompt' ? [] : references,
    candidates: selection.candidates,
  };
}
