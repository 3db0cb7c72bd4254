import { levelsOf, loadScoreTable, metricsOf, type ScoreTable } from '../run/score-table.js';
import { UserError } from '../errors.js';
import { canonicalLevel } from '../sweep/level.js';
import { metricFor, metricRegistry } from '../../metrics/registry.js';
import { decideMetric } from './decide.js';
import { pairGroups, type Comparison } from './pairing.js';
import { modelChange, modelsOf, settingsChange } from './provenance.js';
import { rescoreCheck, type Tolerance } from './rescore.js';
import type { CheckReport, CheckResult, InconclusivePolicy } from './types.js';

export type { CheckReport, CheckResult, CheckStatus, InconclusivePolicy } from './types.js';

export interface CheckOptions {
  run: string;
  baseline: string;
  /** Metrics to check; default every registered metric of the baseline (tolerance mode: every metric of the baseline). */
  metrics?: string[];
  /** Per-metric margins overriding the registry's regression margins. */
  margins?: Record<string, number>;
  /** Which way is better, for metrics the registry does not know (true: higher is better). */
  higherIsBetter?: Record<string, boolean>;
  /** Factors whose levels form the groups; default every factor (one group per cell). */
  by?: string[];
  alpha?: number;
  /** `--compare factor[=level]`: the factor differs by design; without a level, each baseline level in turn. */
  compare?: { factor: string; level?: string };
  /** What an inconclusive group does to the gate (default fail). */
  inconclusive?: InconclusivePolicy;
  /** Baseline groups (tolerance mode: images) without a counterpart are reported instead of failing. */
  allowMissing?: boolean;
  /** Compare runs scored with different model files. */
  allowModelChange?: boolean;
  /** Exact re-score check instead of the statistical one. */
  tolerance?: Tolerance;
}

const listed = (items: string[], max = 8) => (items.length > max ? `${items.slice(0, max).join(', ')} … (${items.length} in all)` : items.join(', '));

function requireSameFactors(run: ScoreTable, baseline: ScoreTable): void {
  const onlyRun = run.factors.filter((f) => !baseline.factors.includes(f));
  const onlyBase = baseline.factors.filter((f) => !run.factors.includes(f));
  if (onlyRun.length || onlyBase.length)
    throw new UserError(
      `the run and the baseline have different factors: run ${run.factors.join(', ')} (${run.source}); baseline ${baseline.factors.join(', ')} (${baseline.source})`,
    );
}

/** Refuses a comparison in which some factor has no level in common: none of the run's images could pair there. */
function requireCommonLevels(run: ScoreTable, baseline: ScoreTable, factors: string[]): void {
  const disjoint = factors
    .map((f) => ({ f, a: levelsOf(run, f), b: levelsOf(baseline, f) }))
    .filter(({ a, b }) => a.length && b.length && !a.some((l) => b.includes(l)));
  if (!disjoint.length) return;
  const why = disjoint.map(({ f, a, b }) => `factor ${f} has no level in common (run: ${listed(a)}; baseline: ${listed(b)})`).join('; ');
  const hint = disjoint.length === 1 ? `; to compare the run's ${disjoint[0].f} with a baseline level, use --compare ${disjoint[0].f}=<level>` : '';
  throw new UserError(`nothing to compare: ${why}${hint}`);
}

/** Why no image paired, for the exit-2 message when a check compared nothing. */
function explainNoPairs(run: ScoreTable, baseline: ScoreTable, metrics: string[], comparison?: Comparison): string {
  const differs = run.factors
    .filter((f) => f !== comparison?.factor)
    .map((f) => ({ f, a: levelsOf(run, f), b: levelsOf(baseline, f) }))
    .map(({ f, a, b }) => ({ f, common: a.filter((l) => b.includes(l)), a, b }))
    .filter(({ common, a, b }) => common.length < Math.max(a.length, b.length))
    .map(({ f, common, a, b }) => `${f}: ${common.length ? `in common ${listed(common)}` : 'no level in common'} (run: ${listed(a)}; baseline: ${listed(b)})`);
  const prompts = (t: ScoreTable) => [...new Set(t.rows.map((r) => r.prompt))];
  const seeds = (t: ScoreTable) => [...new Set(t.rows.map((r) => r.seed))];
  const common = (a: string[], b: string[]) => a.filter((x) => b.includes(x)).length;
  return [
    `no image of the run pairs with one of the baseline in ${listed(metrics)} (images pair on prompt, seed and every factor${comparison ? ` but ${comparison.factor}` : ''})`,
    ...differs,
    `prompts in common: ${common(prompts(run), prompts(baseline))} of ${prompts(baseline).length}`,
    `seeds in common: ${common(seeds(run), seeds(baseline))} of ${seeds(baseline).length}`,
  ].join('; ');
}

function resolveComparison(run: ScoreTable, baseline: ScoreTable, compare: NonNullable<CheckOptions['compare']>): Comparison {
  const { factor } = compare;
  if (!run.factors.includes(factor)) throw new UserError(`--compare: factor "${factor}" does not exist; factors: ${run.factors.join(', ')}`);
  const baseLevels = levelsOf(baseline, factor);
  if (!levelsOf(run, factor).length) throw new UserError(`--compare: the run has no image with a level of ${factor} (only blank, weight-0 images)`);
  if (compare.level === undefined) return { factor, baselineLevels: baseLevels };
  const level = canonicalLevel(compare.level);
  if (!baseLevels.includes(level))
    throw new UserError(`--compare: the baseline has no ${factor} "${compare.level}"; its levels: ${baseLevels.join(', ') || '(none)'}`);
  return { factor, baselineLevels: [level] };
}

function chooseMetrics(run: ScoreTable, baseline: ScoreTable, options: CheckOptions): { asked: string[]; checked: string[]; problems: string[] } {
  const inBaseline = metricsOf(baseline);
  const inRun = new Set(metricsOf(run));
  const candidates =
    options.metrics ??
    (options.tolerance
      ? options.tolerance.all !== undefined
        ? inBaseline
        : Object.keys(options.tolerance.perMetric)
      : metricRegistry.map((m) => m.name).filter((m) => inBaseline.includes(m)));
  for (const m of candidates) if (!inBaseline.includes(m)) throw new UserError(`metric "${m}" is not in the baseline; its metrics: ${inBaseline.join(', ')}`);
  const missing = candidates.filter((m) => !inRun.has(m));
  return {
    asked: candidates,
    checked: candidates.filter((m) => inRun.has(m)),
    problems: missing.map((m) => `metric ${m} is in the baseline but not in the run (leave it out with --metric to check the others)`),
  };
}

/**
 * Pairs join images by prompt id: an id whose text changed between the runs would pair images of two prompts.
 * Runs scored before the texts were recorded are not compared.
 */
function requireSamePromptTexts(run: ScoreTable, baseline: ScoreTable): void {
  const texts = (t: ScoreTable) => t.run?.sweep?.prompt_texts as Record<string, string> | undefined;
  const [mine, theirs] = [texts(run), texts(baseline)];
  if (!mine || !theirs) return;
  const changed = Object.keys(mine).filter((id) => id in theirs && mine[id] !== theirs[id]);
  if (changed.length)
    throw new UserError(
      `prompt ${changed.map((id) => `"${id}"`).join(', ')} has another text in the run than in the baseline ` +
        `(${changed[0]}: "${mine[changed[0]]}" vs "${theirs[changed[0]]}"): its images are of another prompt; give a changed prompt a new id`,
    );
}

/**
 * The regression gate. Statistical mode pairs every image of a run with the same cell, prompt and seed of a baseline
 * (or, with a comparison, the same position under another level of one factor) and tests per metric and group, with
 * the prompt as the unit, whether the run is worse than the baseline by more than the metric's margin. Tolerance mode
 * checks that the same images, re-scored, kept every score within ε. Whatever the user asked to compare and could
 * not be compared fails the check (or, where nothing could, refuses it).
 */
export function checkRuns(options: CheckOptions): CheckReport {
  const run = loadScoreTable(options.run);
  const baseline = loadScoreTable(options.baseline);
  requireSameFactors(run, baseline);
  requireSamePromptTexts(run, baseline);
  const inconclusive = options.inconclusive ?? 'fail';
  const { asked, checked, problems } = chooseMetrics(run, baseline, options);

  const models = { run: modelsOf(run, checked), baseline: modelsOf(baseline, checked), changed: false };
  const change = [modelChange(models.run, models.baseline), settingsChange(run, baseline, checked)].filter((c) => c !== undefined).join('; ') || undefined;
  if (change && !options.allowModelChange) throw new UserError(`${change}; pass --allow-model-change to compare them anyway`);
  models.changed = change !== undefined;
  const notes: string[] = change ? [`${change} (allowed by --allow-model-change)`] : [];
  const unhashed = (['run', 'baseline'] as const).filter((side) => !models[side].files.length);
  if (unhashed.length)
    notes.push(`no run.json for the ${unhashed.join(' and the ')}: model files and scoring settings not compared, only the scores' model column`);

  const report: CheckReport = {
    mode: options.tolerance ? 'tolerance' : 'statistical',
    run: run.source,
    baseline: baseline.source,
    models,
    inconclusive,
    results: [],
    rescore: [],
    moved: [],
    problems,
    notes,
    passed: false,
  };

  if (options.tolerance) toleranceCheck(report, run, baseline, asked, checked, options);
  else statisticalCheck(report, run, baseline, checked, options);
  return report;
}

/** Reported as a note under --allow-missing, else a problem that fails the check. */
function leftOut(report: CheckReport, allowMissing: boolean | undefined, text: string, allowed: string, hint: string): void {
  if (allowMissing) report.notes.push(`${text}; ${allowed} (--allow-missing)`);
  else report.problems.push(`${text}; ${hint}`);
}

function toleranceCheck(report: CheckReport, run: ScoreTable, baseline: ScoreTable, asked: string[], checked: string[], options: CheckOptions): void {
  const { all, perMetric } = options.tolerance!;
  for (const m of Object.keys(perMetric))
    if (!asked.includes(m)) throw new UserError(`--tolerance names "${m}", which is not checked; checked: ${asked.join(', ')}`);
  for (const m of asked)
    if (all === undefined && perMetric[m] === undefined)
      throw new UserError(`--tolerance: no tolerance for metric "${m}"; give --tolerance <eps> or ${m}=<eps>`);
  const outcome = rescoreCheck(run, baseline, checked, options.tolerance!);
  if (checked.length && outcome.results.every((r) => r.compared === 0))
    throw new UserError(`nothing to compare: no image of the run has the same file (sha256) at the same place in the design as one of the baseline`);
  report.rescore = outcome.results;
  report.moved = outcome.moved;
  if (outcome.missingInRun.length)
    leftOut(
      report,
      options.allowMissing,
      `${outcome.missingInRun.length} baseline images missing in the run: ${listed(outcome.missingInRun, 5)}`,
      'not checked',
      'pass --allow-missing to check without them',
    );
  if (outcome.onlyInRun.length)
    leftOut(
      report,
      options.allowMissing,
      `${outcome.onlyInRun.length} run images not in the baseline: ${listed(outcome.onlyInRun, 5)}`,
      'not checked',
      'refresh the baseline, or pass --allow-missing',
    );
  report.passed = !report.problems.length && report.rescore.every((r) => r.status === 'pass');
}

/** Which way a metric is better: the registry's, or the user's for a metric it does not know; never a guess. */
function metricDirection(metric: string, registered: boolean | undefined, given: boolean | undefined): boolean {
  if (registered !== undefined && given !== undefined && registered !== given)
    throw new UserError(
      `metric "${metric}" is ${registered ? 'higher' : 'lower'}-is-better in the metric registry; --${given ? 'higher' : 'lower'}-is-better contradicts it`,
    );
  const direction = registered ?? given;
  if (direction === undefined)
    throw new UserError(
      `metric "${metric}" is not in the metric registry, so which way is a regression is unknown: give --higher-is-better ${metric} or --lower-is-better ${metric}`,
    );
  return direction;
}

function statisticalCheck(report: CheckReport, run: ScoreTable, baseline: ScoreTable, checked: string[], options: CheckOptions): void {
  const alpha = options.alpha ?? 0.05;
  const comparison = options.compare && resolveComparison(run, baseline, options.compare);
  const otherFactors = run.factors.filter((f) => f !== comparison?.factor);
  requireCommonLevels(run, baseline, otherFactors);
  for (const f of options.by ?? []) if (!run.factors.includes(f)) throw new UserError(`--by: factor "${f}" does not exist; factors: ${run.factors.join(', ')}`);
  const by = (options.by ?? otherFactors).filter((f) => f !== comparison?.factor);
  for (const m of Object.keys(options.margins ?? {}))
    if (!checked.includes(m)) throw new UserError(`--margin names "${m}", which is not checked; checked: ${checked.join(', ')}`);
  for (const [m, higher] of Object.entries(options.higherIsBetter ?? {}))
    if (!checked.includes(m))
      throw new UserError(`--${higher ? 'higher' : 'lower'}-is-better names "${m}", which is not checked; checked: ${checked.join(', ')}`);

  const missing = new Map<string, string[]>();
  const runOnly = new Set<string>();
  for (const metric of checked) {
    const def = metricFor(metric);
    const margin = options.margins?.[metric] ?? def?.regressionMargin;
    if (margin === undefined) throw new UserError(`metric "${metric}" has no default regression margin: give one with --margin ${metric}=<value>`);
    const higherIsBetter = metricDirection(metric, def?.higherIsBetter, options.higherIsBetter?.[metric]);
    const pairing = pairGroups(run, baseline, metric, by, comparison);
    for (const g of pairing.missing) missing.set(g, [...(missing.get(g) ?? []), metric]);
    for (const g of pairing.runOnly) runOnly.add(g);
    const n = pairing.unpaired.length;
    if (n)
      leftOut(
        report,
        options.allowMissing,
        `${metric}: ${n} baseline image${n === 1 ? ' has' : 's have'} no counterpart in the run (${listed(pairing.unpaired, 3)})`,
        'left out',
        'pass --allow-missing to check without them',
      );
    report.results.push(...decideMetric(pairing.groups, { metric, margin, higherIsBetter, alpha }));
  }
  if (checked.length && report.results.length === 0) throw new UserError(`nothing to compare: ${explainNoPairs(run, baseline, checked, comparison)}`);
  for (const [group, metrics] of missing)
    leftOut(
      report,
      options.allowMissing,
      `baseline group ${group} has no image in the run (${metrics.join(', ')})`,
      'not checked',
      'pass --allow-missing to check without it',
    );
  if (runOnly.size) report.notes.push(`not in the baseline, not checked: ${listed([...runOnly], 5)}`);
  report.passed = isPassed(report.results, report.problems, report.inconclusive);
}

function isPassed(results: CheckResult[], problems: string[], inconclusive: InconclusivePolicy): boolean {
  return !problems.length && !results.some((r) => r.status === 'regression' || (r.status === 'inconclusive' && inconclusive === 'fail'));
}
