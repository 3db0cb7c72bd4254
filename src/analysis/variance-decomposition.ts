import { stringify } from 'csv-stringify/sync';
import { spreadsheetSafe } from '../report/csv-safe.js';
import { anovaType2, MIN_BOOTSTRAP_BLOCKS, type AnovaTerm } from '../stats/anova-type2.js';
import { deriveSeed, StatsInputError } from '../stats/index.js';
import type { ScoreTable } from '../run/score-table.js';

/** Which factor matters for one metric (and model): its type II ANOVA over the sweep's factors. */
export interface VarianceDecomposition {
  metric: string;
  model: string;
  /** The factors in the model (those with at least two levels among the rows used). */
  factors: string[];
  /** Prompt-level cell means modelled, and prompts behind them. */
  n: number;
  prompts: number;
  terms: AnovaTerm[];
  residual: { df: number; ss: number };
  totalSs: number;
  bootstrap: { reps: number; dropped: number; level: number };
  note?: string;
  /** Why the η² CIs are blank, when they are. */
  ciMissing?: string;
  /** Why there is no decomposition, when there is none. */
  unavailable?: string;
}

export const VARIANCE_MODEL =
  'y ~ prompt + (factors)^2 on prompt-level cell means (mean over seeds of one prompt in one cell), every factor categorical; ' +
  'type II SS (each term after every term that does not contain it, as car::Anova(type = 2)); η² = SS ÷ total SS, partial η² = SS ÷ (SS + residual SS); ' +
  'CIs: percentiles of a bootstrap that resamples prompts. Rows where a factor is blank (weight-0 images, which have no LoRA) are left out, and so are the per-tag concept_tag:<tag> rows (concept_detection is their mean).';

/**
 * For every metric × model of a run, a type II decomposition of the prompt-level cell means over the sweep's factors and
 * their two-way interactions, with the prompt as a blocking factor. Seeds are averaged first because they are
 * subsamples of a prompt: modelling images would count them as independent replicates and shrink the residual.
 */
export function varianceDecompositions(table: ScoreTable, options: { seed?: number; reps?: number; level?: number } = {}): VarianceDecomposition[] {
  const seed = options.seed ?? 1;
  const groups = new Map<
    string,
    { metric: string; model: string; cells: Map<string, { levels: Record<string, string>; prompt: string; sum: number; n: number }>; blank: number }
  >();
  for (const row of table.rows) {
    // Per-tag detections are the 0/1 parts of concept_detection, which is decomposed itself.
    if (!Number.isFinite(row.value) || row.metric.startsWith('concept_tag:')) continue;
    const key = JSON.stringify([row.metric, row.model]);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { metric: row.metric, model: row.model, cells: new Map(), blank: 0 }));
    if (table.factors.some((f) => (row.levels[f] ?? '') === '')) {
      g.blank++;
      continue;
    }
    const cellKey = JSON.stringify([...table.factors.map((f) => row.levels[f]), row.prompt]);
    const c = g.cells.get(cellKey) ?? { levels: row.levels, prompt: row.prompt, sum: 0, n: 0 };
    c.sum += row.value;
    c.n++;
    g.cells.set(cellKey, c);
  }
  return [...groups.values()].map((g) => {
    const { cells, dropped } = crossedCells([...g.cells.values()], table.factors);
    const factors = table.factors.filter((f) => new Set(cells.map((c) => c.levels[f])).size >= 2);
    const prompts = new Set(cells.map((c) => c.prompt)).size;
    const base: VarianceDecomposition = {
      metric: g.metric,
      model: g.model,
      factors,
      n: cells.length,
      prompts,
      terms: [],
      residual: { df: NaN, ss: NaN },
      totalSs: NaN,
      bootstrap: { reps: 0, dropped: 0, level: options.level ?? 0.95 },
      note:
        [
          g.blank ? `${g.blank} image rows with a blank factor (weight 0) left out` : undefined,
          dropped.length ? `${dropped.join(', ')} left out: not crossed with every level of the other factors (type II SS need every two-way cell)` : undefined,
        ]
          .filter((x) => x)
          .join('; ') || undefined,
    };
    if (factors.length === 0) return { ...base, unavailable: 'no factor has two levels among the rows with every factor set' };
    if (prompts < 2) return { ...base, unavailable: `${prompts} prompt: the prompt bootstrap and the prompt block need at least 2` };
    const y = cells.map((c) => c.sum / c.n);
    const constant = constantValue(y);
    if (constant !== undefined)
      return { ...base, unavailable: `every prompt-level cell mean is ${constant}: nothing varies, so no factor can explain anything` };
    try {
      const result = anovaType2(
        {
          y,
          factors: Object.fromEntries(factors.map((f) => [f, cells.map((c) => c.levels[f])])),
          blockName: 'prompt',
          block: cells.map((c) => c.prompt),
        },
        { reps: options.reps ?? 2000, seed: deriveSeed(seed, `variance:${g.metric}:${g.model}`), level: options.level },
      );
      return {
        ...base,
        terms: result.terms,
        residual: result.residual,
        totalSs: result.totalSs,
        bootstrap: { reps: result.reps, dropped: result.dropped, level: result.level },
        note: [base.note, bootstrapNote(prompts, result)].filter((x) => x).join('; ') || undefined,
        ciMissing: prompts < MIN_BOOTSTRAP_BLOCKS || result.reps - result.dropped < 2 ? bootstrapNote(prompts, result) : undefined,
      };
    } catch (e) {
      if (e instanceof StatsInputError) return { ...base, unavailable: e.message.replace(/^anovaType2: /, '') };
      throw e;
    }
  });
}

type Cell = { levels: Record<string, string>; prompt: string };

/**
 * The cells of the largest crossed part of a design that sampled some levels only with some others (a sweep's
 * exclude:, e.g. intermediate checkpoints of one LoRA): while two factors have an empty two-way cell, the level
 * with the fewest cells among those in an empty cell is left out (on a tie, the level of the factor declared later:
 * sweeps declare their main factors first). Returns the cells kept and "factor=level" of each
 * level left out, so that the decomposition says what it covers instead of refusing the whole run.
 */
export function crossedCells<C extends Cell>(cells: C[], allFactors: string[]): { cells: C[]; dropped: string[] } {
  const dropped: string[] = [];
  for (;;) {
    const factors = allFactors.filter((f) => new Set(cells.map((c) => c.levels[f])).size >= 2);
    const count = new Map<string, number>();
    const seen = new Set<string>();
    for (const c of cells) {
      for (const f of factors) count.set(JSON.stringify([f, c.levels[f]]), (count.get(JSON.stringify([f, c.levels[f]])) ?? 0) + 1);
      for (const [i, f] of factors.entries()) for (const h of factors.slice(i + 1)) seen.add(JSON.stringify([f, c.levels[f], h, c.levels[h]]));
    }
    const levelsOf = (f: string) => [...new Set(cells.map((c) => c.levels[f]))];
    const inEmptyCell = new Set<string>();
    for (const [i, f] of factors.entries()) {
      for (const h of factors.slice(i + 1)) {
        for (const a of levelsOf(f)) {
          for (const b of levelsOf(h)) {
            if (seen.has(JSON.stringify([f, a, h, b]))) continue;
            inEmptyCell.add(JSON.stringify([f, a]));
            inEmptyCell.add(JSON.stringify([h, b]));
          }
        }
      }
    }
    if (inEmptyCell.size === 0) return { cells, dropped };
    const factorIndex = (k: string) => allFactors.indexOf((JSON.parse(k) as string[])[0]);
    const [worst] = [...inEmptyCell].sort((x, y) => count.get(x)! - count.get(y)! || factorIndex(y) - factorIndex(x));
    const [factor, level] = JSON.parse(worst) as [string, string];
    dropped.push(`${factor}=${level}`);
    cells = cells.filter((c) => c.levels[factor] !== level);
  }
}

/** The one value every element has (to rounding), or undefined when they vary. */
function constantValue(y: number[]): number | undefined {
  const lo = Math.min(...y);
  const hi = Math.max(...y);
  // Sums of squares of values equal up to float rounding are rounding noise: an F or η² computed from them is meaningless.
  return hi - lo <= 1e-12 * Math.max(1, Math.abs(lo), Math.abs(hi)) ? Number(lo.toPrecision(10)) : undefined;
}

/** Why the η² CIs are blank, or how many resamples they leave out; undefined when every resample counted. */
function bootstrapNote(prompts: number, r: { reps: number; dropped: number }): string | undefined {
  if (prompts < MIN_BOOTSTRAP_BLOCKS) return `${prompts} prompts: no bootstrap CIs (${MIN_BOOTSTRAP_BLOCKS} needed)`;
  const kept = r.reps - r.dropped;
  if (kept < 2) return `no bootstrap CIs: ${r.dropped} of ${r.reps} prompt resamples left no residual variation`;
  if (r.dropped > 0) return `${r.dropped} of ${r.reps} prompt resamples left no residual variation and were left out of the CIs`;
  return undefined;
}

const num = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(10)) : '');

export const VARIANCE_CSV_COLUMNS = [
  'metric',
  'model',
  'term',
  'df',
  'ss',
  'f',
  'p',
  'eta2',
  'eta2_ci_low',
  'eta2_ci_high',
  'partial_eta2',
  'partial_eta2_ci_low',
  'partial_eta2_ci_high',
  'residual_df',
  'residual_ss',
  'n',
  'prompts',
  'note',
];

/** variance.csv: one row per metric × model × term; a metric without a decomposition gets one row saying why. */
export function varianceCsv(decompositions: VarianceDecomposition[]): string {
  const rows = decompositions.flatMap((d) =>
    d.unavailable
      ? [[d.metric, spreadsheetSafe(d.model), '', '', '', '', '', '', '', '', '', '', '', '', '', d.n, d.prompts, `not decomposed: ${d.unavailable}`]]
      : d.terms.map((t) => [
          d.metric,
          spreadsheetSafe(d.model),
          t.term,
          t.df,
          num(t.ss),
          num(t.f),
          num(t.p),
          num(t.eta2),
          num(t.eta2Low),
          num(t.eta2High),
          num(t.partialEta2),
          num(t.partialEta2Low),
          num(t.partialEta2High),
          d.residual.df,
          num(d.residual.ss),
          d.n,
          d.prompts,
          d.note ?? '',
        ]),
  );
  return stringify(rows, { header: true, columns: VARIANCE_CSV_COLUMNS });
}
