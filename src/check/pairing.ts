import type { ScoreTable } from '../run/score-table.js';
import type { ScoreRow } from '../run/scores-csv.js';

/** `--compare factor[=level]`: the factor differs by design; the run's levels are compared with these baseline levels. */
/** One image of the run paired with the same image position (prompt, seed, other levels) in the baseline. */
export interface ImagePair {
  image: string;
  prompt: string;
  run: number;
  baseline: number;
}

export interface Comparison {
  factor: string;
  baselineLevels: string[];
}

export interface PairedGroup {
  group: string;
  pairs: ImagePair[];
}

export interface GroupPairing {
  groups: PairedGroup[];
  /** Baseline groups with no image in the run. */
  missing: string[];
  /** Baseline images without a counterpart in the run, in groups that have some. */
  unpaired: string[];
  /** Run groups with no image in the baseline (not checked). */
  runOnly: string[];
}

const shown = (level: string) => level || '(native)';

function byLabel(row: ScoreRow, by: string[]): string {
  return by.map((f) => `${f}=${shown(row.levels[f] ?? '')}`).join(';');
}

function average(rows: ScoreRow[]): number {
  return rows.reduce((s, r) => s + r.value, 0) / rows.length;
}

/**
 * Rows of one metric with a value, by pair key: prompt, seed and the level of every factor but the compared one, and
 * the model when the metric was scored by several (CLIP's and DINO's concept_similarity are never averaged together).
 */
function index(rows: ScoreRow[], keyFactors: string[], perModel: boolean): Map<string, ScoreRow[]> {
  const out = new Map<string, ScoreRow[]>();
  for (const r of rows) {
    const key = JSON.stringify([r.prompt, r.seed, ...keyFactors.map((f) => r.levels[f] ?? ''), ...(perModel ? [r.model] : [])]);
    const list = out.get(key);
    if (list) list.push(r);
    else out.set(key, [r]);
  }
  return out;
}

/**
 * Pairs one metric's images of a run with the baseline's and groups the pairs by the `by` factors. Without a
 * comparison an image pairs with the same cell, prompt and seed. With one, the compared factor differs by design:
 * each run level of it is paired with each named baseline level on every other factor, prompt and seed, and images
 * blank in that factor (weight 0, identical across its levels) are left out.
 */
export function pairGroups(run: ScoreTable, baseline: ScoreTable, metric: string, by: string[], comparison?: Comparison): GroupPairing {
  const rowsOf = (t: ScoreTable) => t.rows.filter((r) => r.metric === metric && Number.isFinite(r.value));
  const runRows = rowsOf(run);
  const baseRows = rowsOf(baseline);
  const keyFactors = run.factors.filter((f) => f !== comparison?.factor);
  const perModel = new Set([...runRows, ...baseRows].map((r) => r.model)).size > 1;
  const sides: { label: string; run: ScoreRow[]; baseline: ScoreRow[] }[] = [];
  if (!comparison) {
    sides.push({ label: '', run: runRows, baseline: baseRows });
  } else {
    const f = comparison.factor;
    const runLevels = [...new Set(runRows.map((r) => r.levels[f]).filter((l) => l))];
    for (const baseLevel of comparison.baselineLevels) {
      for (const runLevel of runLevels) {
        sides.push({
          label: `${f}=${runLevel} vs ${baseLevel}`,
          run: runRows.filter((r) => r.levels[f] === runLevel),
          baseline: baseRows.filter((r) => r.levels[f] === baseLevel),
        });
      }
    }
  }

  const result: GroupPairing = { groups: [], missing: [], unpaired: [], runOnly: [] };
  for (const side of sides) {
    const runIndex = index(side.run, keyFactors, perModel);
    const groups = new Map<string, ImagePair[]>();
    const unpaired = new Map<string, string[]>();
    const label = (r: ScoreRow) => [perModel ? `model=${r.model}` : '', side.label, byLabel(r, by)].filter((s) => s).join(': ') || '(all)';
    for (const [key, rows] of index(side.baseline, keyFactors, perModel)) {
      const g = label(rows[0]);
      if (!groups.has(g)) groups.set(g, []);
      const match = runIndex.get(key);
      if (match) groups.get(g)!.push({ image: match[0].image, prompt: rows[0].prompt, run: average(match), baseline: average(rows) });
      else unpaired.set(g, [...(unpaired.get(g) ?? []), rows[0].image]);
    }
    for (const [group, pairs] of groups) {
      if (pairs.length) {
        result.groups.push({ group, pairs });
        result.unpaired.push(...(unpaired.get(group) ?? []));
      } else result.missing.push(group);
    }
    for (const g of new Set(side.run.map(label))) if (!groups.has(g)) result.runOnly.push(g);
  }
  return result;
}
