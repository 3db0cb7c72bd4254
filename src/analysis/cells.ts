import { bootstrapCI, deriveSeed, promptMeans, qt, summarize } from '../stats/index.js';
import type { ScoreTable } from '../run/score-table.js';
import type { CiMethod } from './test-row.js';

/** One cell of the design (every factor at one level) for one metric and model. */
export interface CellEstimate {
  metric: string;
  model: string;
  levels: Record<string, string>;
  /** Images. */
  n: number;
  /** Prompts K: the units of the cell's SE and CI. */
  prompts: number;
  /** Mean of the per-prompt means (the image mean when every prompt has the same number of seeds). */
  mean: number;
  /** SD over images. */
  sd: number;
  /** Standard error of the mean at the prompt level: SD of the prompt means ÷ √K; NaN with one prompt. */
  se: number;
  /** CI of the mean; NaN with one prompt (see note). */
  ciLow: number;
  ciHigh: number;
  /** '' when there is no CI. */
  ciMethod: CiMethod | '';
  ciLevel: number;
  /** mean ÷ mean of the home cell (target = base, other levels equal); NaN where there is none. */
  transferRatio: number;
  note?: string;
}

export interface CellOptions {
  seed?: number;
  reps?: number;
  /** t over prompt means with K − 1 df (default), or a bootstrap that resamples prompts. */
  ci?: CiMethod;
  /** Default 0.95. */
  level?: number;
}

function cellKey(metric: string, model: string, levels: Record<string, string>, factors: string[]): string {
  return JSON.stringify([metric, model, ...factors.map((f) => levels[f] ?? '')]);
}

/**
 * Mean, prompt-level SE and CI for every cell × metric × model of a score table. Seeds are subsamples of a prompt,
 * so the prompt means are the units: the t interval has K − 1 df, and one prompt gives no interval at all.
 */
export function cellEstimates(table: ScoreTable, options: CellOptions = {}): CellEstimate[] {
  const seed = options.seed ?? 1;
  const level = options.level ?? 0.95;
  const method = options.ci ?? 't';
  const groups = new Map<string, { metric: string; model: string; levels: Record<string, string>; values: number[]; prompts: string[] }>();
  for (const row of table.rows) {
    if (!Number.isFinite(row.value)) continue;
    const key = cellKey(row.metric, row.model, row.levels, table.factors);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { metric: row.metric, model: row.model, levels: row.levels, values: [], prompts: [] }));
    g.values.push(row.value);
    g.prompts.push(row.prompt);
  }
  const cells: CellEstimate[] = [];
  for (const [key, g] of groups) {
    const d = summarize(g.values);
    const units = promptMeans(g.values, g.prompts).map((p) => p.mean);
    const k = units.length;
    const m = units.reduce((s, v) => s + v, 0) / k;
    const cell: CellEstimate = {
      metric: g.metric,
      model: g.model,
      levels: g.levels,
      n: d.n,
      prompts: k,
      mean: m,
      sd: d.sd,
      se: NaN,
      ciLow: NaN,
      ciHigh: NaN,
      ciMethod: '',
      ciLevel: NaN,
      transferRatio: NaN,
    };
    if (k < 2) {
      cell.note = '1 prompt: no standard error or CI (seeds of one prompt are not independent units)';
    } else {
      const unitSummary = summarize(units);
      cell.se = unitSummary.se;
      if (method === 't') {
        const q = qt(1 - (1 - level) / 2, k - 1);
        cell.ciLow = m - q * cell.se;
        cell.ciHigh = m + q * cell.se;
      } else {
        // Resampling prompts, each carrying its mean: the prompt-cluster bootstrap of the mean of prompt means.
        const ci = bootstrapCI(units, { reps: options.reps ?? 2000, seed: deriveSeed(seed, key), level });
        cell.ciLow = ci.low;
        cell.ciHigh = ci.high;
      }
      cell.ciMethod = method === 't' ? 't' : 'prompt bootstrap';
      cell.ciLevel = level;
    }
    cells.push(cell);
  }
  if (table.factors.includes('base') && table.factors.includes('target')) {
    const byKey = new Map(cells.map((c) => [cellKey(c.metric, c.model, c.levels, table.factors), c]));
    for (const c of cells) {
      const base = c.levels.base;
      if (!base) continue;
      const home = byKey.get(cellKey(c.metric, c.model, { ...c.levels, target: base }, table.factors));
      if (home && home.mean !== 0) c.transferRatio = c.mean / home.mean;
    }
  }
  return cells;
}
