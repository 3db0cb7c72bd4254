import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { readScoresCsv, ScoresCsvError, type ScoreRow } from './scores-csv.js';

/** The scores of one run, as analyze, report and check read them. */
export interface ScoreTable {
  /** The scores.csv read. */
  source: string;
  /** Run folder, when a folder was given. */
  runDir?: string;
  /** SQLite store with embeddings, when the run folder has one. */
  storeFile?: string;
  factors: string[];
  /** Factors blank on weight-0 rows (the LoRA-only factors). */
  loraFactors: string[];
  rows: ScoreRow[];
}

/** Reads a run folder (scores.csv, run.json, store.sqlite) or a bare scores.csv that lora-eval wrote. */
export function loadScoreTable(input: string): ScoreTable {
  const path = resolve(input);
  if (!existsSync(path)) throw new UserError(`${input}: not found (expected a run folder or a scores.csv)`);
  const isDir = statSync(path).isDirectory();
  const csv = isDir ? join(path, 'scores.csv') : path;
  if (!existsSync(csv)) throw new UserError(`${input}: no scores.csv in this folder (run "lora-eval score" first)`);
  let parsed: ReturnType<typeof readScoresCsv>;
  try {
    parsed = readScoresCsv(csv);
  } catch (e) {
    if (e instanceof ScoresCsvError) throw new UserError(e.message);
    throw e;
  }
  let loraFactors: string[] | undefined;
  if (isDir && existsSync(join(path, 'run.json'))) {
    loraFactors = (JSON.parse(readFileSync(join(path, 'run.json'), 'utf8')) as { sweep?: { lora_factors?: string[] } }).sweep?.lora_factors;
  }
  loraFactors ??= parsed.factors.filter((f) => parsed.rows.some((r) => r.levels[f] === ''));
  const storeFile = isDir && existsSync(join(path, 'store.sqlite')) ? join(path, 'store.sqlite') : undefined;
  return { source: csv, runDir: isDir ? path : undefined, storeFile, factors: parsed.factors, loraFactors, rows: parsed.rows };
}

/** Distinct non-blank levels of a factor, in order of first appearance. */
export function levelsOf(table: ScoreTable, factor: string): string[] {
  return [...new Set(table.rows.map((r) => (factor === 'prompt' ? r.prompt : r.levels[factor])).filter((l) => l !== undefined && l !== ''))];
}

export function metricsOf(table: ScoreTable): string[] {
  return [...new Set(table.rows.map((r) => r.metric))];
}
