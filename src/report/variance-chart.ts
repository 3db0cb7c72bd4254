import type { TopLevelSpec } from 'vega-lite';
import type { ChartSpec } from './charts.js';
import { CHART_FONT } from './charts.js';
import type { VarianceSummary } from './read-analysis.js';

const finiteOrNull = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v : null);

/** Which factor matters: partial η² of every factor term (the prompt block left out) per metric, with its prompt bootstrap CI. */
export function varianceChart(variance: VarianceSummary | undefined): ChartSpec | undefined {
  const rows = (variance?.metrics ?? []).flatMap((m) =>
    (m.terms ?? [])
      .filter((t) => t.term !== 'prompt')
      .map((t) => ({
        metric: `${m.metric} (${m.model})`,
        term: t.term,
        partial_eta2: t.partialEta2,
        ci_low: finiteOrNull(t.partialEta2Low),
        ci_high: finiteOrNull(t.partialEta2High),
        // A term without an interval says why instead of showing NaN (too few prompts to resample).
        ci:
          Number.isFinite(t.partialEta2Low) && Number.isFinite(t.partialEta2High)
            ? `[${t.partialEta2Low!.toFixed(3)}, ${t.partialEta2High!.toFixed(3)}]`
            : `none (K = ${m.prompts ?? '?'})`,
        eta2: t.eta2,
        p: t.p,
      })),
  );
  if (rows.length === 0) return undefined;
  return {
    name: 'variance',
    title: 'Which factor matters: partial η² of each term (type II SS, prompt as block), 95% prompt bootstrap CI',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      config: { font: CHART_FONT, view: { stroke: null }, axis: { labelFontSize: 11, titleFontSize: 12 } },
      data: { values: rows },
      facet: { row: { field: 'metric', type: 'nominal', title: null, header: { labelAngle: 0, labelAlign: 'left' } } },
      spec: {
        width: 360,
        height: { step: 16 },
        encoding: { y: { field: 'term', type: 'nominal', title: null, sort: null } },
        layer: [
          {
            mark: { type: 'bar', color: '#4c78a8' },
            encoding: {
              x: { field: 'partial_eta2', type: 'quantitative', title: 'partial η²', scale: { domain: [0, 1] } },
              tooltip: [
                { field: 'metric' },
                { field: 'term' },
                { field: 'partial_eta2', title: 'partial η²', format: '.3f' },
                { field: 'ci', title: '95% CI' },
                { field: 'eta2', title: 'η²', format: '.3f' },
                { field: 'p', format: '.3g' },
              ],
            },
          },
          { mark: { type: 'rule', color: '#222' }, encoding: { x: { field: 'ci_low', type: 'quantitative' }, x2: { field: 'ci_high' } } },
        ],
      },
    } as TopLevelSpec,
  };
}
