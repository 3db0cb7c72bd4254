import { clusterBootstrapCI, deriveSeed, summarize } from '../stats/index.js';
import type { ScoreTable } from '../run/score-table.js';

/** One cell of the design (every factor at one level) for one metric and model. */
export interface CellEstimate {
  metric: string;
  model: string;
  levels: Record<string, string>;
  n: number;
  prompts: number;
  mean: number;
  sd: number;
  se: number;
  /** 95 % percentile CI from a bootstrap that resamples prompts (clusters); NaN with fewer than two prompts. */
  ciLow: number;
  ciHigh: number;
  /** mean ÷ mean of the home cell (target = base, other levels equal); NaN where there is none. */
  transferRatio: number;
}

export interface CellOptions {
  seed?: number;
  reps?: number;
}

function cellKey(metric: string, model: string, levels: Record<string, string>, factors: string[]): string {
  return JSON.stringify([metric, model, ...factors.map((f) => levels[f] ?? '')]);
}

/** Mean, SD, SE and a prompt-cluster bootstrap CI for every cell × metric × model of a score table. */
export function cellEstimates(table: ScoreTable, options: CellOptions = {}): CellEstimate[] {
  const seed = options.seed ?? 1;
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
    const distinctPrompts = new Set(g.prompts).size;
    let ciLow = NaN;
    let ciHigh = NaN;
    if (distinctPrompts >= 2) {
      const ci = clusterBootstrapCI(g.values, g.prompts, { reps: options.reps ?? 2000, seed: deriveSeed(seed, key) });
      ciLow = ci.low;
      ciHigh = ci.high;
    }
    cells.push({
      metric: g.metric,
      model: g.model,
      levels: g.levels,
      n: d.n,
      prompts: distinctPrompts,
      mean: d.mean,
      sd: d.sd,
      se: d.se,
      ciLow,
      ciHigh,
      transferRatio: NaN,
    });
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
