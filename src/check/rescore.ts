import type { ScoreTable } from '../run/score-table.js';
import { UserError } from '../errors.js';
import type { ScoreRow } from '../run/scores-csv.js';
import type { MovedImage, RescoreResult } from './types.js';

/** `--tolerance`: one ε for every metric and/or ε per metric. */
export interface Tolerance {
  all?: number;
  perMetric: Record<string, number>;
}

export interface RescoreOutcome {
  results: RescoreResult[];
  moved: MovedImage[];
  missingInRun: string[];
  onlyInRun: string[];
}

/** An image's score identity: the same image file (sha256) at the same place in the design, for one metric. */
function keyOf(r: ScoreRow, factors: string[]): string {
  return JSON.stringify([r.sha256, r.metric, r.prompt, r.seed, ...factors.map((f) => r.levels[f] ?? '')]);
}

function indexRows(table: ScoreTable, metrics: Set<string>, factors: string[]): Map<string, ScoreRow> {
  const out = new Map<string, ScoreRow>();
  for (const r of table.rows) {
    if (!metrics.has(r.metric)) continue;
    const key = keyOf(r, factors);
    const seen = out.get(key);
    if (seen && !Object.is(seen.value, r.value))
      throw new UserError(`${table.source}: ${r.image} has two ${r.metric} scores (${seen.value}, ${r.value}); expected one per image`);
    out.set(key, r);
  }
  return out;
}

const moveOf = (baseline: number, run: number) =>
  Number.isNaN(baseline) && Number.isNaN(run) ? 0 : Math.abs(run - baseline) || (baseline === run ? 0 : Infinity);

/**
 * The exact re-score check: the same images, scored again, must keep every score within ε of the baseline's. A
 * score that became blank (or was blank and is not) counts as an infinite move. Images on one side only are listed.
 */
export function rescoreCheck(run: ScoreTable, baseline: ScoreTable, metrics: string[], tolerance: Tolerance, top = 10): RescoreOutcome {
  const wanted = new Set(metrics);
  const factors = baseline.factors;
  const runRows = indexRows(run, wanted, factors);
  const baseRows = indexRows(baseline, wanted, factors);
  const moves = new Map<string, { compared: number; moved: number; largest: number }>(metrics.map((m) => [m, { compared: 0, moved: 0, largest: 0 }]));
  const movedImages: (MovedImage & { move: number; beyond: number })[] = [];
  const missingInRun: string[] = [];
  for (const [key, b] of baseRows) {
    const r = runRows.get(key);
    if (!r) {
      missingInRun.push(`${b.image} (${b.metric})`);
      continue;
    }
    const eps = tolerance.perMetric[b.metric] ?? tolerance.all!;
    const move = moveOf(b.value, r.value);
    const stat = moves.get(b.metric)!;
    stat.compared++;
    stat.largest = Math.max(stat.largest, move);
    if (move > eps) {
      stat.moved++;
      movedImages.push({ image: b.image, metric: b.metric, baseline: b.value, run: r.value, move, beyond: eps > 0 ? move / eps : Infinity });
    }
  }
  const onlyInRun = [...runRows].filter(([key]) => !baseRows.has(key)).map(([, r]) => `${r.image} (${r.metric})`);
  const results: RescoreResult[] = metrics.map((metric) => {
    const s = moves.get(metric)!;
    const eps = tolerance.perMetric[metric] ?? tolerance.all!;
    return { metric, tolerance: eps, compared: s.compared, moved: s.moved, largestMove: s.largest, status: s.moved ? 'moved' : 'pass' };
  });
  const moved = movedImages
    // Metrics have different units: the images that moved most are those furthest beyond their metric's tolerance.
    .sort((a, b) => b.beyond - a.beyond || b.move - a.move)
    .slice(0, top)
    .map(({ image, metric, baseline: old, run: now }) => ({ image, metric, baseline: old, run: now }));
  return { results, moved, missingInRun, onlyInRun };
}
