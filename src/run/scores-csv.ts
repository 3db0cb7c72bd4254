import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { tryParseSeed, type Seed } from '../sweep/seed.js';
import { fromSpreadsheetSafe, spreadsheetSafe } from '../report/csv-safe.js';

/** One tidy row of scores.csv: one image × metric × model. */
export interface ScoreRow {
  image: string;
  sha256: string;
  levels: Record<string, string>;
  prompt: string;
  /** Canonical decimal seed, written as plain digits (exact beyond 2^53). */
  seed: Seed;
  metric: string;
  model: string;
  value: number;
}

const FIXED_HEAD = ['image', 'sha256'];
const FIXED_TAIL = ['prompt', 'seed', 'metric', 'model', 'value'];

export function scoresCsvColumns(factors: string[]): string[] {
  return [...FIXED_HEAD, ...factors, ...FIXED_TAIL];
}

/** scores.csv: `image,sha256,<one column per factor>,prompt,seed,metric,model,value`. */
export function formatScoresCsv(rows: ScoreRow[], factors: string[]): string {
  const records = rows.map((r) => [
    spreadsheetSafe(r.image),
    r.sha256,
    ...factors.map((f) => spreadsheetSafe(r.levels[f] ?? '')),
    spreadsheetSafe(r.prompt),
    r.seed,
    r.metric,
    spreadsheetSafe(r.model),
    Number.isFinite(r.value) ? Number(r.value.toPrecision(10)) : '',
  ]);
  return stringify(records, { header: true, columns: scoresCsvColumns(factors) });
}

export class ScoresCsvError extends Error {}

/** Reads a scores.csv that lora-eval wrote; factors are the columns between sha256 and prompt. */
export function readScoresCsv(file: string): { factors: string[]; rows: ScoreRow[] } {
  const records = parse(readFileSync(file, 'utf8'), { columns: false, skip_empty_lines: true }) as string[][];
  if (records.length === 0) throw new ScoresCsvError(`${file}: empty file`);
  const header = records[0];
  const promptAt = header.indexOf('prompt');
  const expectedTail = header.slice(promptAt);
  if (header[0] !== 'image' || header[1] !== 'sha256' || promptAt < 2 || expectedTail.join(',') !== FIXED_TAIL.join(',')) {
    throw new ScoresCsvError(`${file}: expected the columns ${scoresCsvColumns(['<factors…>']).join(',')}, found ${header.join(',')}`);
  }
  const factors = header.slice(2, promptAt);
  const unquote = fromSpreadsheetSafe;
  const rows = records.slice(1).map((r, i) => {
    if (r.length !== header.length) throw new ScoresCsvError(`${file}:${i + 2}: expected ${header.length} fields, found ${r.length}`);
    const value = r[header.length - 1] === '' ? NaN : Number(r[header.length - 1]);
    const seed = tryParseSeed(r[promptAt + 1]);
    if (seed === undefined)
      throw new ScoresCsvError(`${file}:${i + 2}: seed "${r[promptAt + 1]}" is not an integer (decimal digits, optionally with a leading "-")`);
    return {
      image: unquote(r[0]),
      sha256: r[1],
      levels: Object.fromEntries(factors.map((f, j) => [f, unquote(r[2 + j])])),
      prompt: unquote(r[promptAt]),
      seed,
      metric: r[promptAt + 2],
      model: unquote(r[promptAt + 3]),
      value,
    };
  });
  return { factors, rows };
}
