/**
 * Type II ANOVA against car::Anova(lm(y ~ prompt + (factors)^2), type = 2): every case in
 * test/reference/anova-type2-reference.json (written by test/reference/anova-type2.R) within 1e-8 relative.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { anovaType2, anovaType2Resample, pfUpper } from '../../src/stats/anova-type2.js';
import { createRng, StatsInputError } from '../../src/stats/index.js';

interface Case {
  name: string;
  balanced: boolean;
  y: number[];
  factors: Record<string, string[]>;
  prompt: string[];
  terms: { term: string; df: number; ss: number; f: number; p: number }[];
  residual: { df: number; ss: number };
  total_ss: number;
}
const reference = JSON.parse(readFileSync(new URL('../reference/anova-type2-reference.json', import.meta.url), 'utf8')) as { cases: Case[] };

const close = (actual: number, expected: number, rel = 1e-8) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.max(Math.abs(expected), 1e-300));

describe('anovaType2 against car::Anova type II', () => {
  it('has both balanced and unbalanced cases', () => {
    expect(reference.cases.some((c) => c.balanced)).toBe(true);
    expect(reference.cases.some((c) => !c.balanced)).toBe(true);
  });
  for (const c of reference.cases) {
    it(c.name, () => {
      const result = anovaType2({ y: c.y, factors: c.factors, blockName: 'prompt', block: c.prompt }, { reps: 0 });
      expect(result.terms.map((t) => t.term)).toEqual(c.terms.map((t) => t.term));
      result.terms.forEach((t, i) => {
        const r = c.terms[i];
        expect(t.df).toBe(r.df);
        close(t.ss, r.ss);
        close(t.f, r.f);
        close(t.p, r.p);
        close(t.eta2, r.ss / c.total_ss);
        close(t.partialEta2, r.ss / (r.ss + c.residual.ss));
      });
      expect(result.residual.df).toBe(c.residual.df);
      close(result.residual.ss, c.residual.ss);
      close(result.totalSs, c.total_ss);
    });
  }
});

/** Prompt-level cell means over a base × target × weight grid with the given effects. */
function grid(effects: { base?: number; target?: number }, prompts = 12, seed = 3) {
  const rng = createRng(seed);
  const y: number[] = [];
  const factors: Record<string, string[]> = { base: [], target: [], weight: [] };
  const block: string[] = [];
  for (let p = 0; p < prompts; p++) {
    const promptEffect = rng.normal() * 0.5;
    ['a', 'b', 'c'].forEach((base, bi) =>
      ['t1', 't2', 't3'].forEach((target, ti) =>
        ['0.5', '1'].forEach((weight) => {
          y.push(promptEffect + (effects.base ?? 0) * bi + (effects.target ?? 0) * ti + 0.2 * rng.normal());
          factors.base.push(base);
          factors.target.push(target);
          factors.weight.push(weight);
          block.push(`p${p}`);
        }),
      ),
    );
  }
  return { y, factors, blockName: 'prompt', block };
}

describe('anovaType2 prompt bootstrap', () => {
  it('recovers a planted dominant factor, with a CI of its partial η² far from 0, and small η² for the null factors', () => {
    const r = anovaType2(grid({ base: 1 }), { reps: 400, seed: 5 });
    const term = (name: string) => r.terms.find((t) => t.term === name)!;
    const factorTerms = r.terms.filter((t) => t.term !== 'prompt');
    expect(factorTerms.sort((a, b) => b.eta2 - a.eta2)[0].term).toBe('base');
    expect(term('base').partialEta2Low).toBeGreaterThan(0.8);
    expect(term('base').eta2Low).toBeGreaterThan(0.5);
    for (const t of ['target', 'weight', 'base:target', 'target:weight']) {
      expect(term(t).eta2High).toBeLessThan(0.02);
      expect(term(t).partialEta2High).toBeLessThan(0.25);
    }
    expect(term('base').eta2).toBeGreaterThanOrEqual(term('base').eta2Low);
    expect(term('base').eta2).toBeLessThanOrEqual(term('base').eta2High);
  });

  it('null: no factor term stands out and every η² interval is near 0', () => {
    const r = anovaType2(grid({}), { reps: 400, seed: 5 });
    for (const t of r.terms.filter((x) => x.term !== 'prompt')) {
      expect(t.eta2High).toBeLessThan(0.05);
      expect(t.partialEta2High).toBeLessThan(0.3);
    }
  });

  it('the bootstrap arithmetic on the original prompts (each drawn once) gives the car::Anova SS; drawn twice, every SS doubles', () => {
    for (const c of reference.cases) {
      const input = { y: c.y, factors: c.factors, blockName: 'prompt', block: c.prompt };
      const k = new Set(c.prompt).size;
      const once = anovaType2Resample(input, new Array<number>(k).fill(1));
      once.ss.forEach((ss, i) => close(ss, c.terms[i].ss, 1e-7));
      close(once.residualSs, c.residual.ss, 1e-7);
      close(once.totalSs, c.total_ss, 1e-9);
      const twice = anovaType2Resample(input, new Array<number>(k).fill(2));
      twice.ss.forEach((ss, i) => close(ss, 2 * c.terms[i].ss, 1e-7));
    }
  });

  it('gives no CIs from fewer than 5 prompts, and keeps the table', () => {
    const r = anovaType2(grid({ base: 1 }, 4), { reps: 200 });
    expect(r.reps).toBe(0);
    expect(r.terms.every((t) => Number.isNaN(t.eta2Low) && Number.isNaN(t.partialEta2High))).toBe(true);
    expect(r.terms.find((t) => t.term === 'base')!.partialEta2).toBeGreaterThan(0.8);
  });

  it('is reproducible from its seed', () => {
    const a = anovaType2(grid({ base: 0.2 }), { reps: 100, seed: 11 });
    const b = anovaType2(grid({ base: 0.2 }), { reps: 100, seed: 11 });
    expect(a.terms).toEqual(b.terms);
  });
});

describe('anovaType2 refuses what would be silently wrong', () => {
  it('a missing two-way cell (aliased interaction)', () => {
    const g = grid({}, 4);
    const keep = g.y.map((_, i) => !(g.factors.base[i] === 'c' && g.factors.target[i] === 't3'));
    const pick = <T>(xs: T[]) => xs.filter((_, i) => keep[i]);
    expect(() =>
      anovaType2(
        {
          y: pick(g.y),
          factors: { base: pick(g.factors.base), target: pick(g.factors.target), weight: pick(g.factors.weight) },
          blockName: 'prompt',
          block: pick(g.block),
        },
        { reps: 0 },
      ),
    ).toThrow(/aliased/);
  });
  it('a factor with one level, labels of the wrong length, no residual df', () => {
    expect(() => anovaType2({ y: [1, 2, 3, 4], factors: { a: ['x', 'x', 'x', 'x'] }, blockName: 'prompt', block: ['p', 'p', 'q', 'q'] })).toThrow(
      StatsInputError,
    );
    expect(() => anovaType2({ y: [1, 2, 3, 4], factors: { a: ['x', 'y', 'x'] }, blockName: 'prompt', block: ['p', 'p', 'q', 'q'] })).toThrow(/3 labels/);
    expect(() => anovaType2({ y: [1, 2, 3, 4], factors: { a: ['x', 'y', 'x', 'y'] }, blockName: 'prompt', block: ['p', 'q', 'r', 's'] })).toThrow(/residual/);
  });
});

describe('pfUpper', () => {
  it('matches R pf(f, d1, d2, lower.tail = FALSE) at known points', () => {
    close(pfUpper(3, 2, 10), 0.095367431640624972, 1e-10);
    close(pfUpper(1, 1, 1), 0.5, 1e-12);
  });
});
