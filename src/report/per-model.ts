import type { CellRow } from './read-analysis.js';

/**
 * The cells of a metric, once per model that scored it. With one model the metric keeps its name; with several
 * (CLIP's and DINO's concept_similarity) each model's cells are renamed "metric@model" (file-safe), so a chart or
 * table shows one model's values and never averages two models' scales.
 */
export function perModelSeries(metric: string, cells: CellRow[]): { label: string; cells: CellRow[] }[] {
  const mine = cells.filter((c) => c.metric === metric);
  const models = [...new Set(mine.map((c) => c.model))];
  if (models.length <= 1) return [{ label: metric, cells }];
  return models.map((model) => {
    const label = `${metric}@${model.replace(/[^\w.-]+/g, '_')}`;
    return { label, cells: mine.filter((c) => c.model === model).map((c) => ({ ...c, metric: label })) };
  });
}
