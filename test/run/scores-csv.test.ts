import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { spreadsheetSafe } from '../../src/report/csv-safe.js';
import { loadScoreTable } from '../../src/run/score-table.js';
import { formatScoresCsv, parseScoresCsv, readScoresCsv, scoresCsvColumns, ScoresCsvError, type ScoreRow } from '../../src/run/scores-csv.js';
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

/** scores.csv as csv-stringify writes it from one record per row: the reference the fast writer must equal byte for byte. */
function referenceScoresCsv(rows: ScoreRow[], factors: string[]): string {
  const records = rows.map((r) => [
    spreadsheetSafe(r.image),
    r.sha256,
    ...factors.map((f) => spreadsheetSafe(r.levels[f] ?? '')),
    spreadsheetSafe(r.prompt),
    r.seed,
    r.metric,
    spreadsheetSafe(r.model),
    Number(r.value.toPrecision(10)),
  ]);
  return stringify(records, { header: true, columns: scoresCsvColumns(factors) });
}

describe('scores.csv writing', () => {
  // Text with the characters CSV and spreadsheets treat specially, and any other.
  const text = fc.oneof(
    fc.constantFrom('', 'a', '"', ',', '\n', '\r', '\r\n', '=1+1', '-x', '-1', "'=", '@', '\t', ' ', 'é', '💥'),
    fc.string({ unit: 'binary', maxLength: 6 }),
    fc.array(fc.constantFrom('a', '"', ',', '\n', '\r', '=', '-', '1', ' '), { maxLength: 6 }).map((cs) => cs.join('')),
  );
  const value = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -0, 1e21, 1e-7, 0.1 + 0.2, -5e-324));

  it('writes exactly what csv-stringify writes, for any text in any field and rows of one image together or apart', () => {
    fc.assert(
      fc.property(
        fc.array(text, { minLength: 0, maxLength: 3 }),
        fc.array(fc.record({ image: text, sha256: text, prompt: text, seed: text, levels: fc.array(text, { maxLength: 3 }) }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.record({ image: fc.nat(), metric: text, model: text, value, sameLevels: fc.boolean() }), { maxLength: 12 }),
        (factorNames, images, picks) => {
          const factors = [...new Set(factorNames)];
          const levelsOf = images.map((img) => Object.fromEntries(factors.map((f, i) => [f, img.levels[i] ?? ''])));
          const rows: ScoreRow[] = picks.map((p) => {
            const i = p.image % images.length;
            const { image, sha256, prompt, seed } = images[i];
            // Equal levels in a distinct object, as rows read back from a file have them.
            return { image, sha256, prompt, seed, levels: p.sameLevels ? levelsOf[i] : { ...levelsOf[i] }, metric: p.metric, model: p.model, value: p.value };
          });
          expect(formatScoresCsv(rows, factors)).toBe(referenceScoresCsv(rows, factors));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('gives a row of an image its own fields even where the row before shares the image key', () => {
    const levels = { target: 'a' };
    const base: ScoreRow = { image: 'x.png', sha256: 'aa', levels, prompt: 'p', seed: '1', metric: 'm', model: 'clip', value: 1 };
    // Each row differs from the one before it in one leading field only.
    const variants: Partial<ScoreRow>[] = [{ sha256: 'bb' }, { levels: { target: 'b' } }, { prompt: 'q' }, { seed: '2' }, { image: 'y.png' }];
    const rows: ScoreRow[] = variants.flatMap((v) => [base, { ...base, ...v }]);
    const lines = formatScoresCsv(rows, ['target']).trimEnd().split('\n').slice(1);
    const plain = 'x.png,aa,a,p,1,m,clip,1';
    expect(lines).toEqual([
      plain,
      'x.png,bb,a,p,1,m,clip,1',
      plain,
      'x.png,aa,b,p,1,m,clip,1',
      plain,
      'x.png,aa,a,q,1,m,clip,1',
      plain,
      'x.png,aa,a,p,2,m,clip,1',
      plain,
      'y.png,aa,a,p,1,m,clip,1',
    ]);
    expect(formatScoresCsv([], ['target', 'a,b'])).toBe('image,sha256,target,"a,b",prompt,seed,metric,model,value\n');
  });
});
