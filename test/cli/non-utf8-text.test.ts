import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const BASELINE_SCORES = resolve(__dirname, '../../reports/baselines/demo/scores.csv');

/** The demo's scores.csv as a bare file in a folder of its own. */
function bareScores(): { dir: string; text: string } {
  const dir = tempDir();
  const text = readFileSync(BASELINE_SCORES, 'utf8');
  writeFileSync(join(dir, 'scores.csv'), text);
  return { dir, text };
}

describe('text files that are not UTF-8 are refused, not read with replacement characters', () => {
  it('refuses a scores.csv saved as Latin-1, naming the line', () => {
    const { dir, text } = bareScores();
    // Two targets whose names differ only in an accented letter would both read as "caf\uFFFD": one level.
    const lines = text.split('\n');
    const latin1 = Buffer.concat([
      Buffer.from(lines.slice(0, 3).join('\n') + '\n', 'utf8'),
      Buffer.from(lines.slice(3).join('\n').replaceAll('counterfeit', 'café'), 'latin1'),
    ]);
    writeFileSync(join(dir, 'scores.csv'), latin1);
    const r = runCli(['analyze', join(dir, 'scores.csv')]);
    expect(r.code).toBe(2);
    const firstCafe = lines.findIndex((l, i) => i >= 3 && l.includes('counterfeit')) + 1;
    expect(r.stderr).toContain(`${join(dir, 'scores.csv')}:${firstCafe}: not UTF-8 text`);
  });

  it('refuses a ratings.csv whose rater names are Latin-1 (José and Josè would be one rater)', () => {
    const { dir } = bareScores();
    const rows = parse(readFileSync(BASELINE_SCORES), { columns: true }) as Record<string, string>[];
    const [a, b] = rows.filter((r) => r.prompt === rows[0].prompt && r.seed === rows[0].seed && r.target === rows[0].target && r.metric === 'style_retention');
    const line = (rater: string, choice: string) =>
      Buffer.from(`${rater},style,${a.image},${b.image},${a.sha256},${b.sha256},${choice},2026-01-01T00:00:00.000Z\n`, 'latin1');
    writeFileSync(
      join(dir, 'ratings.csv'),
      Buffer.concat([Buffer.from('rater,task,left,right,left_sha256,right_sha256,choice,time\n'), line('José', 'left'), line('Josè', 'right')]),
    );
    const r = runCli(['analyze', join(dir, 'scores.csv'), '--reps', '100']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(dir, 'ratings.csv')}:2: not UTF-8 text`);
  });
});
