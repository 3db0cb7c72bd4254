import { stringify } from 'csv-stringify/sync';
import { spreadsheetSafe } from '../report/csv-safe.js';
import type { ScoreTable } from '../run/score-table.js';
import { raterAgreement, ratingsFileOf, type MetricAgreement, type RaterSummary } from './rater-agreement.js';

const num = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(10)) : '');
const jsonNum = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(10)) : null);

export const AGREEMENT_CSV_COLUMNS = [
  'task',
  'metric',
  'model',
  'ratings',
  'decided',
  'agree',
  'agreement',
  'ci_low',
  'ci_high',
  'metric_ties',
  'cant_tell',
  'tau_b',
  'tau_statistic',
  'tau_p',
  'tau_method',
  'prompts',
  'note',
];

/** The summary.json field: the headline per metric, people's agreement per task. */
export interface RaterAgreementSummary {
  ratings_file: string;
  files: string[];
  metrics: {
    task: string;
    metric: string;
    model: string;
    decided: number;
    agreement: number | null;
    ci: [number | null, number | null];
    metric_ties: number;
    cant_tell: number;
    tau_b: number | null;
    tau_p: number | null;
  }[];
  tasks: {
    task: string;
    raters: string[];
    ratings: number;
    shared_pairs: number;
    krippendorff_alpha: number | null;
    rater_agreement: number | null;
    rater_ci: [number | null, number | null];
    rater_comparisons: number;
    self_consistency: { rater: string; repeated: number; decided: number; consistent: number; agreement: number | null }[];
  }[];
}

function metricRow(m: MetricAgreement): (string | number)[] {
  return [
    m.task,
    m.metric,
    spreadsheetSafe(m.model),
    m.ratings,
    m.decided,
    m.agree,
    num(m.agreement),
    num(m.ciLow),
    num(m.ciHigh),
    m.metricTies,
    m.cantTell,
    num(m.tauB),
    num(m.tauStatistic),
    num(m.tauP),
    m.tauMethod,
    m.prompts,
    m.note,
  ];
}

function taskSummary(t: RaterSummary): RaterAgreementSummary['tasks'][number] {
  return {
    task: t.task,
    raters: t.raters,
    ratings: t.ratings,
    shared_pairs: t.sharedPairs,
    krippendorff_alpha: jsonNum(t.alpha),
    rater_agreement: jsonNum(t.raterAgreement),
    rater_ci: [jsonNum(t.raterCiLow), jsonNum(t.raterCiHigh)],
    rater_comparisons: t.raterComparisons,
    self_consistency: t.self.map((s) => ({
      rater: s.rater,
      repeated: s.repeated,
      decided: s.decided,
      consistent: s.consistent,
      agreement: jsonNum(s.selfAgreement),
    })),
  };
}

/**
 * When the run has a ratings.csv: writes agreement.csv (per task × metric) and raters.csv (per task × rater) through
 * `write`, and returns the summary.json field. Without ratings: undefined.
 */
export function writeRaterAgreement(
  table: ScoreTable,
  options: { seed: number; reps: number },
  write: (name: string, content: string) => void,
): RaterAgreementSummary | undefined {
  const file = ratingsFileOf(table);
  if (!file) return undefined;
  const result = raterAgreement(table, file, options);
  write('agreement.csv', stringify(result.metrics.map(metricRow), { header: true, columns: AGREEMENT_CSV_COLUMNS }));
  write(
    'raters.csv',
    stringify(
      result.tasks.flatMap((t) => t.self.map((s) => [t.task, spreadsheetSafe(s.rater), t.ratings, s.repeated, s.decided, s.consistent, num(s.selfAgreement)])),
      { header: true, columns: ['task', 'rater', 'task_ratings', 'repeated', 'repeated_decided', 'consistent', 'self_agreement'] },
    ),
  );
  return {
    ratings_file: file,
    files: ['agreement.csv', 'raters.csv'],
    metrics: result.metrics.map((m) => ({
      task: m.task,
      metric: m.metric,
      model: m.model,
      decided: m.decided,
      agreement: jsonNum(m.agreement),
      ci: [jsonNum(m.ciLow), jsonNum(m.ciHigh)],
      metric_ties: m.metricTies,
      cant_tell: m.cantTell,
      tau_b: jsonNum(m.tauB),
      tau_p: jsonNum(m.tauP),
    })),
    tasks: result.tasks.map(taskSummary),
  };
}
