import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { readRunJson, type RunJson } from './run-json.js';
import { readRunScores, SCORES_CSV } from './run-scores.js';
import type { ScoreRow } from './scores-csv.js';
import type { ModelLineage } from '../sweep/lineage.js';
import { canonicalCosts } from './factor-costs.js';
import type { PromptKind } from '../sweep/schema.js';

/** The scores of one run, as analyze, report and check read them. */
export interface ScoreTable {
  /** The scores.csv read. */
  source: string;
  /** Run folder, when a folder was given. */
  runDir?: string;
  /** The run's run.json, when a folder was given and has one. */
  run?: RunJson;
  /** SQLite store with embeddings: the run folder's, else the one run.json names, when it exists. */
  storeFile?: string;
  factors: string[];
  /** Factors blank on weight-0 rows (the LoRA-only factors). */
  loraFactors: string[];
  rows: ScoreRow[];
  /** Ancestry of the models (the sweep's models:), when the run recorded it or analyze was given the sweep. */
  lineage?: ModelLineage;
  /** GPU-hours per factor level (the sweep's costs:), likewise. */
  costs?: FactorCosts;
  /** Prompt id → kind (concept, style, unrelated), when the run recorded them or analyze was given the sweep. */
  promptKinds?: Record<string, PromptKind>;
}

/** GPU-hours per level of a factor. */
export type FactorCosts = Record<string, Record<string, number>>;

/**
 * Reads a run folder (scores.csv, run.json, store.sqlite) or a bare scores.csv that lora-eval wrote. A scores.csv
 * beside a run.json must be the one that run.json records.
 */
export function loadScoreTable(input: string): ScoreTable {
  const path = resolve(input);
  if (!existsSync(path)) throw new UserError(`${input}: not found (expected a run folder or a scores.csv)`);
  const isDir = statSync(path).isDirectory();
  const csv = isDir ? join(path, SCORES_CSV) : path;
  if (!existsSync(csv)) throw new UserError(`${input}: no scores.csv in this folder (run "lora-eval score" first)`);
  const besideRun = isDir || basename(path) === SCORES_CSV ? readRunJson(dirname(csv)) : undefined;
  const parsed = readRunScores(csv, besideRun, dirname(csv));
  const run = isDir ? besideRun : undefined;
  const loraFactors = run?.sweep?.lora_factors ?? parsed.factors.filter((f) => parsed.rows.some((r) => r.levels[f] === ''));
  const storeFile = isDir ? [join(path, 'store.sqlite'), run?.store].find((f): f is string => f !== undefined && existsSync(f)) : undefined;
  const lineage = run?.sweep?.models as ModelLineage | undefined;
  const recorded = run?.sweep?.costs as FactorCosts | undefined;
  const costs = recorded && canonicalCosts(recorded, `${join(dirname(csv), 'run.json')} sweep`);
  // The run.json beside a scores.csv records its prompts' kinds even when the file was given by path.
  const promptKinds = besideRun?.sweep?.prompt_kinds;
  return {
    source: csv,
    runDir: isDir ? path : undefined,
    run,
    storeFile,
    factors: parsed.factors,
    loraFactors,
    rows: parsed.rows,
    lineage,
    costs,
    promptKinds,
  };
}

/** Distinct non-blank levels of a factor, in order of first appearance. */
export function levelsOf(table: ScoreTable, factor: string): string[] {
  return [...new Set(table.rows.map((r) => (factor === 'prompt' ? r.prompt : r.levels[factor])).filter((l) => l !== undefined && l !== ''))];
}

export function metricsOf(table: ScoreTable): string[] {
  return [...new Set(table.rows.map((r) => r.metric))];
}
