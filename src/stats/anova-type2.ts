import { Matrix, QrDecomposition } from 'ml-matrix';
import { quantileSorted } from './descriptives.js';
import { requireFiniteNumbers, requireLevel, requirePositiveInteger, StatsInputError } from './errors.js';
import { createRng, type Seed } from './random.js';
import { incompleteBeta } from './special-functions.js';

/**
 * Type II analysis of variance of a linear model y ~ block + factors + their two-way interactions, with every
 * factor categorical (treatment coding), as R's car::Anova(lm(y ~ block + (A + B + …)^2), type = 2) reports it.
 *
 * Type II SS of a term = RSS(model without the term and every term containing it) − RSS(the same model plus the
 * term): the term's contribution after everything that does not contain it. It does not depend on the coding of
 * the factors, and equals anova()'s sequential SS when the design is balanced.
 *
 * The block (the prompt) enters every model as a main effect only; it is absorbed by centring within blocks
 * (Frisch–Waugh–Lovell), so every RSS is the one the model with block dummies gives. Its own row compares the full
 * model with the same model without the block.
 */

export interface AnovaTerm {
  /** 'A', or 'A:B' for an interaction; the block's row is named after the block. */
  term: string;
  df: number;
  ss: number;
  f: number;
  p: number;
  /** ss ÷ total SS around the grand mean. */
  eta2: number;
  /** ss ÷ (ss + residual SS). */
  partialEta2: number;
  /** Percentile CIs from the block (prompt) bootstrap; NaN without one. */
  eta2Low: number;
  eta2High: number;
  partialEta2Low: number;
  partialEta2High: number;
}

export interface AnovaType2Result {
  terms: AnovaTerm[];
  residual: { df: number; ss: number };
  totalSs: number;
  n: number;
  blocks: number;
  /** Bootstrap replicates run, and those left out because a resample's design was singular. */
  reps: number;
  dropped: number;
  level: number;
}

export interface AnovaType2Input {
  y: readonly number[];
  /** One label array per factor, each as long as y. */
  factors: Record<string, readonly string[]>;
  /** Name of the blocking factor (e.g. 'prompt') and its labels. */
  blockName: string;
  block: readonly string[];
  /** Include every two-way interaction of the factors. Default true. */
  interactions?: boolean;
}

export interface AnovaBootstrapOptions {
  /** Bootstrap replicates resampling blocks; 0 for none. Default 2000. */
  reps?: number;
  level?: number;
  seed?: Seed;
}

/**
 * Fewest blocks (prompts) the bootstrap CIs are computed from. With K prompts there are C(2K − 1, K) distinct
 * resamples (126 at K = 5, 10 at K = 3) and a share K^(1 − K) of them repeat a single prompt, so below 5 the
 * percentiles are a handful of values, not an interval.
 */
export const MIN_BOOTSTRAP_BLOCKS = 5;

interface Term {
  name: string;
  factors: string[];
  /** Column indices into Z (the non-intercept design columns). */
  columns: number[];
}

/** Distinct labels in order of first appearance. */
const levelsOf = (labels: readonly string[]) => [...new Set(labels)];

function designColumns(input: AnovaType2Input): { z: number[][]; terms: Term[] } {
  const n = input.y.length;
  const names = Object.keys(input.factors);
  const dummies: Record<string, number[][]> = {};
  for (const f of names) {
    const labels = input.factors[f];
    if (labels.length !== n) throw new StatsInputError(`anovaType2: factor "${f}" has ${labels.length} labels for ${n} values`);
    const levels = levelsOf(labels);
    if (levels.length < 2) throw new StatsInputError(`anovaType2: factor "${f}" has ${levels.length} level; needs at least 2`);
    dummies[f] = levels.slice(1).map((level) => labels.map((l) => (l === level ? 1 : 0)));
  }
  const cols: number[][] = [];
  const terms: Term[] = [];
  const add = (name: string, factors: string[], columns: number[][]) => {
    terms.push({ name, factors, columns: columns.map((_, i) => cols.length + i) });
    cols.push(...columns);
  };
  for (const f of names) add(f, [f], dummies[f]);
  if (input.interactions ?? true) {
    for (let i = 0; i < names.length; i++) {
      for (let j = i + 1; j < names.length; j++) {
        const [a, b] = [names[i], names[j]];
        add(
          `${a}:${b}`,
          [a, b],
          dummies[a].flatMap((da) => dummies[b].map((db) => da.map((v, r) => v * db[r]))),
        );
      }
    }
  }
  // Row-major Z (n × p).
  const z = Array.from({ length: n }, (_, r) => cols.map((c) => c[r]));
  return { z, terms };
}

/** Model pairs behind each term's type II SS: columns of the smaller model, and of the larger one. */
function comparisons(terms: Term[]): { term: Term; without: number[]; with: number[] }[] {
  return terms.map((t) => {
    const contains = (u: Term) => t.factors.every((f) => u.factors.includes(f));
    const without = terms.filter((u) => !contains(u)).flatMap((u) => u.columns);
    const withCols = [...without, ...t.columns].sort((a, b) => a - b);
    return { term: t, without: without.sort((a, b) => a - b), with: withCols };
  });
}

/** Residual SS of y on the columns of X (no implicit intercept), by Householder QR; refuses an aliased design. */
function rssQr(x: number[][], y: number[], columns: number[], where: string): number {
  if (columns.length === 0) return y.reduce((s, v) => s + v * v, 0);
  const X = new Matrix(x.map((row) => columns.map((c) => row[c])));
  const qr = new QrDecomposition(X);
  // ml-matrix keeps R's diagonal; a (near) zero there is a column the others already span.
  const diag = (qr as unknown as { Rdiag: ArrayLike<number> }).Rdiag;
  const scale = Math.max(...Array.from(diag, Math.abs));
  if (Array.from(diag).some((d) => Math.abs(d) <= 1e-9 * scale)) {
    throw new StatsInputError(`${where}: the design has aliased columns (a combination of two factors' levels is missing); type II SS need every two-way cell`);
  }
  const b = qr.solve(Matrix.columnVector(y));
  let rss = 0;
  for (let i = 0; i < y.length; i++) {
    let fit = 0;
    for (let j = 0; j < columns.length; j++) fit += X.get(i, j) * b.get(j, 0);
    rss += (y[i] - fit) ** 2;
  }
  return rss;
}

/** Upper tail of the F distribution. */
export function pfUpper(f: number, df1: number, df2: number): number {
  if (!(f > 0)) return 1;
  if (!Number.isFinite(f)) return 0;
  return incompleteBeta(df2 / (df2 + df1 * f), (df1 * f) / (df2 + df1 * f), df2 / 2, df1 / 2).lower;
}

/**
 * Residual SS from cross-products: yy − c′G⁻¹c over the given columns of a (p + 2)² matrix whose index yIndex is y,
 * by a Cholesky factorization of G; NaN when G is not positive definite (a resample whose design is singular).
 * Written out rather than with ml-matrix: the bootstrap calls it tens of thousands of times on small matrices.
 */
function rssCross(m: number[][], columns: number[], yIndex: number): number {
  const k = columns.length;
  if (k === 0) return m[yIndex][yIndex];
  const l = new Float64Array(k * k);
  const scale = Math.max(...columns.map((c) => Math.abs(m[c][c])));
  for (let i = 0; i < k; i++) {
    const row = m[columns[i]];
    for (let j = 0; j <= i; j++) {
      let sum = row[columns[j]];
      for (let t = 0; t < j; t++) sum -= l[i * k + t] * l[j * k + t];
      if (i === j) {
        if (!(sum > 1e-10 * scale)) return NaN;
        l[i * k + i] = Math.sqrt(sum);
      } else {
        l[i * k + j] = sum / l[j * k + j];
      }
    }
  }
  // Solve L z = c; then c′G⁻¹c = z′z.
  const z = new Float64Array(k);
  let fitted = 0;
  for (let i = 0; i < k; i++) {
    let sum = m[columns[i]][yIndex];
    for (let t = 0; t < i; t++) sum -= l[i * k + t] * z[t];
    z[i] = sum / l[i * k + i];
    fitted += z[i] * z[i];
  }
  return m[yIndex][yIndex] - fitted;
}

/**
 * The type II SS (block first, then the terms), residual and total SS of a resample in which block i was drawn
 * counts[i] times, each draw a block of its own: sums of per-block cross-products of [1, Z, y], so a replicate costs
 * K (p + 2)² additions and a few small Cholesky solves instead of refitting N rows.
 */
function crossProductReplicate(z: number[][], y: number[], blockRows: number[][], pairs: ReturnType<typeof comparisons>) {
  const p = z[0]?.length ?? 0;
  const q = p + 2;
  const yIndex = p + 1;
  const cross = blockRows.map((rowsOfBlock) => {
    const m = Array.from({ length: q }, () => new Array<number>(q).fill(0));
    for (const r of rowsOfBlock) {
      const w = [1, ...z[r], y[r]];
      for (let i = 0; i < q; i++) for (let j = i; j < q; j++) m[i][j] += w[i] * w[j];
    }
    for (let i = 0; i < q; i++) for (let j = 0; j < i; j++) m[i][j] = m[j][i];
    return m;
  });
  // Within-block cross-products: what centring each drawn block on its own means leaves.
  const centred = cross.map((m) => m.map((row, i) => row.map((v, j) => v - (m[0][i] * m[0][j]) / m[0][0])));
  const shift = (cols: number[]) => cols.map((c) => c + 1);
  const all = shift(Array.from({ length: p }, (_, j) => j));
  const columns = pairs.map((c) => ({ without: shift(c.without), with: shift(c.with) }));
  return (counts: readonly number[]) => {
    const raw = Array.from({ length: q }, () => new Array<number>(q).fill(0));
    const within = Array.from({ length: q }, () => new Array<number>(q).fill(0));
    counts.forEach((c, blockIndex) => {
      if (c === 0) return;
      for (let i = 0; i < q; i++) {
        for (let j = 0; j < q; j++) {
          raw[i][j] += c * cross[blockIndex][i][j];
          within[i][j] += c * centred[blockIndex][i][j];
        }
      }
    });
    const full = rssCross(within, all, yIndex);
    const total = raw[yIndex][yIndex] - raw[0][yIndex] ** 2 / raw[0][0];
    const ss = [rssCross(raw, [0, ...all], yIndex) - full, ...columns.map((c) => rssCross(within, c.without, yIndex) - rssCross(within, c.with, yIndex))];
    return { ss, full, total };
  };
}

/** The bootstrap's arithmetic on a given resample (counts per block, in order of first appearance): for tests. */
export function anovaType2Resample(input: AnovaType2Input, counts: readonly number[]): { ss: number[]; residualSs: number; totalSs: number } {
  const { z, terms } = designColumns(input);
  const blockLevels = levelsOf(input.block);
  const blockRows = blockLevels.map((b) => input.block.flatMap((l, i) => (l === b ? [i] : [])));
  const { ss, full, total } = crossProductReplicate(z, [...input.y], blockRows, comparisons(terms))(counts);
  return { ss, residualSs: full, totalSs: total };
}

/**
 * Type II ANOVA table with η² and partial η², and percentile CIs of both from a bootstrap that resamples blocks
 * (prompts) with replacement, each drawn block entering as a block of its own.
 */
export function anovaType2(input: AnovaType2Input, options: AnovaBootstrapOptions = {}): AnovaType2Result {
  const where = 'anovaType2';
  const y = [...input.y];
  requireFiniteNumbers(where, 'y', y, 2);
  if (input.block.length !== y.length) throw new StatsInputError(`${where}: ${input.block.length} block labels for ${y.length} values`);
  let reps = options.reps ?? 2000;
  if (reps !== 0) requirePositiveInteger(where, 'reps', reps);
  const level = options.level ?? 0.95;
  requireLevel(where, 'level', level);
  const { z, terms } = designColumns(input);
  const p = terms.reduce((s, t) => s + t.columns.length, 0);
  const blockLevels = levelsOf(input.block);
  const blockRows = blockLevels.map((b) => input.block.flatMap((l, i) => (l === b ? [i] : [])));
  const n = y.length;
  const residualDf = n - blockLevels.length - p;
  if (residualDf < 1)
    throw new StatsInputError(`${where}: ${n} values leave no residual degrees of freedom for ${blockLevels.length} blocks and ${p} effect columns`);

  // Centre y and Z within blocks: regressions on them equal regressions with block dummies.
  const zc = z.map((row) => [...row]);
  const yc = [...y];
  for (const rows of blockRows) {
    for (let j = 0; j < p; j++) {
      const m = rows.reduce((s, r) => s + z[r][j], 0) / rows.length;
      for (const r of rows) zc[r][j] -= m;
    }
    const my = rows.reduce((s, r) => s + y[r], 0) / rows.length;
    for (const r of rows) yc[r] -= my;
  }
  // Too few prompts for a percentile interval to mean anything: report the table without CIs.
  if (blockLevels.length < MIN_BOOTSTRAP_BLOCKS) reps = 0;
  const all = Array.from({ length: p }, (_, j) => j);
  const rssFull = rssQr(zc, yc, all, where);
  const grand = y.reduce((s, v) => s + v, 0) / n;
  const totalSs = y.reduce((s, v) => s + (v - grand) ** 2, 0);
  const pairs = comparisons(terms);
  const withIntercept = z.map((row) => [1, ...row]);
  const rssNoBlock = rssQr(withIntercept, y, [0, ...all.map((j) => j + 1)], where);
  const rows = [
    { name: input.blockName, df: blockLevels.length - 1, ss: rssNoBlock - rssFull },
    ...pairs.map((c) => ({ name: c.term.name, df: c.term.columns.length, ss: rssQr(zc, yc, c.without, where) - rssQr(zc, yc, c.with, where) })),
  ];

  const replicate = crossProductReplicate(z, y, blockRows, pairs);
  const eta: number[][] = rows.map(() => []);
  const partial: number[][] = rows.map(() => []);
  let dropped = 0;
  const rng = createRng(options.seed ?? 1);
  const k = blockLevels.length;
  for (let b = 0; b < reps; b++) {
    const counts = new Array<number>(k).fill(0);
    for (let i = 0; i < k; i++) counts[rng.int(k)]++;
    const { ss, full, total } = replicate(counts);
    // A resample of one distinct prompt has no prompt × cell variation left: no residual, no η² to speak of.
    const distinct = counts.filter((c) => c > 0).length;
    const etas = ss.map((s) => s / total);
    const partials = ss.map((s) => s / (s + full));
    if (distinct < 2 || !(full > 1e-12 * total) || [...etas, ...partials].some((v) => !Number.isFinite(v))) {
      dropped++;
      continue;
    }
    etas.forEach((v, i) => eta[i].push(v));
    partials.forEach((v, i) => partial[i].push(v));
  }
  const kept = reps - dropped;
  const ci = (values: number[]): [number, number] => {
    if (kept < 2) return [NaN, NaN];
    values.sort((a, b) => a - b);
    return [quantileSorted(values, (1 - level) / 2), quantileSorted(values, 1 - (1 - level) / 2)];
  };
  const meanSquareError = rssFull / residualDf;
  return {
    terms: rows.map((r, i) => {
      const f = r.ss / r.df / meanSquareError;
      const [eta2Low, eta2High] = ci(eta[i]);
      const [partialEta2Low, partialEta2High] = ci(partial[i]);
      return {
        term: r.name,
        df: r.df,
        ss: r.ss,
        f,
        p: pfUpper(f, r.df, residualDf),
        eta2: r.ss / totalSs,
        partialEta2: r.ss / (r.ss + rssFull),
        eta2Low,
        eta2High,
        partialEta2Low,
        partialEta2High,
      };
    }),
    residual: { df: residualDf, ss: rssFull },
    totalSs,
    n,
    blocks: k,
    reps,
    dropped,
    level,
  };
}
