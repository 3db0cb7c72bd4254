import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendRating, readRatingRecords, readRatings, type RatingRecord } from '../../src/rate/ratings-csv.js';
import { tempDir } from '../helpers/tmp.js';

const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const rec = (rater: string, left: string, right: string, choice: RatingRecord['choice'], i: number): RatingRecord => ({
  rater,
  task: 'style',
  left,
  right,
  leftSha256: sha(left),
  rightSha256: sha(right),
  choice,
  time: at(i),
});

describe('ratings.csv', () => {
  it('appends records under one header and reads them back, formula-like text neutralized in the file', () => {
    const file = join(tempDir(), 'ratings.csv');
    appendRating(file, rec('=HYPERLINK("x")', 'a, "b".png', 'c.png', 'left', 1));
    appendRating(file, rec('bob', 'c.png', 'a, "b".png', 'cant_tell', 2));
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')[0]).toBe('rater,task,left,right,left_sha256,right_sha256,choice,time');
    expect(text).toContain(`'=HYPERLINK`);
    expect(readRatingRecords(file)).toEqual([rec('=HYPERLINK("x")', 'a, "b".png', 'c.png', 'left', 1), rec('bob', 'c.png', 'a, "b".png', 'cant_tell', 2)]);
  });

  it('an undo withdraws the latest standing answer of that rater on that pair, and only that', () => {
    const file = join(tempDir(), 'ratings.csv');
    for (const r of [
      rec('ann', 'a', 'b', 'left', 1),
      rec('bob', 'a', 'b', 'right', 2),
      rec('ann', 'c', 'd', 'right', 3),
      rec('ann', 'c', 'd', 'undo', 4),
      rec('ann', 'c', 'd', 'left', 5),
      rec('ann', 'b', 'a', 'left', 6),
      rec('ann', 'b', 'a', 'undo', 7),
    ])
      appendRating(file, r);
    const standing = readRatings(file).map((r) => `${r.rater}:${r.left}|${r.right}:${r.choice}@${r.line}`);
    expect(standing).toEqual(['ann:a|b:left@2', 'bob:a|b:right@3', 'ann:c|d:left@6']);
  });

  it('refuses an undo with nothing to withdraw, naming the line', () => {
    const file = join(tempDir(), 'ratings.csv');
    appendRating(file, rec('ann', 'a', 'b', 'left', 1));
    appendRating(file, rec('bob', 'a', 'b', 'undo', 2));
    expect(() => readRatings(file)).toThrow(/ratings\.csv:3: undo by "bob"/);
  });

  const HEADER = 'rater,task,left,right,left_sha256,right_sha256,choice,time';
  const D = 'a'.repeat(64);

  it('refuses a cut-off last line, a wrong header, an unknown choice or task, a bad time and a missing digest', () => {
    const dir = tempDir();
    const cases: [string, RegExp][] = [
      [`${HEADER}\nann,style,a,b,${D},${D},left,2026-01-01T00:00:00Z\nann,sty`, /:3: the last line is incomplete/],
      ['rater,task,image,choice,time\n', /expected the columns rater,task,left,right,left_sha256,right_sha256,choice,time/],
      [`${HEADER}\nann,style,a,b,${D},${D},maybe,2026-01-01T00:00:00Z\n`, /:2: choice "maybe" is not one of left, right, cant_tell, undo/],
      [`${HEADER}\nann,looks,a,b,${D},${D},left,2026-01-01T00:00:00Z\n`, /:2: task "looks" is not one of style, concept, prompt/],
      [`${HEADER}\nann,style,a,b,${D},${D},left,yesterday\n`, /:2: time "yesterday"/],
      [`${HEADER}\nann,style,a,a,${D},${D},left,2026-01-01T00:00:00Z\n`, /:2: left and right must name two different images/],
      [`${HEADER}\nann,style,a,b,${D},xyz,left,2026-01-01T00:00:00Z\n`, /:2: left_sha256 and right_sha256 must be sha256 hex digests/],
    ];
    cases.forEach(([text, message], i) => {
      const file = join(dir, `r${i}.csv`);
      writeFileSync(file, text);
      expect(() => readRatings(file)).toThrow(message);
    });
  });
});
