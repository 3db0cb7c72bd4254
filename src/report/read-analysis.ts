import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CsvError, parse } from 'csv-parse/sync';
import type { CellEstimate } from '../analysis/cells.js';
import type { ChooseCandidate, ChooseGroup, ChooseResult, FloorSpec } from '../analysis/choose.js';
import type { AnovaTerm } from '../stats/anova-type2.js';
import type { CiMethod, TestRow, TestUnit, Verdict, WorthItVerdict } from '../analysis/test-row.js';
import type { WorthItSummary } from '../analysis/claims/worth-it.js';
import { UserError } from '../errors.js';
import { readRunJson } from '../run/run-json.js';
import { readRunScores } from '../run/run-scores.js';
import { sha256 } from '../store/hash.js';
import { fromSpreadsheetSafe as text } from './csv-safe.js';
import { firstNonUtf8Line, NOT_UTF8 } from '../utf8-text.js';

/** The rows of cells.csv and tests.csv, read back as analyze wrote them. */
export type CellRow = CellEstimate;
export type TestCsvRow = TestRow;

export interface HypothesisSummary {
  id: string;
  /** The numbered claim of the study it states, when the hypotheses file says. */
  claim?: string;
  type: string;
  metric: string;
  description?: string;
  verdict: string;
  /** The unit of inference of its tests (absent in analyses written before units were recorded). */
  unit?: string;
  units?: number[];
  tests: number;
  supported: number;
  refuted: number;
  inconclusive: number;
  notRun: number;
  /** The parts of a compound (all:) hypothesis. */
  parts?: HypothesisSummary[];
  /** Whether the gain is worth its GPU-hours, for a claim with worth_it. */
  worth_it?: WorthItSummary;
}

/** summary.json's variance field (absent in analyses written before it existed). Bootstrap bounds are null when not estimated. */
export interface VarianceSummary {
  file: string;
  model: string;
  metrics: {
    metric: string;
    model: string;
    factors: string[];
    n: number;
    prompts: number;
    unavailable?: string;
    note?: string;
    terms?: AnovaTerm[];
    residual?: { df: number; ss: number };
  }[];
}

/** summary.json's choose field (null without --choose). */
export interface ChooseSummary {
  file: string;
  /** From the hypotheses file's choose: section, when the choice came with one. */
  id?: string;
  claim?: string;
  description?: string;
  factors: string[];
  within: string[];
  metric: string;
  model: string;
  floors: FloorSpec[];
  rule: string;
  bootstrap_reps: number;
  /** The test behind each group's status: method, family-wise alpha, correction and the number of comparisons corrected together. */
  test: ChooseResult['test'];
  /** Per group: the choice, its status (clear, not distinguishable, untested, only feasible, none) and its comparisons. */
  groups: ChooseGroup[];
  candidates: ChooseCandidate[];
  notes: string[];
}

export interface Analysis {
  runDir: string;
  factors: string[];
  cells: CellRow[];
  tests: TestCsvRow[];
  summary: {
    created: string;
    source: string;
    /** The scores.csv the analysis read (absent in analyses written before it was recorded). */
    analyzed_scores?: { file: string; rows: number; sha256: string };
    /** sha256 of each file analyze wrote beside summary.json (absent in analyses written before it was recorded). */
    outputs?: Record<string, string>;
    provenance: {
      tool?: { version?: string; git?: string };
      sweep?: { name?: string; sha256?: string; file?: string };
      models?: { file: string; sha256: string }[];
    } | null;
    settings: {
      seed: number;
      bootstrap_reps: number;
      verdict_rule: string;
      compound_verdict_rule?: string;
      worth_it_rule?: string;
      ci_method?: string;
      ci_level?: number;
      unit_of_inference?: string;
    };
    factors: string[];
    metrics: { name: string; unit: string | null; higher_is_better: boolean | null }[];
    hypotheses: HypothesisSummary[];
    variance?: VarianceSummary;
    choose?: ChooseSummary | null;
  };
}

const num = (v: string) => (v === '' ? NaN : Number(v));
const ciMethod = (v: string | undefined): CiMethod | '' => (v === 't' || v === 'prompt bootstrap' ? v : '');

function readCsv(file: string): Record<string, string>[] {
  const bytes = readFileSync(file);
  const badLine = firstNonUtf8Line(bytes);
  if (badLine !== undefined) throw new UserError(`${file}:${badLine}: ${NOT_UTF8}; run "lora-eval analyze" again`);
  try {
    return parse(bytes.toString('utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  } catch (e) {
    if (e instanceof CsvError) throw new UserError(`${file}: malformed CSV (truncated or damaged file?): ${e.message}; run "lora-eval analyze" again`);
    throw e;
  }
}

function readJson<T>(file: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (e) {
    if (e instanceof SyntaxError) throw new UserError(`${file}: malformed JSON (truncated or damaged file?): ${e.message}; run "lora-eval analyze" again`);
    throw e;
  }
}

/** The worth-it columns of a tests.csv row, when its claim had worth_it (older analyses have none). */
function worthItColumns(r: Record<string, string>): Partial<TestRow> {
  const verdict = r.worth_it;
  if (verdict !== 'worth it' && verdict !== 'not worth it' && verdict !== 'inconclusive') return {};
  const gain = num(r.worth_it_gain_per_gpu_hour ?? '');
  return {
    worthIt: verdict as WorthItVerdict,
    worthItMinGain: num(r.worth_it_min_gain_per_gpu_hour ?? ''),
    ...(Number.isFinite(gain) ? { worthItGain: gain, worthItGainCiLow: num(r.worth_it_gain_ci_low), worthItGainCiHigh: num(r.worth_it_gain_ci_high) } : {}),
  };
}

/**
 * Refuses an analysis of other scores than the run folder's own (re-scored after analyze, or analyzed from
 * elsewhere into this folder): its numbers would be reported beside this run's images and provenance.
 */
function checkAnalysisIsCurrent(runDir: string, analyzed: Analysis['summary']['analyzed_scores']): void {
  if (!analyzed) return;
  const here = join(runDir, 'scores.csv');
  const file = existsSync(here) ? here : analyzed.file;
  if (!existsSync(file)) return;
  const current = sha256(readFileSync(file));
  if (current === analyzed.sha256) return;
  // A scores.csv that no longer matches its own run.json (cut, edited) is the deeper fault: name that one.
  if (file === here) readRunScores(here, readRunJson(runDir), runDir);
  throw new UserError(
    `${join(runDir, 'summary.json')}: the analysis was made from a scores.csv with sha256 ${analyzed.sha256.slice(0, 12)}… (${analyzed.file}), ` +
      `but ${file} is now ${current.slice(0, 12)}…; run "lora-eval analyze" again before reporting`,
  );
}

/** The files of an analysis that report reads besides summary.json. */
const REPORTED_FILES = ['cells.csv', 'tests.csv'];

/**
 * Refuses a cells.csv or tests.csv that is not the one summary.json was written with (an analysis that stopped after
 * writing them, an edit): its numbers would be reported under the other analysis's verdicts and provenance.
 */
function checkOutputsMatchSummary(runDir: string, outputs: Record<string, string> | undefined): void {
  if (!outputs) return;
  for (const name of REPORTED_FILES) {
    const recorded = outputs[name];
    const file = join(runDir, name);
    if (recorded === undefined) throw new UserError(`${join(runDir, 'summary.json')}: records no sha256 of ${name} (outputs); run "lora-eval analyze" again`);
    const current = sha256(readFileSync(file));
    if (current !== recorded)
      throw new UserError(
        `${file}: not the file ${join(runDir, 'summary.json')} was written with (sha256 ${current.slice(0, 12)}…; summary.json records ${recorded.slice(0, 12)}…): ` +
          `it was changed, or written by an analysis that stopped before its summary.json; run "lora-eval analyze" again before reporting`,
      );
  }
}

/** Reads what `lora-eval analyze` wrote into a run folder: cells.csv, tests.csv and summary.json. */
export function readAnalysis(runDir: string): Analysis {
  const missing = ['cells.csv', 'tests.csv', 'summary.json'].filter((f) => !existsSync(join(runDir, f)));
  if (missing.length) throw new UserError(`${runDir}: no ${missing.join(', ')} (run "lora-eval analyze ${runDir}" first)`);
  const summary = readJson<Analysis['summary']>(join(runDir, 'summary.json'));
  checkAnalysisIsCurrent(runDir, summary.analyzed_scores);
  const factors = summary.factors;
  const cells = readCsv(join(runDir, 'cells.csv')).map((r) => ({
    metric: r.metric,
    model: text(r.model),
    levels: Object.fromEntries(factors.map((f) => [f, text(r[f] ?? '')])),
    n: num(r.n),
    prompts: num(r.prompts),
    mean: num(r.mean),
    sd: num(r.sd),
    se: num(r.se),
    ciLow: num(r.ci_low),
    ciHigh: num(r.ci_high),
    ciMethod: ciMethod(r.ci_method),
    ciLevel: num(r.ci_level ?? ''),
    transferRatio: num(r.transfer_ratio),
    note: r.note ?? '',
  }));
  const tests = readCsv(join(runDir, 'tests.csv')).map((r) => ({
    hypothesis: r.hypothesis,
    metric: r.metric,
    test: r.test,
    a: text(r.a),
    b: text(r.b),
    where: text(r.where),
    n: num(r.n),
    unit: (r.unit ?? 'image') as TestUnit,
    nUnits: num(r.n_units ?? ''),
    estimate: num(r.estimate),
    ciLow: num(r.ci_low),
    ciHigh: num(r.ci_high),
    ciMethod: ciMethod(r.ci_method),
    ciLevel: num(r.ci_level ?? ''),
    statistic: num(r.statistic),
    p: num(r.p),
    pAdj: num(r.p_adj),
    effect: num(r.effect),
    effectCiLow: num(r.effect_ci_low),
    effectCiHigh: num(r.effect_ci_high),
    verdict: r.verdict as Verdict,
    ...worthItColumns(r),
    note: r.note ?? '',
  }));
  // After parsing, so that a damaged file is named as damaged; a well-formed one of another analysis is caught here.
  checkOutputsMatchSummary(runDir, summary.outputs);
  return { runDir, factors, cells, tests, summary };
}
