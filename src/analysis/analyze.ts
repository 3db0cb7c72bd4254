import { sha256 } from '../store/hash.js';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { writeFileAtomic } from '../run/atomic-write.js';
import { parseYamlFile } from '../sweep/load.js';
import { spreadsheetSafe } from '../report/csv-safe.js';
import { metricFor } from '../../metrics/registry.js';
import { TOOL_VERSION } from '../version.js';
import { cellEstimates, type CellEstimate } from './cells.js';
import { chooseBest, chooseCsv, type ChooseOptions, type ChooseResult } from './choose.js';
import { evaluateCompare, evaluateCorrelation, evaluateDoseResponse, evaluateEquivalence, evaluateNonInferiority, type ClaimContext } from './claims/index.js';
import { writeRaterAgreement, type RaterAgreementSummary } from './agreement-files.js';
import { analyzeEmbeddings, runEncoder, type EmbeddingAnalysis } from './embedding-analysis.js';
import { claimType, HypothesesSchema, isCompound, type ChooseSection, type Claim, type Hypothesis } from './hypothesis-schema.js';
import { UserError } from '../errors.js';
import { SweepSchema, type PromptKind } from '../sweep/schema.js';
import { ancestorsOf } from '../sweep/lineage.js';
import { levelsOf, loadScoreTable, metricsOf, type ScoreTable } from '../run/score-table.js';
import { canonicalLevel } from '../sweep/level.js';
import { canonicalCosts } from '../run/factor-costs.js';
import type { z } from 'zod';
import { joinNotes, type CiMethod, type TestRow } from './test-row.js';
import { mixedPromptsNote } from './concept-prompts.js';
import { validateClaims } from './validate-claims.js';
import { WORTH_IT_RULE, worthItDirection, worthItSummary, type WorthItClaim, type WorthItSummary } from './claims/worth-it.js';
import { VARIANCE_MODEL, varianceCsv, varianceDecompositions, type VarianceDecomposition } from './variance-decomposition.js';
import { COMPOUND_VERDICT_RULE, compoundVerdict, hypothesisVerdict, VERDICT_RULE, type HypothesisVerdict } from './verdict.js';

export interface AnalyzeOptions {
  /** Run folder or scores.csv. */
  input: string;
  hypotheses?: string;
  /** Output folder; default the run folder (or the scores.csv's folder). */
  out?: string;
  seed?: number;
  /** Bootstrap replicates. */
  reps?: number;
  /** CI method of cell and test estimates: t over prompt means (default) or the prompt bootstrap. */
  ci?: CiMethod;
  /**
   * Pick the best level combination of these factors (e.g. checkpoint, weight): writes choose.csv. Overrides the
   * hypotheses file's choose: section field by field (each floor by itself).
   */
  choose?: Partial<Pick<ChooseOptions, 'factors' | 'metric' | 'floors'>>;
  /** sweep.yaml whose models: (ancestry) and costs: the claims use, for a scores.csv without its run.json. */
  sweep?: string;
}

export interface HypothesisResult extends HypothesisVerdict {
  id: string;
  /** The numbered claim of the study it states, when the file says. */
  claim?: string;
  type: string;
  metric: string;
  description?: string;
  /** The unit of inference of its tests: prompt, image or cell. */
  unit: string;
  /** Units K behind each of its tests, in tests.csv order (NaN when a test had none). */
  units: number[];
  /** The parts of a compound (all:) hypothesis, each with its own verdict. */
  parts?: HypothesisResult[];
  /** Whether the gain is worth its GPU-hours, for a claim with worth_it. */
  worth_it?: WorthItSummary;
  /** A claim on a concept metric that mixes concept prompts with others (see mixedPromptsNote). */
  note?: string;
}

export interface AnalyzeResult {
  outDir: string;
  cells: CellEstimate[];
  tests: TestRow[];
  hypotheses: HypothesisResult[];
  embeddings: EmbeddingAnalysis;
  /** The same from the --encoder's embeddings (DINOv2), when the run was scored with one. */
  encoderEmbeddings?: EmbeddingAnalysis;
  /** Agreement of the metrics with people, when the run has a ratings.csv. */
  raterAgreement?: RaterAgreementSummary;
  variance: VarianceDecomposition[];
  choice?: ChooseResult;
  /** The id, claim and description of the hypotheses file's choose: section, when the choice came with one. */
  choiceLabel?: { id?: string; claim?: string; description?: string };
  files: string[];
  /** Outputs of an earlier analysis in the folder that this one does not make, removed so that none outlives its analysis. */
  removed: string[];
}

/** The file's choose: section with the command-line options laid over it; undefined when neither asks for a choice. */
function chooseOptions(
  section: ChooseSection | undefined,
  cli: AnalyzeOptions['choose'],
  file: string | undefined,
): (Pick<ChooseOptions, 'factors' | 'metric' | 'floors' | 'labels'> & { label?: AnalyzeResult['choiceLabel'] }) | undefined {
  if (!section && !cli?.factors) {
    if (cli?.metric !== undefined || cli?.floors !== undefined)
      throw new UserError('--choose-metric and --choose-floor need --choose (or a choose: section in the --hypotheses file)');
    return undefined;
  }
  const at = (field: string, flag: string, fromCli: boolean) => (fromCli || !section ? flag : `${file}: choose.${field}`);
  const floors = section?.floors || cli?.floors ? { ...section?.floors, ...cli?.floors } : undefined;
  return {
    factors: cli?.factors ?? section!.factors,
    metric: cli?.metric ?? section?.metric,
    floors,
    labels: {
      factors: at('factors', '--choose', cli?.factors !== undefined),
      metric: at('metric', '--choose-metric', cli?.metric !== undefined),
      floors:
        section?.floors && cli?.floors ? `--choose-floor or ${file}: choose.floors` : cli?.floors || !section ? '--choose-floor' : `${file}: choose.floors`,
    },
    label: section ? { id: section.id, claim: section.claim, description: section.description } : undefined,
  };
}

const num = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(10)) : '');

function evaluate(claim: Claim, ctx: ClaimContext): TestRow[] {
  switch (claimType(claim)) {
    case 'compare':
      return evaluateCompare(claim as Parameters<typeof evaluateCompare>[0], ctx);
    case 'equivalence':
      return evaluateEquivalence(claim as Parameters<typeof evaluateEquivalence>[0], ctx);
    case 'non_inferiority':
      return evaluateNonInferiority(claim as Parameters<typeof evaluateNonInferiority>[0], ctx);
    case 'correlation':
      return evaluateCorrelation(claim as Parameters<typeof evaluateCorrelation>[0], ctx);
    case 'dose_response':
      return evaluateDoseResponse(claim as Parameters<typeof evaluateDoseResponse>[0], ctx);
  }
}

function cellsCsv(cells: CellEstimate[], table: ScoreTable): string {
  return stringify(
    cells.map((c) => [
      c.metric,
      spreadsheetSafe(c.model),
      ...table.factors.map((f) => spreadsheetSafe(c.levels[f] ?? '')),
      c.n,
      c.prompts,
      num(c.mean),
      num(c.sd),
      num(c.se),
      num(c.ciLow),
      num(c.ciHigh),
      c.ciMethod,
      num(c.ciLevel),
      num(c.transferRatio),
      c.note ?? '',
    ]),
    {
      header: true,
      columns: [
        'metric',
        'model',
        ...table.factors,
        'n',
        'prompts',
        'mean',
        'sd',
        'se',
        'ci_low',
        'ci_high',
        'ci_method',
        'ci_level',
        'transfer_ratio',
        'note',
      ],
    },
  );
}

export const TESTS_CSV_COLUMNS = [
  'hypothesis',
  'metric',
  'test',
  'a',
  'b',
  'where',
  'n',
  'unit',
  'n_units',
  'estimate',
  'ci_low',
  'ci_high',
  'ci_method',
  'ci_level',
  'statistic',
  'p',
  'p_adj',
  'effect',
  'effect_ci_low',
  'effect_ci_high',
  'verdict',
  'per_gpu_hour',
  'per_gpu_hour_ci_low',
  'per_gpu_hour_ci_high',
  'cost_factor',
  'cost_difference_gpu_hours',
  'worth_it_min_gain_per_gpu_hour',
  'worth_it_gain_per_gpu_hour',
  'worth_it_gain_ci_low',
  'worth_it_gain_ci_high',
  'worth_it',
  'note',
];

function testsCsv(tests: TestRow[]): string {
  return stringify(
    tests.map((t) => [
      t.hypothesis,
      t.metric,
      t.test,
      spreadsheetSafe(t.a),
      spreadsheetSafe(t.b),
      spreadsheetSafe(t.where),
      t.n,
      t.unit,
      num(t.nUnits),
      num(t.estimate),
      num(t.ciLow),
      num(t.ciHigh),
      t.ciMethod,
      num(t.ciLevel),
      num(t.statistic),
      num(t.p),
      num(t.pAdj),
      num(t.effect),
      num(t.effectCiLow),
      num(t.effectCiHigh),
      t.verdict,
      num(t.perCost ?? NaN),
      num(t.perCostCiLow ?? NaN),
      num(t.perCostCiHigh ?? NaN),
      t.costFactor ?? '',
      num(t.costDifference ?? NaN),
      num(t.worthItMinGain ?? NaN),
      num(t.worthItGain ?? NaN),
      num(t.worthItGainCiLow ?? NaN),
      num(t.worthItGainCiHigh ?? NaN),
      t.worthIt ?? '',
      t.note ?? '',
    ]),
    { header: true, columns: TESTS_CSV_COLUMNS },
  );
}

/**
 * A --sweep lends its models: and costs: to the run's claims: it must describe the run's design, or costs would be
 * read for levels the run does not have (and missing for those it has).
 */
function requireSweepOfRun(file: string, sweep: z.infer<typeof SweepSchema>, table: ScoreTable): void {
  const mine = Object.keys(sweep.factors);
  if (mine.length !== table.factors.length || mine.some((f) => !table.factors.includes(f)))
    throw new UserError(
      `--sweep ${file}: its factors (${mine.join(', ')}) are not the run's (${table.factors.join(', ')}); give the sweep the run was scored from`,
    );
  for (const factor of table.factors) {
    const declared = new Set(sweep.factors[factor].map((l) => canonicalLevel(String(l))));
    const missing = levelsOf(table, factor).filter((l) => !declared.has(canonicalLevel(l)));
    if (missing.length)
      throw new UserError(`--sweep ${file}: factor ${factor} has no level ${missing.join(', ')}, which the run scored; give the sweep the run was scored from`);
  }
}

/** Files analyze writes only when it has something for them (a choice, ratings, the run's store, an encoder). */
const OPTIONAL_OUTPUTS = [
  'choose.csv',
  'agreement.csv',
  'raters.csv',
  'model-distance.csv',
  'concept-distance.csv',
  'diversity.csv',
  'encoder-concept-distance.csv',
  'encoder-diversity.csv',
];

/**
 * Removes the optional outputs of an earlier analysis that this one did not write (a choose.csv from a run with
 * --choose, analyzed again without): left beside the new summary.json they would pass for its results.
 */
function removeStaleOutputs(outDir: string, written: string[]): string[] {
  const removed: string[] = [];
  for (const name of OPTIONAL_OUTPUTS) {
    const file = join(outDir, name);
    if (written.includes(file) || !existsSync(file)) continue;
    rmSync(file);
    removed.push(file);
  }
  return removed;
}

/**
 * The kinds the --sweep gives the run's prompts (a choice refuses a prompt it needs that the sweep lacks). Where
 * run.json recorded kinds too they must agree: a prompt whose kind changed would move it in or out of the choice.
 */
function promptKindsOfSweep(file: string, sweep: z.infer<typeof SweepSchema>, table: ScoreTable): Record<string, PromptKind> {
  const kinds = Object.fromEntries(sweep.prompts.map((p) => [p.id, p.kind]));
  const recorded = table.promptKinds ?? {};
  const changed = Object.keys(recorded).filter((p) => p in kinds && kinds[p] !== recorded[p]);
  if (changed.length)
    throw new UserError(
      `--sweep ${file}: prompt "${changed[0]}" is of kind ${kinds[changed[0]]}, but the run recorded it as ${recorded[changed[0]]} (run.json sweep.prompt_kinds); give the sweep the run was scored from`,
    );
  return { ...recorded, ...kinds };
}

/**
 * Turns a run's scores into answers: cell estimates with CIs over prompt means, the tests behind each declared
 * hypothesis (prompts as the unit unless a hypothesis says otherwise) with corrected p-values, effect sizes and verdicts, and, when the run's store is at hand,
 * model distances and Vendi diversity. Writes cells.csv, tests.csv,
 * variance.csv (which factor matters), choose.csv (with `choose`) and summary.json.
 */
export function analyze(options: AnalyzeOptions): AnalyzeResult {
  const table = loadScoreTable(options.input);
  const seed = options.seed ?? 1;
  const reps = options.reps ?? 2000;
  const ci = options.ci ?? 't';
  const file = options.hypotheses ? parseYamlFile(resolve(options.hypotheses), HypothesesSchema) : undefined;
  const entries: Hypothesis[] = file?.hypotheses ?? [];
  if (options.sweep) {
    const sweep = parseYamlFile(resolve(options.sweep), SweepSchema);
    requireSweepOfRun(options.sweep, sweep, table);
    table.lineage = sweep.models ?? table.lineage;
    table.costs = sweep.costs ? canonicalCosts(sweep.costs, `--sweep ${options.sweep}`) : table.costs;
    table.promptKinds = promptKindsOfSweep(options.sweep, sweep, table);
  }
  // A circular ancestry is refused before any claim reads it.
  for (const model of Object.keys(table.lineage ?? {})) ancestorsOf(table.lineage!, model, options.sweep ?? 'run.json sweep.models');
  const claims: Claim[] = entries.flatMap((h) => (isCompound(h) ? h.all : [h]));
  if (options.hypotheses) validateClaims(claims, table, options.hypotheses);
  // Before the slower analyses, so that a bad --choose is refused at once.
  const choose = chooseOptions(file?.choose, options.choose, options.hypotheses);
  const choice = choose ? chooseBest(table, { ...choose, seed, reps }) : undefined;

  const outDir = resolve(options.out ?? table.runDir ?? join(table.source, '..'));
  mkdirSync(outDir, { recursive: true });
  const cells = cellEstimates(table, { seed, reps, ci });
  const embeddings = analyzeEmbeddings(table);
  const encoder = runEncoder(table);
  const encoderEmbeddings = encoder ? analyzeEmbeddings(table, 'encoder') : undefined;
  const variance = varianceDecompositions(table, { seed, reps });
  const ctx: ClaimContext = { table, seed, reps, ci, modelDistance: embeddings.available ? embeddings.distance : undefined };
  const tests: TestRow[] = [];
  const resultOf = (claim: Claim): HypothesisResult => {
    const promptNote = mixedPromptsNote(claim, table);
    const rows = evaluate(claim, ctx).map((r) => (promptNote ? { ...r, note: joinNotes(r.note, promptNote) } : r));
    tests.push(...rows);
    const units = [...new Set(rows.map((r) => r.unit))];
    const worthIt = 'worth_it' in claim && claim.worth_it ? claim.worth_it : undefined;
    return {
      id: claim.id,
      ...(claim.claim !== undefined ? { claim: claim.claim } : {}),
      type: claimType(claim),
      metric: claim.metric,
      description: claim.description,
      unit: units.join(', '),
      units: rows.map((r) => r.nUnits),
      ...hypothesisVerdict(rows),
      ...(worthIt ? { worth_it: worthItSummary(rows, worthIt, worthItDirection(claim as WorthItClaim)!) } : {}),
      ...(promptNote ? { note: promptNote } : {}),
    };
  };
  const hypotheses: HypothesisResult[] = entries.map((entry) => {
    if (!isCompound(entry)) return resultOf(entry);
    const parts = entry.all.map(resultOf);
    return {
      id: entry.id,
      ...(entry.claim !== undefined ? { claim: entry.claim } : {}),
      type: 'all',
      metric: [...new Set(parts.map((p) => p.metric))].join(', '),
      description: entry.description,
      unit: [...new Set(parts.flatMap((p) => p.unit.split(', ')))].join(', '),
      units: parts.flatMap((p) => p.units),
      ...compoundVerdict(parts),
      parts,
    };
  });

  const files: string[] = [];
  const outputs: Record<string, string> = {};
  const write = (name: string, content: string) => {
    writeFileAtomic(join(outDir, name), content);
    files.push(join(outDir, name));
    outputs[name] = sha256(content);
  };
  write('cells.csv', cellsCsv(cells, table));
  write('tests.csv', testsCsv(tests));
  const raterAgreement = writeRaterAgreement(table, { seed, reps }, write);
  write('variance.csv', varianceCsv(variance));
  if (choice) write('choose.csv', chooseCsv(choice));
  if (embeddings.available) {
    write(
      'model-distance.csv',
      stringify(
        embeddings.modelDistances.map((d) => [spreadsheetSafe(d.a), spreadsheetSafe(d.b), d.n, num(d.cosineDistance), num(d.frechet)]),
        { header: true, columns: ['a', 'b', 'n', 'cosine_distance', 'frechet'] },
      ),
    );
    write(
      'concept-distance.csv',
      stringify(
        embeddings.conceptDistance.map((d) => [...table.factors.map((f) => spreadsheetSafe(d.levels[f] ?? '')), d.n, num(d.distance)]),
        { header: true, columns: [...table.factors, 'n', 'concept_centroid_distance'] },
      ),
    );
    write(
      'diversity.csv',
      stringify(
        embeddings.diversity.map((d) => [...table.factors.map((f) => spreadsheetSafe(d.levels[f] ?? '')), spreadsheetSafe(d.prompt), d.n, num(d.vendi)]),
        { header: true, columns: [...table.factors, 'prompt', 'n', 'vendi'] },
      ),
    );
  }
  if (encoderEmbeddings?.available) {
    // The same tables from the --encoder's embeddings (DINOv2), beside CLIP's.
    write(
      'encoder-concept-distance.csv',
      stringify(
        encoderEmbeddings.conceptDistance.map((d) => [...table.factors.map((f) => spreadsheetSafe(d.levels[f] ?? '')), d.n, num(d.distance)]),
        { header: true, columns: [...table.factors, 'n', 'concept_centroid_distance'] },
      ),
    );
    write(
      'encoder-diversity.csv',
      stringify(
        encoderEmbeddings.diversity.map((d) => [...table.factors.map((f) => spreadsheetSafe(d.levels[f] ?? '')), spreadsheetSafe(d.prompt), d.n, num(d.vendi)]),
        { header: true, columns: [...table.factors, 'prompt', 'n', 'vendi'] },
      ),
    );
  }
  const removed = removeStaleOutputs(outDir, files);
  const summary = {
    tool: { name: 'lora-eval', version: TOOL_VERSION },
    created: new Date().toISOString(),
    source: table.source,
    // What report checks the run's scores.csv against, so that an analysis of earlier scores is never reported as this one.
    analyzed_scores: { file: table.source, rows: table.rows.length, sha256: sha256(readFileSync(table.source)) },
    // sha256 of each file written beside it: report refuses a cells.csv or tests.csv of another analysis (one that
    // stopped before writing its summary.json) or edited since.
    outputs,
    provenance: table.run
      ? { tool: table.run.tool, sweep: table.run.sweep, models: table.run.models, model_files: table.run.model_files ?? [], scores: table.run.scores ?? null }
      : null,
    settings: {
      seed,
      bootstrap_reps: reps,
      ci_method: ci,
      ci_level: 0.95,
      unit_of_inference:
        'prompt: paired tests, TOST, non-inferiority and dose-response run across per-prompt values (the mean over seeds; K − 1 df) unless a hypothesis says unit: image; Spearman runs over cells',
      hypotheses: options.hypotheses ? resolve(options.hypotheses) : null,
      verdict_rule: VERDICT_RULE,
      compound_verdict_rule: COMPOUND_VERDICT_RULE,
      worth_it_rule: WORTH_IT_RULE,
      costs: table.costs ?? null,
    },
    factors: table.factors,
    metrics: metricsOf(table).map((name) => {
      const def = metricFor(name);
      return { name, unit: def?.unit ?? null, higher_is_better: def?.higherIsBetter ?? null, aggregation: def?.aggregation ?? 'mean' };
    }),
    cells: cells.length,
    hypotheses,
    model_distance: embeddings.available ? embeddings.modelDistances : { unavailable: embeddings.reason },
    variance: {
      file: 'variance.csv',
      model: VARIANCE_MODEL,
      metrics: variance.map((v) => ({
        metric: v.metric,
        model: v.model,
        factors: v.factors,
        n: v.n,
        prompts: v.prompts,
        ...(v.unavailable ? { unavailable: v.unavailable } : { terms: v.terms, residual: v.residual, total_ss: v.totalSs, bootstrap: v.bootstrap }),
        ...(v.note ? { note: v.note } : {}),
      })),
    },
    choose: choice
      ? {
          file: 'choose.csv',
          ...choose?.label,
          factors: choice.factors,
          within: choice.groupFactors,
          metric: choice.metric,
          model: choice.model,
          floors: choice.floors,
          rule: choice.rule,
          bootstrap_reps: choice.reps,
          test: choice.test,
          groups: choice.groups,
          candidates: choice.candidates,
          notes: choice.notes,
        }
      : null,
    diversity: embeddings.available ? { rows: embeddings.diversity.length, file: 'diversity.csv' } : { unavailable: embeddings.reason },
    encoder_embeddings: !encoderEmbeddings
      ? null
      : encoderEmbeddings.available
        ? {
            model: encoder,
            diversity: { rows: encoderEmbeddings.diversity.length, file: 'encoder-diversity.csv' },
            concept_distance: { file: 'encoder-concept-distance.csv' },
          }
        : { model: encoder, unavailable: encoderEmbeddings.reason },
    rater_agreement: raterAgreement ?? null,
  };
  write('summary.json', JSON.stringify(summary, null, 2) + '\n');
  return { outDir, cells, tests, hypotheses, embeddings, encoderEmbeddings, raterAgreement, variance, choice, choiceLabel: choose?.label, files, removed };
}
