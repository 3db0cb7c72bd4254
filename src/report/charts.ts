import type { TopLevelSpec } from 'vega-lite';
import type { CellRow, TestCsvRow } from './read-analysis.js';

export interface ChartSpec {
  /** File stem under charts/. */
  name: string;
  title: string;
  spec: TopLevelSpec;
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
export const CHART_FONT = 'DejaVu Sans';
const config = { font: CHART_FONT, view: { stroke: null }, axis: { labelFontSize: 11, titleFontSize: 12 } };

/** Mean of cell means over the factors a chart does not show (e.g. checkpoint), keeping the widest CI. */
function collapse(cells: CellRow[], keep: string[]): Record<string, string | number>[] {
  const groups = new Map<string, { levels: Record<string, string>; means: number[]; lows: number[]; highs: number[]; n: number }>();
  for (const c of cells) {
    const levels = Object.fromEntries(keep.map((f) => [f, c.levels[f] ?? '']));
    const key = JSON.stringify(levels);
    const g = groups.get(key) ?? { levels, means: [], lows: [], highs: [], n: 0 };
    g.means.push(c.mean);
    if (Number.isFinite(c.ciLow)) g.lows.push(c.ciLow);
    if (Number.isFinite(c.ciHigh)) g.highs.push(c.ciHigh);
    g.n += c.n;
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => ({
    ...g.levels,
    mean: g.means.reduce((a, b) => a + b, 0) / g.means.length,
    ci_low: g.lows.length ? Math.min(...g.lows) : NaN,
    ci_high: g.highs.length ? Math.max(...g.highs) : NaN,
    n: g.n,
  }));
}

/**
 * The factors a chart averages over (those besides `keep` with more than one level among its cells), and how its
 * title and CI labels say so: a mean over clip skip or checkpoint is not one cell's, and the widest of several
 * cells' CIs is not a CI of that mean.
 */
function averagedOver(cells: CellRow[], keep: string[]): { factors: string[]; titleNote: string; ciLow: string; ciHigh: string } {
  const names = [...new Set(cells.flatMap((c) => Object.keys(c.levels)))].filter((f) => !keep.includes(f));
  const factors = names.filter((f) => new Set(cells.map((c) => c.levels[f] ?? '')).size > 1);
  if (!factors.length) return { factors, titleNote: '', ciLow: '95% CI low', ciHigh: '95% CI high' };
  return {
    factors,
    titleNote: ` (each value the mean of the cells over ${factors.join(', ')}; CI bounds the widest of theirs)`,
    ciLow: `lowest 95% CI low of the cells over ${factors.join(', ')}`,
    ciHigh: `highest 95% CI high of the cells over ${factors.join(', ')}`,
  };
}

/** Distinct levels in numeric order. */
function numericOrder(levels: string[]): string[] {
  return [...new Set(levels)].sort((a, b) => Number(a) - Number(b));
}

/** Base × target heatmap of a metric, one panel per LoRA weight, cell mean printed, CI in the tooltip. */
export function heatmapChart(metric: string, cells: CellRow[]): ChartSpec | undefined {
  const shown = cells.filter((c) => c.metric === metric && c.levels.base && c.levels.target && Number(c.levels.weight) > 0);
  const rows = collapse(shown, ['base', 'target', 'weight']);
  if (rows.length === 0) return undefined;
  const averaged = averagedOver(shown, ['base', 'target', 'weight']);
  return {
    name: `heatmap-${metric}`,
    title: `${metric}: base × target at each LoRA weight${averaged.titleNote}`,
    spec: {
      $schema: SCHEMA,
      config,
      data: { values: rows },
      // Levels are text: sorted as text, weight 10 would come before 2.
      facet: { column: { field: 'weight', type: 'ordinal', title: 'LoRA weight', sort: numericOrder(rows.map((r) => String(r.weight))) } },
      spec: {
        width: { step: 64 },
        height: { step: 34 },
        encoding: {
          x: { field: 'target', type: 'nominal', title: 'target', axis: { labelAngle: -30 } },
          y: { field: 'base', type: 'nominal', title: 'trained on (base)' },
        },
        layer: [
          {
            mark: 'rect',
            encoding: {
              color: { field: 'mean', type: 'quantitative', title: metric, scale: { scheme: 'viridis' } },
              tooltip: [
                { field: 'base' },
                { field: 'target' },
                { field: 'mean', format: '.3f' },
                { field: 'ci_low', title: averaged.ciLow, format: '.3f' },
                { field: 'ci_high', title: averaged.ciHigh, format: '.3f' },
                { field: 'n' },
              ],
            },
          },
          { mark: { type: 'text', fontSize: 10 }, encoding: { text: { field: 'mean', format: '.2f' }, color: { value: 'white' } } },
        ],
      },
    } as TopLevelSpec,
  };
}

/** A metric against LoRA weight, one line per base with its CI band, one panel per target. */
export function doseChart(metric: string, cells: CellRow[]): ChartSpec | undefined {
  const mine = cells.filter((c) => c.metric === metric && c.levels.target);
  const bases = [...new Set(mine.map((c) => c.levels.base).filter((b) => b))];
  if (bases.length === 0) return undefined;
  // Weight-0 cells are every base's native output: draw them at the start of every base's line.
  const expanded = mine.flatMap((c) => (c.levels.base ? [c] : bases.map((base) => ({ ...c, levels: { ...c.levels, base } }))));
  const rows = collapse(expanded, ['base', 'target', 'weight']).map((r) => ({ ...r, weight: Number(r.weight) }));
  if (new Set(rows.map((r) => r.weight)).size < 2) return undefined;
  // Weight-0 cells are blank in the LoRA-only factors: only the LoRA cells say what else is averaged.
  const averaged = averagedOver(
    mine.filter((c) => c.levels.base),
    ['base', 'target', 'weight'],
  );
  return {
    name: `dose-${metric}`,
    title: `${metric} against LoRA weight, by base, per target${averaged.titleNote}`,
    spec: {
      $schema: SCHEMA,
      config,
      data: { values: rows },
      facet: { column: { field: 'target', type: 'nominal', title: 'target' } },
      spec: {
        width: 180,
        height: 150,
        encoding: {
          x: { field: 'weight', type: 'quantitative', title: 'LoRA weight' },
          color: { field: 'base', type: 'nominal', title: 'base' },
        },
        layer: [
          { mark: { type: 'errorband', opacity: 0.25 }, encoding: { y: { field: 'ci_low', type: 'quantitative', title: metric }, y2: { field: 'ci_high' } } },
          {
            mark: { type: 'line', point: true },
            encoding: {
              y: { field: 'mean', type: 'quantitative' },
              tooltip: [
                { field: 'base' },
                { field: 'weight' },
                { field: 'mean', format: '.3f' },
                { field: 'ci_low', title: averaged.ciLow, format: '.3f' },
                { field: 'ci_high', title: averaged.ciHigh, format: '.3f' },
              ],
            },
          },
        ],
      },
    } as TopLevelSpec,
  };
}

const LABEL = { field: 'label', type: 'nominal', title: null, sort: null, axis: { labelLimit: 0 } } as const;

/** Forest plot: every test's estimate (mean a − b, ρ or slope) with its CI, coloured by verdict. */
export function forestChart(tests: TestCsvRow[]): ChartSpec | undefined {
  const rows = tests
    .filter((t) => Number.isFinite(t.estimate))
    .map((t) => ({
      label: `${t.hypothesis} · ${t.where} · K = ${t.nUnits}${t.unit === 'image' ? ' images (image-level)' : ` ${t.unit}s`}`,
      hypothesis: t.hypothesis,
      estimate: t.estimate,
      ci_low: t.ciLow,
      ci_high: t.ciHigh,
      p_adj: t.pAdj,
      ci: t.ciMethod ? `${Math.round(t.ciLevel * 1000) / 10}% ${t.ciMethod}` : 'none',
      verdict: t.verdict,
    }));
  if (rows.length === 0) return undefined;
  const undrawn = tests.filter((t) => !Number.isFinite(t.estimate));
  const undrawnNote = undrawn.length
    ? `; ${undrawn.length} of ${tests.length} tests ${undrawn.length === 1 ? 'has' : 'have'} no estimate and ${undrawn.length === 1 ? 'is' : 'are'} not drawn (` +
      `${undrawn
        .slice(0, 5)
        .map((t) => `${t.hypothesis} ${t.where}`.trim())
        .join(', ')}${undrawn.length > 5 ? ', …' : ''}; see the tests table)`
    : '';
  return {
    name: 'forest',
    title: `Effects behind each hypothesis (estimate with its CI over the K units; method and level in the tooltip)${undrawnNote}`,
    spec: {
      $schema: SCHEMA,
      config,
      data: { values: rows },
      width: 420,
      height: { step: 18 },
      layer: [
        { mark: { type: 'rule', strokeDash: [3, 3], color: '#888' }, encoding: { x: { datum: 0, type: 'quantitative' } } },
        { mark: 'rule', encoding: { y: LABEL, x: { field: 'ci_low', type: 'quantitative', title: 'estimate' }, x2: { field: 'ci_high' } } },
        {
          mark: { type: 'point', filled: true, size: 60 },
          encoding: {
            y: LABEL,
            x: { field: 'estimate', type: 'quantitative' },
            color: { field: 'verdict', type: 'nominal', scale: { domain: ['supported', 'refuted', 'inconclusive'], range: ['#2a9d5b', '#c0392b', '#888888'] } },
            tooltip: [
              { field: 'label' },
              { field: 'estimate', format: '.3f' },
              { field: 'ci_low', format: '.3f' },
              { field: 'ci_high', format: '.3f' },
              { field: 'ci' },
              { field: 'p_adj', format: '.3g' },
              { field: 'verdict' },
            ],
          },
        },
      ],
    } as TopLevelSpec,
  };
}

/** The metrics worth a chart, in order of interest, among those the run has. */
export const CHART_METRICS = ['style_retention', 'concept_probability', 'concept_detection', 'prompt_fidelity', 'concept_similarity', 'base_preservation'];
