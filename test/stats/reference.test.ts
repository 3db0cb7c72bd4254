/**
 * src/stats against R 4.x: every case in test/reference/stats-reference.json (written by
 * test/reference/stats.R) is recomputed and compared within the case's stated relative tolerance.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  frechetDistance,
  nonInferiority,
  olsSimple,
  oneSampleT,
  pAdjust,
  pairedTPower,
  pairedTSampleSize,
  pnt,
  promptMeanDifferences,
  wilcoxonSignedRankOneSample,
  pairedT,
  pnorm,
  psignrank,
  pt,
  qnorm,
  qt,
  spearman,
  tostPaired,
  vendiScore,
  wilcoxonSignedRank,
  type Alternative,
  type PAdjustMethod,
} from '../../src/stats/index.js';

type JsonNumber = number | string | null;
const reference = JSON.parse(readFileSync(new URL('../reference/stats-reference.json', import.meta.url), 'utf8'));

/** JSON carries R's NA as null and ±Inf as strings. */
function num(v: JsonNumber): number {
  if (v === null) return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return v as number;
}
const nums = (vs: JsonNumber[]) => vs.map(num);

type Case = { id: string; [field: string]: any };
/** [id, case] rows for it.each, so that each case is reported by its id. */
const cases = (list: Case[]): [string, Case][] => list.map((c) => [c.id, c]);

const worst = new Map<string, number>();

/** Relative error, with an absolute floor for values that are exactly 0 in R. */
function relativeError(actual: number, expected: number): number {
  if (Number.isNaN(expected)) return Number.isNaN(actual) ? 0 : Infinity;
  if (!Number.isFinite(expected)) return actual === expected ? 0 : Infinity;
  if (expected === 0) return Math.abs(actual);
  return Math.abs(actual - expected) / Math.abs(expected);
}

function expectClose(section: string, label: string, actual: number, expected: JsonNumber, tolerance: number): void {
  const e = num(expected);
  const err = relativeError(actual, e);
  worst.set(section, Math.max(worst.get(section) ?? 0, err));
  if (!(err <= tolerance)) {
    expect.fail(`${section} ${label}: got ${actual}, R gives ${e} (relative error ${err.toExponential(2)} > ${tolerance})`);
  }
}

afterAll(() => {
  const lines = [...worst.entries()].map(([k, v]) => `  ${k.padEnd(16)} max relative error vs R ${v.toExponential(2)}`);
  console.log(`stats vs R reference (${reference.generatedBy}):\n${lines.join('\n')}`);
});

describe('Wilcoxon signed-rank test vs R wilcox.test(paired = TRUE)', () => {
  it.each(cases(reference.wilcoxon))('%s', (_id, c) => {
    const r = wilcoxonSignedRank(nums(c.x), nums(c.y), {
      mu: num(c.mu),
      alternative: c.alternative as Alternative,
      exact: c.exact ?? undefined,
      correct: c.correct,
    });
    expect(r.method).toBe(c.method);
    expect(r.exact).toBe(c.kind === 'exact');
    expectClose('wilcoxon', `${c.id} V`, r.statistic, c.statistic, 1e-12);
    expectClose('wilcoxon', `${c.id} p`, r.p, c.p, num(c.tolerance));
    expect(r.pValues[c.alternative as Alternative]).toBe(r.p);
  });
});

describe('paired t test vs R t.test(paired = TRUE)', () => {
  it.each(cases(reference.pairedT))('%s', (_id, c) => {
    const r = pairedT(nums(c.x), nums(c.y), { mu: num(c.mu), alternative: c.alternative, level: num(c.level) });
    const tol = num(c.tolerance);
    expectClose('pairedT', `${c.id} t`, r.statistic, c.statistic, tol);
    expectClose('pairedT', `${c.id} df`, r.df, c.df, 0);
    expectClose('pairedT', `${c.id} p`, r.p, c.p, tol);
    expectClose('pairedT', `${c.id} estimate`, r.estimate, c.estimate, tol);
    expectClose('pairedT', `${c.id} ci low`, r.ci.low, c.ciLow, tol);
    expectClose('pairedT', `${c.id} ci high`, r.ci.high, c.ciHigh, tol);
  });
});

describe('TOST and non-inferiority vs one-sided R tests', () => {
  it.each(cases(reference.tost))('TOST %s', (_id, c) => {
    const r = tostPaired(nums(c.x), nums(c.y), { margin: { lower: num(c.lower), upper: num(c.upper) }, test: c.test });
    const tol = num(c.tolerance);
    expectClose('tost', `${c.id} p lower`, r.lowerTest.p, c.pLower, tol);
    expectClose('tost', `${c.id} p upper`, r.upperTest.p, c.pUpper, tol);
    expectClose('tost', `${c.id} p`, r.p, c.p, tol);
    expect(r.equivalent).toBe(num(c.p) < 0.05);
  });
  it.each(cases(reference.nonInferiority))('non-inferiority %s', (_id, c) => {
    const r = nonInferiority(nums(c.x), nums(c.y), { margin: num(c.margin), higherIsBetter: c.higherIsBetter, test: c.test });
    expectClose('nonInferiority', `${c.id} p`, r.p, c.p, num(c.tolerance));
    expect(r.nonInferior).toBe(num(c.p) < 0.05);
  });
});

describe('pAdjust vs R p.adjust', () => {
  it.each(cases(reference.pAdjust))('%s', (_id, c) => {
    const adjusted = pAdjust(nums(c.p), c.method as PAdjustMethod, num(c.n));
    const expected = nums(c.adjusted);
    expect(adjusted).toHaveLength(expected.length);
    adjusted.forEach((a, i) => expectClose('pAdjust', `${c.id}[${i}]`, a, c.adjusted[i], num(c.tolerance)));
  });
});

describe('Spearman rank correlation vs R cor.test(method = "spearman")', () => {
  it.each(cases(reference.spearman))('%s', (_id, c) => {
    const r = spearman(nums(c.x), nums(c.y), { alternative: c.alternative, exact: c.exact ?? undefined });
    expect(r.pMethod).toBe(c.pMethod);
    expectClose('spearman', `${c.id} rho`, r.rho, c.rho, 1e-12);
    // S is (n³ − n)(1 − ρ)/6: when ρ ≈ 1 it is a difference of nearly equal numbers, so compare on the scale of n³.
    const n = c.x.length;
    expect(Math.abs(r.statistic - num(c.statistic))).toBeLessThan(1e-9 * n * n * n);
    expectClose('spearman', `${c.id} p`, r.p, c.p, num(c.tolerance));
  });
});

describe('simple OLS vs R lm + confint', () => {
  it.each(cases(reference.lm))('%s', (_id, c) => {
    const r = olsSimple(nums(c.x), nums(c.y));
    const tol = num(c.tolerance);
    const pairs: [string, number, JsonNumber][] = [
      ['intercept', r.intercept.estimate, c.intercept],
      ['slope', r.slope.estimate, c.slope],
      ['se intercept', r.intercept.se, c.seIntercept],
      ['se slope', r.slope.se, c.seSlope],
      ['t intercept', r.intercept.t, c.tIntercept],
      ['t slope', r.slope.t, c.tSlope],
      ['p intercept', r.intercept.p, c.pIntercept],
      ['p slope', r.slope.p, c.pSlope],
      ['ci intercept low', r.intercept.ci.low, c.ciInterceptLow],
      ['ci intercept high', r.intercept.ci.high, c.ciInterceptHigh],
      ['ci slope low', r.slope.ci.low, c.ciSlopeLow],
      ['ci slope high', r.slope.ci.high, c.ciSlopeHigh],
      ['sigma', r.sigma, c.sigma],
      ['r squared', r.rSquared, c.rSquared],
    ];
    for (const [label, actual, expected] of pairs) expectClose('lm', `${c.id} ${label}`, actual, expected, tol);
  });
});

describe('distribution functions vs R (relative tolerance 1e-10)', () => {
  const tol = num(reference.tolerances.distribution);
  it('pnorm, both tails, from −38 to 8.5', () => {
    for (const c of reference.pnorm) {
      expectClose('pnorm', `x=${c.x} lower`, pnorm(num(c.x)), c.lower, tol);
      expectClose('pnorm', `x=${c.x} upper`, pnorm(num(c.x), false), c.upper, tol);
    }
  });
  it('qnorm, both tails, from p = 1e-300', () => {
    for (const c of reference.qnorm) {
      expectClose('qnorm', `p=${c.p} lower`, qnorm(num(c.p)), c.lower, tol);
      expectClose('qnorm', `p=${c.p} upper`, qnorm(num(c.p), false), c.upper, tol);
    }
  });
  it('pt over df 1 … 1e5 and |x| up to 1e6', () => {
    for (const c of reference.pt) {
      expectClose('pt', `x=${c.x} df=${c.df} lower`, pt(num(c.x), num(c.df)), c.lower, tol);
      expectClose('pt', `x=${c.x} df=${c.df} upper`, pt(num(c.x), num(c.df), false), c.upper, tol);
    }
  });
  it('qt over df 1 … 1e5 and p from 1e-12', () => {
    for (const c of reference.qt) {
      expectClose('qt', `p=${c.p} df=${c.df} lower`, qt(num(c.p), num(c.df)), c.lower, tol);
      expectClose('qt', `p=${c.p} df=${c.df} upper`, qt(num(c.p), num(c.df), false), c.upper, tol);
    }
  });
  it('psignrank for n up to 49', () => {
    for (const c of reference.psignrank) {
      expectClose('psignrank', `q=${c.q} n=${c.n} lower`, psignrank(num(c.q), num(c.n)), c.lower, tol);
      expectClose('psignrank', `q=${c.q} n=${c.n} upper`, psignrank(num(c.q), num(c.n), false), c.upper, tol);
    }
  });
});

describe('embedding diversity and distance vs R', () => {
  it.each(cases(reference.vendi))('Vendi score %s', (_id, c) => {
    expectClose('vendi', c.id, vendiScore(c.rows.map(nums)), c.value, num(c.tolerance));
  });
  it.each(cases(reference.frechet))('Fréchet distance %s', (_id, c) => {
    expectClose('frechet', c.id, frechetDistance(c.a.map(nums), c.b.map(nums)), c.value, num(c.tolerance));
  });
});

/** The prompt-level tests of analyze: per-prompt mean differences over seeds, then the test across prompts. */
function promptLevelTest(c: Case, test: 't' | 'wilcoxon') {
  const units = promptMeanDifferences((c.prompts as string[]).map((prompt, i) => ({ prompt, seed: num(c.seeds[i]), a: num(c.a[i]), b: num(c.b[i]) })));
  const d = units.map((u) => u.difference);
  return { d, result: test === 't' ? oneSampleT(d) : wilcoxonSignedRankOneSample(d) };
}

describe('prompt-level paired tests vs R (t.test / wilcox.test on per-prompt means, p.adjust)', () => {
  it.each(cases(reference.promptLevel))('%s', (_id, c) => {
    const { d, result } = promptLevelTest(c, c.test);
    const tol = num(c.tolerance);
    expect(d).toHaveLength(c.differences.length);
    d.forEach((v, i) => expectClose('promptLevel', `${c.id} d[${i}]`, v, c.differences[i], 1e-12));
    expectClose('promptLevel', `${c.id} statistic`, result.statistic, c.statistic, tol);
    expectClose('promptLevel', `${c.id} p`, result.p, c.p, tol);
    expectClose('promptLevel', `${c.id} estimate`, d.reduce((s, v) => s + v, 0) / d.length, c.estimate, tol);
    if (c.test === 't') {
      expectClose('promptLevel', `${c.id} ci low`, result.ci!.low, c.ciLow, tol);
      expectClose('promptLevel', `${c.id} ci high`, result.ci!.high, c.ciHigh, tol);
    }
  });
  it.each(cases(reference.promptFamily))('Holm over three targets: %s', (_id, c) => {
    const p = c.sets.map((set: Case) => promptLevelTest(set, c.test).result.p);
    p.forEach((v: number, i: number) => expectClose('promptFamily', `${c.id} p[${i}]`, v, c.p[i], num(c.tolerance)));
    pAdjust(p, 'holm').forEach((v, i) => expectClose('promptFamily', `${c.id} holm[${i}]`, v, c.holm[i], num(c.tolerance)));
  });
});

describe('power of the paired t test vs R power.t.test(type = "paired")', () => {
  it('the noncentral t distribution matches R pt(q, df, ncp) (relative 1e-9, or 1e-13 absolute in far tails)', () => {
    for (const c of reference.pnt) {
      for (const [lower, expected] of [
        [true, num(c.lower)],
        [false, num(c.upper)],
      ] as const) {
        const actual = pnt(num(c.q), num(c.df), num(c.ncp), lower);
        if (Math.abs(actual - expected) > 1e-13) expectClose('pnt', `q=${c.q} df=${c.df} ncp=${c.ncp} ${lower ? 'lower' : 'upper'}`, actual, expected, 1e-9);
      }
    }
  });
  const powerCases: [string, Case][] = reference.powerTTest.map((c: Case) => [
    `d=${c.d} ${c.alternative} ${c.targetPower === null ? `n=${c.n}` : `power=${c.targetPower}`}`,
    c,
  ]);
  it.each(powerCases)('%s', (_label, c) => {
    const sided = c.alternative === 'one.sided' ? 'one.sided' : 'two.sided';
    if (c.targetPower === null) {
      expectClose('powerTTest', `power at n=${c.n}`, pairedTPower(num(c.n), num(c.d), { sided }), c.power, 1e-9);
    } else {
      const size = pairedTSampleSize(num(c.d), num(c.targetPower), { sided });
      // R solves for n with uniroot (tol ≈ 1.2e-4); the prompts to plan for are ceil(n) in both.
      expectClose('powerTTest', `n for d=${c.d}`, size.n, c.n, 1e-4);
      expect(size.needed).toBe(Math.ceil(num(c.n)));
    }
  });
});
