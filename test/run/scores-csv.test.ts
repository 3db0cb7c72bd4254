import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScoreTable } from '../../src/run/score-table.js';
import { formatScoresCsv, parseScoresCsv, readScoresCsv, ScoresCsvError, type ScoreRow } from '../../src/run/scores-csv.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const HEADER = 'image,sha256,target,weight,prompt,seed,metric,model,value';
const row = (image: string, value: string, metric = 'prompt_fidelity') => `${image},aa,t1,1,p,1,${metric},clip,${value}`;

/** A scores.csv of 8 images × 2 metrics with values 0.1 … 1.6. */
function goodRows(): string[] {
  const rows: string[] = [];
  for (let i = 0; i < 8; i++)
    for (const [m, metric] of ['prompt_fidelity', 'style_retention'].entries()) rows.push(row(`img-${i}.png`, ((2 * i + m + 1) / 10).toString(), metric));
  return rows;
}

function csvFile(lines: string[], prefix = ''): string {
  const file = join(tempDir(), 'scores.csv');
  writeFileSync(file, prefix + [HEADER, ...lines].join('\n') + '\n');
  return file;
}

describe('scores.csv rows that would make an analysis silently wrong', () => {
  it('refuses a duplicated row, naming its line and the line it repeats', () => {
    const rows = goodRows();
    const file = csvFile([...rows.slice(0, 10), rows[3], ...rows.slice(10)]);
    expect(() => readScoresCsv(file)).toThrow(ScoresCsvError);
    expect(() => readScoresCsv(file)).toThrow(`${file}:12: duplicate row for image "img-1.png", metric style_retention, model clip (first on line 5)`);
    // The same image and metric scored by another model is not a duplicate.
    expect(readScoresCsv(csvFile([...rows, rows[3].replace(',clip,', ',clip-l,')])).rows).toHaveLength(17);
    const cli = runCli(['analyze', file, '--reps', '100']);
    expect(cli.code).toBe(2);
    expect(cli.stderr.trim().split('\n')).toEqual([
      `error: ${file}:12: duplicate row for image "img-1.png", metric style_retention, model clip (first on line 5)`,
    ]);
  });

  it('refuses empty, NaN, infinite and non-numeric values, with their count and first lines', () => {
    const bad = ['', 'NaN', 'Infinity', '1e400', 'abc', '0x10', ' 0.5', '-inf'];
    const rows = goodRows();
    const file = csvFile([...rows.slice(0, 2), ...bad.map((v, i) => row(`bad-${i}.png`, v)), ...rows.slice(2)]);
    expect(() => readScoresCsv(file)).toThrow(
      `${file}: 8 row(s) whose value is not a finite number (line and value: 4 "", 5 "NaN", 6 "Infinity", 7 "1e400", 8 "abc", …); every row of scores.csv holds a number`,
    );
    for (const v of bad) {
      expect(() => readScoresCsv(csvFile([...rows, row('bad.png', v)])), JSON.stringify(v)).toThrow(
        `1 row(s) whose value is not a finite number (line and value: 18 ${JSON.stringify(v)})`,
      );
    }
    const cli = runCli(['analyze', file, '--reps', '100']);
    expect(cli.code).toBe(2);
    expect(cli.stderr.trim().split('\n')).toHaveLength(1);
    // Plain decimal forms are numbers.
    const numbers = ['0', '-0.25', '+1', '.5', '3.', '1e-7', '2.5E+3'];
    expect(readScoresCsv(csvFile(numbers.map((v, i) => row(`n-${i}.png`, v)))).rows.map((r) => r.value)).toEqual([0, -0.25, 1, 0.5, 3, 1e-7, 2500]);
  });

  it('never writes a value it would refuse: a non-finite score is not a row', () => {
    const ok: ScoreRow = {
      image: 'a.png',
      sha256: 'aa',
      levels: { target: 't' },
      prompt: 'p',
      seed: '1',
      metric: 'prompt_fidelity',
      model: 'clip',
      value: 0.5,
    };
    expect(parseScoresCsv(formatScoresCsv([ok], ['target']), 'x').rows).toEqual([ok]);
    for (const value of [NaN, Infinity, -Infinity]) expect(() => formatScoresCsv([{ ...ok, value }], ['target'])).toThrow(/is not a finite number/);
  });

  it('accepts a UTF-8 BOM, as spreadsheets save it', () => {
    const rows = goodRows();
    const plain = readScoresCsv(csvFile(rows));
    const withBom = csvFile(rows, '\uFEFF');
    expect(readFileSync(withBom).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(readScoresCsv(withBom)).toEqual(plain);
    expect(loadScoreTable(withBom).factors).toEqual(['target', 'weight']);
    expect(runCli(['analyze', withBom, '--reps', '100']).code).toBe(0);
  });
});
