import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { canonicalLevel } from '../sweep/level.js';
import { tryParseSeed, type Seed } from '../sweep/seed.js';
import { fromSpreadsheetSafe, spreadsheetSafe } from '../report/csv-safe.js';
import { firstNonUtf8Line, NOT_UTF8 } from '../utf8-text.js';

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
/** Plain decimal numbers only: no hex, no blanks around, no Infinity. */
const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
/** How many offending lines a message lists before "…". */
const SHOWN_LINES = 5;

export function scoresCsvColumns(factors: string[]): string[] {
  return [...FIXED_HEAD, ...factors, ...FIXED_TAIL];
}

/**
 * One CSV field as csv-stringify writes it with its defaults (the library reads and writes every other CSV here): a
 * field holding a quote, comma, CR or LF is quoted with its quotes doubled, any other is written as it is. Written out
 * because scores.csv has a hundred thousand rows and more, where the library's per-field options cost a second.
 */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * scores.csv: `image,sha256,<one column per factor>,prompt,seed,metric,model,value`. Every value is a finite number:
 * a metric that cannot be computed for an image has no row (score counts it in run.json's "unavailable").
 */
export function formatScoresCsv(rows: ScoreRow[], factors: string[]): string {
  const lines = [scoresCsvColumns(factors).map(csvField).join(',')];
  // The rows of one image come together and share their leading fields, and metric × model pairs are few.
  let previous: ScoreRow | undefined;
  let head = '';
  const tails = new Map<string, Map<string, string>>();
  for (const r of rows) {
    if (!Number.isFinite(r.value)) throw new Error(`scores.csv row ${r.image} ${r.metric} ${r.model}: value ${r.value} is not a finite number`);
    if (
      !previous ||
      r.image !== previous.image ||
      r.sha256 !== previous.sha256 ||
      r.levels !== previous.levels ||
      r.prompt !== previous.prompt ||
      r.seed !== previous.seed
    ) {
      head = [spreadsheetSafe(r.image), r.sha256, ...factors.map((f) => spreadsheetSafe(r.levels[f] ?? '')), spreadsheetSafe(r.prompt), r.seed]
        .map(csvField)
        .join(',');
      previous = r;
    }
    let byModel = tails.get(r.metric);
    if (!byModel) tails.set(r.metric, (byModel = new Map()));
    let tail = byModel.get(r.model);
    if (tail === undefined) byModel.set(r.model, (tail = [r.metric, spreadsheetSafe(r.model)].map(csvField).join(',')));
    lines.push(`${head},${tail},${Number(r.value.toPrecision(10))}`);
  }
  lines.push('');
  return lines.join('\n');
}

export class ScoresCsvError extends Error {}

/** Reads a scores.csv that lora-eval wrote; factors are the columns between sha256 and prompt. */
export function readScoresCsv(file: string): { factors: string[]; rows: ScoreRow[] } {
  return parseScoresCsv(readFileSync(file), file);
}

/**
 * Parses scores.csv bytes (a UTF-8 BOM, as spreadsheets write it, is accepted). Refuses what would make an analysis
 * silently wrong: a row given twice (it would count twice) and values that are not finite numbers (they would be
 * dropped), each named with its line.
 */
export function parseScoresCsv(bytes: Buffer | string, file: string): { factors: string[]; rows: ScoreRow[] } {
  const badLine = typeof bytes === 'string' ? undefined : firstNonUtf8Line(bytes);
  if (badLine !== undefined) throw new ScoresCsvError(`${file}:${badLine}: ${NOT_UTF8}`);
  const records = parse(bytes, { columns: false, skip_empty_lines: true, bom: true }) as string[][];
  if (records.length === 0) throw new ScoresCsvError(`${file}: empty file`);
  const header = records[0];
  const promptAt = header.indexOf('prompt');
  const expectedTail = header.slice(promptAt);
  if (header[0] !== 'image' || header[1] !== 'sha256' || promptAt < 2 || expectedTail.join(',') !== FIXED_TAIL.join(',')) {
    throw new ScoresCsvError(`${file}: expected the columns ${scoresCsvColumns(['<factors…>']).join(',')}, found ${header.join(',')}`);
  }
  const factors = header.slice(2, promptAt);
  const unquote = fromSpreadsheetSafe;
  const notNumbers: string[] = [];
  const firstLine = new Map<string, number>();
  const rows = records.slice(1).map((r, i) => {
    const line = i + 2;
    if (r.length !== header.length) throw new ScoresCsvError(`${file}:${line}: expected ${header.length} fields, found ${r.length}`);
    const raw = r[header.length - 1];
    const value = DECIMAL.test(raw) ? Number(raw) : NaN;
    if (!Number.isFinite(value)) notNumbers.push(`${line} ${JSON.stringify(raw)}`);
    const seed = tryParseSeed(r[promptAt + 1]);
    if (seed === undefined)
      throw new ScoresCsvError(`${file}:${line}: seed "${r[promptAt + 1]}" is not an integer (decimal digits, optionally with a leading "-")`);
    const row: ScoreRow = {
      image: unquote(r[0]),
      sha256: r[1],
      levels: Object.fromEntries(factors.map((f, j) => [f, canonicalLevel(unquote(r[2 + j]))])),
      prompt: unquote(r[promptAt]),
      seed,
      metric: r[promptAt + 2],
      model: unquote(r[promptAt + 3]),
      value,
    };
    const key = JSON.stringify([row.image, row.metric, row.model]);
    const first = firstLine.get(key);
    if (first !== undefined)
      throw new ScoresCsvError(`${file}:${line}: duplicate row for image "${row.image}", metric ${row.metric}, model ${row.model} (first on line ${first})`);
    firstLine.set(key, line);
    return row;
  });
  if (notNumbers.length) {
    const shown = notNumbers.slice(0, SHOWN_LINES).join(', ') + (notNumbers.length > SHOWN_LINES ? ', …' : '');
    throw new ScoresCsvError(
      `${file}: ${notNumbers.length} row(s) whose value is not a finite number (line and value: ${shown}); every row of scores.csv holds a number`,
    );
  }
  return { factors, rows };
}
