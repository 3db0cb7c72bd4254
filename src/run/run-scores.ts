import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { sha256 } from '../store/hash.js';
import { writeFileAtomic } from './atomic-write.js';
import { RUN_JSON, type RunJson, type ScoresRecord } from './run-json.js';
import { formatScoresCsv, parseScoresCsv, ScoresCsvError, type ScoreRow } from './scores-csv.js';

export const SCORES_CSV = 'scores.csv';

/** Writes a run folder's scores.csv atomically and returns what run.json records of it. */
export function writeScoresCsv(dir: string, rows: ScoreRow[], factors: string[]): ScoresRecord {
  const bytes = Buffer.from(formatScoresCsv(rows, factors), 'utf8');
  writeFileAtomic(join(dir, SCORES_CSV), bytes);
  return { file: SCORES_CSV, rows: rows.length, sha256: sha256(bytes) };
}

function countRows(bytes: Buffer, file: string): string {
  try {
    return `${parseScoresCsv(bytes, file).rows.length} rows`;
  } catch {
    return 'unreadable rows';
  }
}

/**
 * Reads a scores.csv, checking it against the run.json of its folder when that records it: a file cut short (even on a
 * row boundary) or changed after scoring is refused, naming both. Every reader of a run's scores goes through here.
 */
export function readRunScores(csv: string, run: RunJson | undefined, runDir?: string): { factors: string[]; rows: ScoreRow[] } {
  if (!existsSync(csv)) throw new UserError(`${csv}: not found${run ? ` (${RUN_JSON} says the run wrote it)` : ''}`);
  const bytes = readFileSync(csv);
  const expected = run?.scores;
  if (expected) {
    const actual = sha256(bytes);
    if (actual !== expected.sha256) {
      const runFile = runDir ? join(runDir, RUN_JSON) : RUN_JSON;
      throw new UserError(
        `${csv}: does not match ${runFile} (the file has ${countRows(bytes, csv)}, sha256 ${actual.slice(0, 12)}…; run.json records ${expected.rows} rows, ` +
          `sha256 ${expected.sha256.slice(0, 12)}…): it was cut or changed after scoring; score the run again or restore the file`,
      );
    }
  }
  try {
    return parseScoresCsv(bytes, csv);
  } catch (e) {
    if (e instanceof ScoresCsvError) throw new UserError(e.message);
    throw e;
  }
}
