import { closeSync, existsSync, fsyncSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { fromSpreadsheetSafe, spreadsheetSafe } from '../report/csv-safe.js';
import { firstNonUtf8Line, NOT_UTF8 } from '../utf8-text.js';
import { isTaskName, TASK_NAMES, type TaskName } from './tasks.js';

export const RATINGS_COLUMNS = ['rater', 'task', 'left', 'right', 'left_sha256', 'right_sha256', 'choice', 'time'] as const;
export const CHOICES = ['left', 'right', 'cant_tell'] as const;
export type Choice = (typeof CHOICES)[number];

/** One line of ratings.csv. An `undo` line withdraws this rater's latest standing answer on the same left and right image. */
export interface RatingRecord {
  rater: string;
  task: TaskName;
  /** Image keys (paths relative to the sweep root, as in scores.csv). */
  left: string;
  right: string;
  /** sha256 of the image files as rated, so that ratings are never joined to the scores of a regenerated image. */
  leftSha256: string;
  rightSha256: string;
  choice: Choice | 'undo';
  /** ISO 8601 time the answer was given. */
  time: string;
}

/** A standing answer: a rating not withdrawn by a later undo. */
export interface Rating extends RatingRecord {
  choice: Choice;
  /** 1-based line of ratings.csv. */
  line: number;
}

export class RatingsCsvError extends Error {}

/**
 * Appends one record and fsyncs before returning, so an answer the page was told is saved survives a crash.
 * The file only ever grows: undo is a record of its own, and nothing is rewritten.
 */
export function appendRating(file: string, record: RatingRecord): void {
  const fresh = !existsSync(file) || statSync(file).size === 0;
  const line = stringify(
    [
      [
        spreadsheetSafe(record.rater),
        record.task,
        spreadsheetSafe(record.left),
        spreadsheetSafe(record.right),
        record.leftSha256,
        record.rightSha256,
        record.choice,
        record.time,
      ],
    ],
    {
      header: fresh,
      columns: [...RATINGS_COLUMNS],
    },
  );
  const fd = openSync(file, 'a');
  try {
    writeSync(fd, line);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (fresh) syncFolder(dirname(file));
}

/** Makes a newly created file's entry in its folder durable too. */
function syncFolder(folder: string): void {
  const fd = openSync(folder, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Every record of a ratings.csv in file order, validated; a malformed line is refused with its number. */
export function readRatingRecords(file: string): RatingRecord[] {
  const bytes = readFileSync(file);
  const badLine = firstNonUtf8Line(bytes);
  if (badLine !== undefined) throw new RatingsCsvError(`${file}:${badLine}: ${NOT_UTF8}`);
  const text = bytes.toString('utf8');
  if (text.length > 0 && !text.endsWith('\n')) {
    const lineNo = text.split('\n').length;
    throw new RatingsCsvError(`${file}:${lineNo}: the last line is incomplete (a write was cut off); remove it to go on`);
  }
  let records: string[][];
  try {
    records = parse(text, { columns: false, skip_empty_lines: true }) as string[][];
  } catch (e) {
    throw new RatingsCsvError(`${file}: not a readable CSV: ${(e as Error).message}`);
  }
  if (records.length === 0) return [];
  if (records[0].join(',') !== RATINGS_COLUMNS.join(',')) {
    throw new RatingsCsvError(`${file}: expected the columns ${RATINGS_COLUMNS.join(',')}, found ${records[0].join(',')}`);
  }
  return records.slice(1).map((r, i) => {
    const at = `${file}:${i + 2}`;
    if (r.length !== RATINGS_COLUMNS.length) throw new RatingsCsvError(`${at}: expected ${RATINGS_COLUMNS.length} fields, found ${r.length}`);
    const [rater, task, left, right, leftSha256, rightSha256, choice, time] = r;
    if (!isTaskName(task)) throw new RatingsCsvError(`${at}: task "${task}" is not one of ${TASK_NAMES.join(', ')}`);
    if (!(CHOICES as readonly string[]).includes(choice) && choice !== 'undo') {
      throw new RatingsCsvError(`${at}: choice "${choice}" is not one of ${[...CHOICES, 'undo'].join(', ')}`);
    }
    if (rater === '') throw new RatingsCsvError(`${at}: rater is empty`);
    if (left === '' || right === '' || left === right) throw new RatingsCsvError(`${at}: left and right must name two different images`);
    if (Number.isNaN(Date.parse(time))) throw new RatingsCsvError(`${at}: time "${time}" is not an ISO 8601 time`);
    if (![leftSha256, rightSha256].every((d) => /^[0-9a-f]{64}$/.test(d)))
      throw new RatingsCsvError(`${at}: left_sha256 and right_sha256 must be sha256 hex digests`);
    return {
      rater: fromSpreadsheetSafe(rater),
      task,
      left: fromSpreadsheetSafe(left),
      right: fromSpreadsheetSafe(right),
      leftSha256,
      rightSha256,
      choice: choice as Choice | 'undo',
      time,
    };
  });
}

/**
 * The standing answers: each undo withdraws the latest not yet withdrawn answer of the same rater and task on the
 * same left and right image. An undo with nothing to withdraw means the file was edited or mixed up, and is refused.
 */
export function standingRatings(records: RatingRecord[], file = 'ratings.csv'): Rating[] {
  const standing: (Rating | undefined)[] = [];
  records.forEach((r, i) => {
    if (r.choice !== 'undo') {
      standing.push({ ...r, choice: r.choice, line: i + 2 });
      return;
    }
    for (let j = standing.length - 1; j >= 0; j--) {
      const s = standing[j];
      if (s && s.rater === r.rater && s.task === r.task && s.left === r.left && s.right === r.right) {
        standing[j] = undefined;
        return;
      }
    }
    throw new RatingsCsvError(`${file}:${i + 2}: undo by "${r.rater}" of ${r.left} | ${r.right}, which this rater has no answer to withdraw`);
  });
  return standing.filter((s): s is Rating => s !== undefined);
}

/** The standing answers of a ratings.csv. */
export function readRatings(file: string): Rating[] {
  return standingRatings(readRatingRecords(file), file);
}
