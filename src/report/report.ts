import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../run/atomic-write.js';
import { CHART_METRICS, doseChart, forestChart, heatmapChart, type ChartSpec } from './charts.js';
import { perModelSeries } from './per-model.js';
import { reportHtml, type RenderedChart } from './html.js';
import { metricTable, testsTable } from './latex.js';
import { readAnalysis } from './read-analysis.js';
import { renderSvg, svgToPng } from './render-chart.js';
import { thumbnailGrids } from './thumbnails.js';
import { varianceChart } from './variance-chart.js';

export interface ReportOptions {
  /** Run folder with cells.csv, tests.csv and summary.json (from `lora-eval analyze`). */
  run: string;
  /** Output folder; default the run folder. */
  out?: string;
  /** Also rasterize every chart to PNG. */
  png?: boolean;
}

export interface ReportResult {
  html: string;
  latex: string;
  charts: string[];
}

/** Charts (Vega-Lite spec, SVG, optionally PNG), a self-contained report.html and LaTeX tables from an analyzed run. */
export async function writeReport(options: ReportOptions): Promise<ReportResult> {
  const runDir = resolve(options.run);
  const analysis = readAnalysis(runDir);
  const outDir = resolve(options.out ?? runDir);
  const chartsDir = join(outDir, 'charts');
  mkdirSync(chartsDir, { recursive: true });

  const present = new Set(analysis.cells.map((c) => c.metric));
  const metrics = CHART_METRICS.filter((m) => present.has(m));
  const specs: ChartSpec[] = [
    ...metrics
      .slice(0, 3)
      .flatMap((m) => perModelSeries(m, analysis.cells))
      .flatMap((s) => [heatmapChart(s.label, s.cells), doseChart(s.label, s.cells)]),
    forestChart(analysis.tests),
    varianceChart(analysis.summary.variance),
  ].filter((s): s is ChartSpec => s !== undefined);

  const rendered: RenderedChart[] = [];
  const files: string[] = [];
  for (const chart of specs) {
    const svg = await renderSvg(chart.spec);
    writeFileAtomic(join(chartsDir, `${chart.name}.vl.json`), JSON.stringify(chart.spec, null, 2) + '\n');
    writeFileAtomic(join(chartsDir, `${chart.name}.svg`), svg);
    files.push(join(chartsDir, `${chart.name}.svg`));
    if (options.png) writeFileAtomic(join(chartsDir, `${chart.name}.png`), await svgToPng(svg));
    rendered.push({ name: chart.name, title: chart.title, svg });
  }

  const html = join(outDir, 'report.html');
  writeFileAtomic(html, reportHtml(analysis, rendered, await thumbnailGrids(runDir, analysis.factors)));

  const maxWeight = [...new Set(analysis.cells.map((c) => c.levels.weight).filter((w) => w && Number(w) > 0))].sort((a, b) => Number(b) - Number(a))[0];
  const tables = [
    '% lora-eval tables; needs \\usepackage{booktabs}',
    ...(maxWeight
      ? metrics.flatMap((m) => perModelSeries(m, analysis.cells)).map((s) => metricTable({ ...analysis, cells: s.cells }, s.label, maxWeight))
      : []),
    testsTable(analysis),
  ].filter((t): t is string => t !== undefined);
  const latex = join(outDir, 'tables.tex');
  writeFileAtomic(latex, tables.join('\n\n') + '\n');
  return { html, latex, charts: files };
}
