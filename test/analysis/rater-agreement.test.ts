import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.js';
import { loadScoreTable } from '../../src/run/score-table.js';
import { raterAgreement } from '../../src/analysis/rater-agreement.js';
import { appendRating, type RatingRecord } from '../../src/rate/ratings-csv.js';
import { formatScoresCsv, type ScoreRow } from '../../src/run/scores-csv.js';
import { writeReport } from '../../src/report/report.js';
import { kendall, krippendorffAlphaNominal } from '../../src/stats/index.js';
import { tempDir } from '../helpers/tmp.js';

const PROMPTS = ['p1', 'p2', 'p3', 'p4'];
const image = (prompt: string, base: number) => `${prompt}/b${base}.png`;
const sha = (image: string) => createHash('sha256').update(image).digest('hex');
/** m rises with the base index; m_rev is its mirror; the tie pair (b4, b5) has equal m. */
const valueOf = (prompt: string, base: number) => (base === 5 ? 0.4 + PROMPTS.indexOf(prompt) * 0.01 : base * 0.1 + PROMPTS.indexOf(prompt) * 0.01);

/** 20 pairs, 5 per prompt; in each the right image has the larger m. */
const PAIRS: [string, string][] = PROMPTS.flatMap((p) =>
  [
    [0, 1],
    [0, 2],
    [1, 3],
    [2, 3],
    [0, 3],
  ].map(([a, b]) => [image(p, a), image(p, b)] as [string, string]),
);

/**
 * ann: agrees with m except pairs 3 and 13 (chooses the smaller m) and 7 and 17 (can't tell); rates the tie pair; rates
 * pairs 0–4 again with sides swapped, choosing by m on each (so pair 3 comes out inconsistent); one answer undone.
 * bob: agrees with m except pairs 3, 13 (as ann) and 5, 15.
 */
function records(): RatingRecord[] {
  const out: RatingRecord[] = [];
  let t = 0;
  const add = (rater: string, left: string, right: string, choice: RatingRecord['choice']) =>
    out.push({
      rater,
      task: 'style',
      left,
      right,
      leftSha256: sha(left),
      rightSha256: sha(right),
      choice,
      time: new Date(Date.UTC(2026, 0, 1, 0, 0, t++)).toISOString(),
    });
  PAIRS.forEach(([left, right], k) => add('ann', left, right, k % 10 === 3 ? 'left' : k % 10 === 7 ? 'cant_tell' : 'right'));
  add('ann', image('p1', 4), image('p1', 5), 'left');
  add('ann', image('p2', 4), image('p2', 5), 'left');
  add('ann', image('p2', 4), image('p2', 5), 'undo');
  PAIRS.slice(0, 5).forEach(([left, right]) => add('ann', right, left, 'left'));
  PAIRS.forEach(([left, right], k) => add('bob', left, right, k % 10 === 3 || k % 10 === 5 ? 'left' : 'right'));
  return out;
}

function plantedRun(): string {
  const dir = tempDir();
  const rows: ScoreRow[] = [];
  for (const prompt of PROMPTS)
    for (let base = 0; base <= 5; base++)
      for (const [metric, sign] of [
        ['m', 1],
        ['m_rev', -1],
      ] as const) {
        rows.push({
          image: image(prompt, base),
          sha256: sha(image(prompt, base)),
          levels: { base: `b${base}` },
          prompt,
          seed: '1',
          metric,
          model: 'clip',
          value: sign * valueOf(prompt, base),
        });
      }
  writeFileSync(join(dir, 'scores.csv'), formatScoresCsv(rows, ['base']));
  for (const r of records()) appendRating(join(dir, 'ratings.csv'), r);
  return dir;
}

describe('agreement of metrics with raters', () => {
  let dir: string;
  beforeAll(() => {
    dir = plantedRun();
  });

  it('counts agreement on decided pairs, with metric ties and "can\'t tell" apart', () => {
    const result = raterAgreement(loadScoreTable(join(dir, 'scores.csv')), join(dir, 'ratings.csv'), { seed: 1, reps: 500 });
    const m = result.metrics.find((x) => x.metric === 'm')!;
    // ann: 20 + 1 tie + 5 repeats (the undone answer is gone); bob: 20.
    expect(m.ratings).toBe(46);
    expect(m.metricTies).toBe(1);
    expect(m.cantTell).toBe(2);
    // ann 16 of 18 + repeats 5 of 5; bob 16 of 20.
    expect(m.decided).toBe(43);
    expect(m.agree).toBe(37);
    expect(m.agreement).toBeCloseTo(37 / 43, 12);
    expect(m.ciLow).toBeLessThan(m.agreement);
    expect(m.ciHigh).toBeGreaterThan(m.agreement);
    const rev = result.metrics.find((x) => x.metric === 'm_rev')!;
    expect(rev.agree).toBe(6);
    expect(rev.tauB).toBeCloseTo(-m.tauB, 12);
  });

  it("Kendall's τ-b is cor.test's over distinct pairs: the metric difference against the mean choice (+1, 0 can't tell, −1)", () => {
    const table = loadScoreTable(join(dir, 'scores.csv'));
    const result = raterAgreement(table, join(dir, 'ratings.csv'), { seed: 1, reps: 200 });
    const m = result.metrics.find((x) => x.metric === 'm')!;
    const stored = new Map(table.rows.filter((r) => r.metric === 'm').map((r) => [r.image, r.value]));
    const standing = records().filter((r, i, all) => r.choice !== 'undo' && !(all[i + 1]?.choice === 'undo'));
    // ann and bob answer the same 20 pairs and ann 5 of them twice (sides swapped): 21 distinct pairs, not 46 answers.
    const pairs = new Map<string, { difference: number; choices: number[] }>();
    for (const r of standing) {
      const [a, b] = [r.left, r.right].sort();
      const toward = r.choice === 'cant_tell' ? 0 : (r.choice === 'left' ? r.left : r.right) === a ? 1 : -1;
      const key = `${a}|${b}`;
      pairs.set(key, { difference: stored.get(a)! - stored.get(b)!, choices: [...(pairs.get(key)?.choices ?? []), toward] });
    }
    expect(pairs.size).toBe(21);
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const reference = kendall(
      [...pairs.values()].map((p) => p.difference),
      [...pairs.values()].map((p) => mean(p.choices)),
    );
    expect(m.tauB).toBeCloseTo(reference.tau, 12);
    expect(m.tauP).toBeCloseTo(reference.p, 12);
    expect(m.tauMethod).toBe('normal approximation');
    // Counted answer by answer, the same data would claim more certainty than 21 pairs give.
    const perAnswer = kendall(
      standing.map((r) => stored.get(r.left)! - stored.get(r.right)!),
      standing.map((r) => (r.choice === 'left' ? 1 : r.choice === 'right' ? -1 : 0)),
    );
    expect(perAnswer.p).toBeLessThan(m.tauP / 10);
  });

  it('measures people against each other and against themselves', () => {
    const [task] = raterAgreement(loadScoreTable(join(dir, 'scores.csv')), join(dir, 'ratings.csv'), { seed: 1, reps: 200 }).tasks;
    expect(task.raters).toEqual(['ann', 'bob']);
    expect(task.sharedPairs).toBe(20);
    // Both decided on 18 pairs (ann could not tell on pairs 7 and 17); they differ on 5 and 15.
    expect(task.raterComparisons).toBe(18);
    expect(task.raterAgreement).toBeCloseTo(16 / 18, 12);
    const chosen = (k: number, rater: 'ann' | 'bob') => {
      const [left, right] = PAIRS[k];
      const choice = rater === 'ann' ? (k % 10 === 3 ? 'left' : k % 10 === 7 ? 'cant_tell' : 'right') : k % 10 === 3 || k % 10 === 5 ? 'left' : 'right';
      return choice === 'cant_tell' ? choice : choice === 'left' ? left : right;
    };
    const expectedAlpha = krippendorffAlphaNominal(PAIRS.map((_, k) => [chosen(k, 'ann'), chosen(k, 'bob')])).alpha;
    expect(task.alpha).toBeCloseTo(expectedAlpha, 12);
    const ann = task.self.find((s) => s.rater === 'ann')!;
    expect([ann.repeated, ann.decided, ann.consistent]).toEqual([5, 5, 4]);
    expect(task.self.find((s) => s.rater === 'bob')!.repeated).toBe(0);
  });

  it('analyze writes agreement.csv, raters.csv and summary.json, and the report prints the agreement beside the metric', async () => {
    const result = analyze({ input: join(dir, 'scores.csv'), reps: 200 });
    expect(result.files.map((f) => f.split('/').pop())).toEqual(expect.arrayContaining(['agreement.csv', 'raters.csv']));
    const rows = parse(readFileSync(join(dir, 'agreement.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    const m = rows.find((r) => r.metric === 'm')!;
    expect([m.task, m.decided, m.agree, m.metric_ties, m.cant_tell]).toEqual(['style', '43', '37', '1', '2']);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary.rater_agreement.tasks[0].self_consistency[0]).toMatchObject({ rater: 'ann', consistent: 4, agreement: 0.8 });
    const report = await writeReport({ run: dir, png: false });
    const html = readFileSync(report.html, 'utf8');
    expect(html).toContain('m agrees with raters on 86 %');
    expect(html).toContain('raters agree with each other on 89 %');
    expect(html).toContain('Agreement with raters');
  }, 60_000);

  it('refuses ratings of an image the run did not score, or of another version of it', () => {
    const other = tempDir();
    writeFileSync(join(other, 'scores.csv'), readFileSync(join(dir, 'scores.csv'), 'utf8').replaceAll(sha('p3/b2.png'), sha('regenerated')));
    for (const r of records()) appendRating(join(other, 'ratings.csv'), r);
    expect(() => analyze({ input: join(other, 'scores.csv'), reps: 200 })).toThrow(
      new RegExp(
        `ratings\\.csv:\\d+: image "p3/b2\\.png" was rated as sha256 ${sha('p3/b2.png')}, but .*scores\\.csv scored ${sha('regenerated')}; the image changed after it was rated`,
      ),
    );
    const x = 'elsewhere/x.png';
    appendRating(join(dir, 'ratings.csv'), {
      rater: 'cy',
      task: 'style',
      left: 'p1/b0.png',
      right: x,
      leftSha256: sha('p1/b0.png'),
      rightSha256: sha(x),
      choice: 'left',
      time: new Date(0).toISOString(),
    });
    expect(() => analyze({ input: join(dir, 'scores.csv'), reps: 200 })).toThrow(
      /ratings\.csv:\d+: image "elsewhere\/x\.png" is not in .*scores\.csv; these ratings belong to another run/,
    );
  });
});
