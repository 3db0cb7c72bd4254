import { stringify } from 'csv-stringify/sync';
import { spreadsheetSafe } from '../report/csv-safe.js';
import { metricFor } from '../../metrics/registry.js';
import { UserError } from '../errors.js';
import type { ScoreTable } from '../run/score-table.js';
import type { ScoreRow } from '../run/scores-csv.js';
import { MIN_BOOTSTRAP_BLOCKS } from '../stats/anova-type2.js';
import { createRng, deriveSeed, quantileSorted } from '../stats/index.js';
import { sharedLevels } from './shared-levels.js';
import {
  CHOICE_ALPHA,
  CHOICE_CORRECTION,
  CHOICE_TEST,
  choiceStatusText,
  choiceVerdict,
  testChoices,
  type ChoiceComparison,
  type ChoiceStatus,
} from './choice-test.js';

/** Metrics whose floor defaults to their weight-0 mean minus the metric's regression margin. */
export const RELATIVE_FLOOR_METRICS = ['prompt_fidelity'];
/**
 * Metrics that need a stated floor when the run has them. base_preservation compares an image with its own weight-0
 * image, so its weight-0 value is 1 by construction: a floor relative to it (1 − 0.01) excludes any LoRA that does
 * anything, and how far an unrelated image may move is the user's call, on a scale set by the encoder.
 */
export const REQUIRED_FLOOR_METRICS = ['base_preservation'];
/** Concept fidelity metrics, in order of preference, when --choose-metric is not given. */
export const CHOOSE_METRICS = ['concept_detection', 'concept_similarity'];

export const CHOOSE_RULE =
  'Among the combinations of the chosen factors (LoRA images only, pooled over the other factors, per level of any other LoRA factor such as base), ' +
  'pick the highest mean of the concept metric over the prompts of kind concept only (on a style or unrelated prompt a detection of the concept is leakage, not fidelity) among those whose floors all hold, ' +
  'each floor on the prompts its metric is scored on (prompt fidelity on every prompt, base preservation on the unrelated ones): prompt fidelity must not fall below its weight-0 mean on the same prompts by more than ' +
  "the metric's regression margin unless an absolute floor is given; base preservation needs a stated absolute floor (its weight-0 value is 1 by construction, so no floor follows from it). " +
  'A choice is clear only when the chosen candidate is better than every other feasible candidate of its group by a paired t test across prompts (each prompt the mean of its paired differences), two-sided, Holm-corrected over every comparison of every group at 0.05; otherwise it is the highest mean but not distinguishable from the candidates named. ' +
  'P(best) is the share of prompt bootstrap replicates (prompts resampled within the prompts of each kind, every mean and floor recomputed) in which a candidate is the feasible one with the highest mean, a tie shared equally; it is a per-group figure without correction for the number of groups, not a test. ' +
  "Floors rather than an F-score of concept and prompt fidelity (deepghs' automatic checkpoint choice): a weighted score lets a gain in concept buy any loss of prompt fidelity, a floor says how much loss is acceptable.";

export interface FloorSpec {
  metric: string;
  /** 'relative': weight-0 mean − margin; 'absolute': a given value. */
  kind: 'relative' | 'absolute';
  /** The margin below the weight-0 mean, or the absolute floor. */
  value: number;
}

export interface ChooseOptions {
  /** Factors to choose a level of (e.g. checkpoint, weight). */
  factors: string[];
  /** Concept fidelity metric to maximize; default concept_detection, else concept_similarity. */
  metric?: string;
  /** Absolute floors replacing the relative default for a metric; null: no floor on it. */
  floors?: Record<string, number | null>;
  /** How the caller names the factors, metric and floors in messages (default: the CLI options). */
  labels?: { factors: string; metric: string; floors: string };
  seed?: number;
  reps?: number;
  level?: number;
}

export interface FloorCheck {
  metric: string;
  /** Candidate's mean of the floor metric. */
  mean: number;
  /** The floor it must reach (weight-0 mean − margin, or the absolute floor). */
  floor: number;
  pass: boolean;
}

export interface ChooseCandidate {
  /** Levels of the other LoRA factors this choice is made within (e.g. { base: 'nai' }); {} when none. */
  group: Record<string, string>;
  levels: Record<string, string>;
  prompts: number;
  /** Mean over prompts of the concept metric, with its prompt bootstrap percentile CI. */
  mean: number;
  ciLow: number;
  ciHigh: number;
  floors: FloorCheck[];
  feasible: boolean;
  pFeasible: number;
  pBest: number;
  chosen: boolean;
}

export interface ChooseGroup {
  group: Record<string, string>;
  /** Levels of the chosen candidate; null when no candidate met every floor. */
  chosen: Record<string, string> | null;
  /** Whether the chosen candidate is shown to be better than every other feasible one (clear) or not. */
  status: ChoiceStatus;
  /** The status in words, naming the candidates the chosen one is not distinguishable from, with p_adj. */
  statusText: string;
  /** The chosen candidate against each other feasible candidate of the group. */
  comparisons: ChoiceComparison[];
  /** Per-group share of replicates the chosen candidate was best in; not corrected for the number of groups. */
  pBest: number;
  /** Share of replicates where no candidate met every floor. */
  pNone: number;
  /** Floor metrics no candidate of the group meets (why nothing was chosen, when nothing was). */
  unmetFloors: string[];
}

export interface ChooseResult {
  factors: string[];
  groupFactors: string[];
  metric: string;
  model: string;
  floors: FloorSpec[];
  rule: string;
  reps: number;
  level: number;
  /** The test behind each group's status and its correction. */
  test: { method: string; alpha: number; correction: string; comparisons: number };
  candidates: ChooseCandidate[];
  groups: ChooseGroup[];
  notes: string[];
}

/** Per prompt, the mean over cells of each cell's mean over seeds: every cell weighs the same. */
function promptValues(rows: ScoreRow[], factors: string[]): Map<string, number> {
  const cells = new Map<string, { prompt: string; sum: number; n: number }>();
  for (const r of rows) {
    const key = JSON.stringify([...factors.map((f) => r.levels[f] ?? ''), r.prompt]);
    const c = cells.get(key) ?? { prompt: r.prompt, sum: 0, n: 0 };
    c.sum += r.value;
    c.n++;
    cells.set(key, c);
  }
  const perPrompt = new Map<string, { sum: number; n: number }>();
  for (const c of cells.values()) {
    const p = perPrompt.get(c.prompt) ?? { sum: 0, n: 0 };
    p.sum += c.sum / c.n;
    p.n++;
    perPrompt.set(c.prompt, p);
  }
  return new Map([...perPrompt].map(([prompt, p]) => [prompt, p.sum / p.n]));
}

/** Mean over prompts, each counted as often as the resample drew it; NaN when none was drawn. */
function weightedMean(values: Map<string, number>, counts: Map<string, number>): number {
  let sum = 0;
  let n = 0;
  for (const [prompt, v] of values) {
    const c = counts.get(prompt) ?? 0;
    sum += c * v;
    n += c;
  }
  return n ? sum / n : NaN;
}

/**
 * The prompts of kind concept among those scored with the concept metric, and the others (left out of the choice).
 * Without recorded kinds the choice would average leakage into the concept metric, so it is refused.
 */
function conceptPromptsOf(table: ScoreTable, metric: string, label: string): { prompts: Set<string>; leftOut: string[] } {
  const scored = [...new Set(table.rows.filter((r) => r.metric === metric).map((r) => r.prompt))];
  const kinds = table.promptKinds;
  if (!kinds)
    throw new UserError(
      `${label}: ${table.source} comes without prompt kinds (run.json sweep.prompt_kinds, recorded by "lora-eval score"), and the choice averages ${metric} over the concept prompts only: score the run again, or give analyze --sweep the sweep it was scored from`,
    );
  const unknown = scored.filter((p) => !(p in kinds));
  if (unknown.length)
    throw new UserError(
      `${label}: prompt ${unknown.map((p) => `"${p}"`).join(', ')} has ${metric} scores but no recorded kind (run.json sweep.prompt_kinds or the --sweep's prompts); give analyze --sweep the sweep the run was scored from`,
    );
  const prompts = new Set(scored.filter((p) => kinds[p] === 'concept'));
  if (prompts.size === 0)
    throw new UserError(
      `${label}: none of the ${scored.length} prompts with ${metric} is of kind concept (they are ${[...new Set(scored.map((p) => kinds[p]))].join(', ')}); the choice maximizes ${metric} on concept prompts, where the LoRA is asked for`,
    );
  return { prompts, leftOut: scored.filter((p) => !prompts.has(p)) };
}

const key = (levels: Record<string, string>, factors: string[]) => JSON.stringify(factors.map((f) => levels[f] ?? ''));

/**
 * The best level combination of `factors` for concept fidelity under floors on prompt fidelity and base preservation,
 * with the probability that each candidate is the best from a bootstrap that resamples prompts.
 */
export function chooseBest(table: ScoreTable, options: ChooseOptions): ChooseResult {
  const label = options.labels ?? { factors: '--choose', metric: '--choose-metric', floors: '--choose-floor' };
  const factors = [...new Set(options.factors)];
  if (factors.length === 0) throw new UserError(`${label.factors}: name at least one factor (e.g. checkpoint,weight)`);
  for (const f of factors) {
    if (!table.factors.includes(f)) throw new UserError(`${label.factors}: the run has no factor "${f}" (its factors: ${table.factors.join(', ')})`);
  }
  const present = new Set(table.rows.map((r) => r.metric));
  const metric = options.metric ?? CHOOSE_METRICS.find((m) => present.has(m));
  if (!metric) throw new UserError(`${label.factors}: the run has none of ${CHOOSE_METRICS.join(', ')}; name the concept metric with ${label.metric}`);
  if (!present.has(metric)) throw new UserError(`${label.metric}: the run has no "${metric}" rows (its metrics: ${[...present].join(', ')})`);
  const stated = options.floors ?? {};
  for (const m of Object.keys(stated)) {
    if (!present.has(m)) throw new UserError(`${label.floors}: the run has no "${m}" rows (its metrics: ${[...present].join(', ')})`);
  }
  for (const m of REQUIRED_FLOOR_METRICS) {
    if (present.has(m) && m !== metric && !(m in stated))
      throw new UserError(
        `${label.floors}: ${m} needs a stated floor (its weight-0 value is 1 by construction, so no default follows from it), e.g. ${label.floors.startsWith('--') ? `${m}=0.9; ${m}=none` : `{ ${m}: 0.9 }; { ${m}: none }`} chooses without one`,
      );
  }
  // Maximizing and floors from below are only right for metrics where higher is better.
  for (const m of [metric, ...Object.keys(stated)]) {
    if (metricFor(m)?.higherIsBetter === false) {
      throw new UserError(`${label.factors}: ${m} is lower-is-better in the metric registry; choosing maximizes and sets floors from below`);
    }
  }
  const notes: string[] = [];
  const isNative = (r: ScoreRow) =>
    (r.levels.weight !== undefined && r.levels.weight !== '' && Number(r.levels.weight) === 0) || table.loraFactors.some((f) => (r.levels[f] ?? '') === '');
  const groupFactors = table.loraFactors.filter((f) => !factors.includes(f) && f !== 'weight');
  const models = [...new Set(table.rows.filter((r) => r.metric === metric).map((r) => r.model))];
  const model = models[0];
  if (models.length > 1) notes.push(`${metric} is scored by ${models.length} models; choosing by ${model}`);

  const floorMetrics = [...new Set([...RELATIVE_FLOOR_METRICS.filter((m) => present.has(m)), ...Object.keys(stated)])].filter(
    (m) => m !== metric && stated[m] !== null,
  );
  for (const m of [...RELATIVE_FLOOR_METRICS, ...REQUIRED_FLOOR_METRICS]) {
    if (!present.has(m)) notes.push(`no floor on ${m}: the run has no ${m} rows`);
    else if (stated[m] === null) notes.push(`no floor on ${m}: none was asked for`);
  }
  const floors: FloorSpec[] = floorMetrics.map((m) =>
    typeof stated[m] === 'number'
      ? { metric: m, kind: 'absolute', value: stated[m] }
      : { metric: m, kind: 'relative', value: metricFor(m)?.regressionMargin ?? 0 },
  );
  const rowsOf = (m: string) => {
    const ms = [...new Set(table.rows.filter((r) => r.metric === m).map((r) => r.model))];
    return table.rows.filter((r) => r.metric === m && r.model === (m === metric ? model : ms[0]) && Number.isFinite(r.value));
  };

  // Candidates: every combination of the chosen factors (and group) that has LoRA rows of the concept metric on a
  // concept prompt. concept_detection is scored on every prompt, and on an unrelated prompt a detection is leakage.
  const concept = conceptPromptsOf(table, metric, label.factors);
  if (concept.leftOut.length)
    notes.push(
      `${metric} is averaged over the ${concept.prompts.size} concept prompts; ${concept.leftOut.length} prompt(s) of other kinds left out (${concept.leftOut.join(', ')})`,
    );
  const loraRows = rowsOf(metric).filter((r) => !isNative(r) && concept.prompts.has(r.prompt));
  if (loraRows.length === 0) throw new UserError(`--choose: no ${metric} rows with a LoRA applied (weight > 0) on a concept prompt`);
  const candidateKeys = new Map<string, { group: Record<string, string>; levels: Record<string, string> }>();
  for (const r of loraRows) {
    const group = Object.fromEntries(groupFactors.map((f) => [f, r.levels[f]]));
    const levels = Object.fromEntries(factors.map((f) => [f, r.levels[f]]));
    candidateKeys.set(key({ ...group, ...levels }, [...groupFactors, ...factors]), { group, levels });
  }
  const matches = (r: ScoreRow, c: { group: Record<string, string>; levels: Record<string, string> }) =>
    !isNative(r) && groupFactors.every((f) => r.levels[f] === c.group[f]) && factors.every((f) => r.levels[f] === c.levels[f]);
  const otherFactors = table.factors.filter((f) => !factors.includes(f) && !groupFactors.includes(f));

  // Candidates of a group are compared over the levels of the other factors they all have (see sharedLevels).
  const keptWithin = new Map<string, (r: ScoreRow) => boolean>();
  const byGroup = new Map<string, { group: Record<string, string>; levels: Record<string, string> }[]>();
  for (const c of candidateKeys.values()) byGroup.set(key(c.group, groupFactors), [...(byGroup.get(key(c.group, groupFactors)) ?? []), c]);
  for (const [g, members] of byGroup) {
    const within = groupFactors.length ? groupFactors.map((f) => `${f}=${members[0].group[f]}`).join(', ') : '';
    const shared = sharedLevels(
      members.map((c) => ({ label: factors.map((f) => `${f}=${c.levels[f]}`).join(' '), rows: loraRows.filter((r) => matches(r, c)) })),
      otherFactors,
      [],
      'every candidate',
    );
    if (shared.disjoint)
      throw new UserError(
        `${label.factors}: the candidates${within ? ` within ${within}` : ''} are averaged over ${otherFactors.join(', ')}, but ${shared.disjoint}`,
      );
    if (shared.note) notes.push(within ? `within ${within}: ${shared.note}` : shared.note);
    keptWithin.set(g, shared.keeps);
  }
  const inShared = (r: ScoreRow, c: { group: Record<string, string> }) => keptWithin.get(key(c.group, groupFactors))!(r);
  const floorRows = new Map(floorMetrics.map((m) => [m, rowsOf(m)]));
  const candidates = [...candidateKeys.values()]
    .map((c) => ({
      ...c,
      rows: loraRows.filter((r) => matches(r, c) && inShared(r, c)),
    }))
    .map((c) => ({
      ...c,
      values: promptValues(c.rows, otherFactors),
      floorValues: floorMetrics.map((m) =>
        promptValues(
          floorRows.get(m)!.filter((r) => matches(r, c) && inShared(r, c)),
          otherFactors,
        ),
      ),
    }));
  // The weight-0 reference covers the levels of the other factors (target, resolution, …) the candidates are compared on.
  const comparedRows = loraRows.filter((r) => inShared(r, { group: Object.fromEntries(groupFactors.map((g) => [g, r.levels[g]])) }));
  const comparedLevels = new Map(otherFactors.filter((f) => f !== 'weight').map((f) => [f, new Set(comparedRows.map((r) => r.levels[f] ?? ''))]));
  const inComparedLevels = (r: ScoreRow) => [...comparedLevels].every(([f, levels]) => (r.levels[f] ?? '') === '' || levels.has(r.levels[f]));
  // The weight-0 reference of a relative floor: native images of the same prompts.
  const references = floors.map((f) => {
    if (f.kind === 'absolute') return undefined;
    const native = floorRows.get(f.metric)!.filter((r) => isNative(r) && inComparedLevels(r));
    if (native.length === 0) {
      notes.push(`no weight-0 ${f.metric} rows: its floor is not applied`);
      return undefined;
    }
    return promptValues(native, table.factors);
  });
  const activeFloors = floors.filter((f, i) => f.kind === 'absolute' || references[i] !== undefined);

  const allPrompts = [...new Set([...candidates.flatMap((c) => [...c.values.keys(), ...c.floorValues.flatMap((v) => [...v.keys()])])])];
  const floorOf = (i: number, counts: Map<string, number>) => {
    const f = floors[i];
    const ref = references[i];
    if (f.kind === 'absolute') return f.value;
    if (ref === undefined) return -Infinity;
    return weightedMean(ref, counts) - f.value;
  };
  const evaluate = (counts: Map<string, number>) =>
    candidates.map((c) => {
      const mean = weightedMean(c.values, counts);
      const checks = floors.map((f, i) => {
        const m = weightedMean(c.floorValues[i], counts);
        const floor = floorOf(i, counts);
        // A floor metric the candidate has no rows of cannot be checked; it does not exclude the candidate.
        return { metric: f.metric, mean: m, floor, pass: c.floorValues[i].size === 0 || (Number.isFinite(m) && m >= floor) };
      });
      return { mean, checks, feasible: Number.isFinite(mean) && checks.every((x) => x.pass) };
    });

  const ones = new Map(allPrompts.map((p) => [p, 1]));
  const point = evaluate(ones);
  const groupKey = (c: { group: Record<string, string> }) => key(c.group, groupFactors);
  const groupKeys = [...new Set(candidates.map(groupKey))];
  const best = (results: ReturnType<typeof evaluate>): Map<string, number> => {
    const winners = new Map<string, number>();
    candidates.forEach((c, i) => {
      if (!results[i].feasible) return;
      const g = groupKey(c);
      const w = winners.get(g);
      if (w === undefined || results[i].mean > results[w].mean) winners.set(g, i);
    });
    return winners;
  };
  const pointWinners = best(point);

  const reps = options.reps ?? 2000;
  const level = options.level ?? 0.95;
  const wins = new Array<number>(candidates.length).fill(0);
  const feasibleCount = new Array<number>(candidates.length).fill(0);
  const noneCount = new Map(groupKeys.map((g) => [g, 0]));
  const replicateMeans: number[][] = candidates.map(() => []);
  const rng = createRng(deriveSeed(options.seed ?? 1, `choose:${factors.join(',')}:${metric}`));
  // Prompts are resampled within strata of the metrics they carry (concept prompts, unrelated prompts for
  // base_preservation, …), so that every replicate has as many prompts of each kind as the data.
  const hasMetric = (prompt: string) =>
    JSON.stringify([candidates.some((c) => c.values.has(prompt)), ...floorMetrics.map((_, i) => candidates.some((c) => c.floorValues[i].has(prompt)))]);
  const byKind = new Map<string, string[]>();
  for (const prompt of allPrompts) byKind.set(hasMetric(prompt), [...(byKind.get(hasMetric(prompt)) ?? []), prompt]);
  const strata = [...byKind.values()];
  const conceptPrompts = allPrompts.filter((p) => candidates.some((c) => c.values.has(p))).length;
  const tooFew = conceptPrompts < MIN_BOOTSTRAP_BLOCKS;
  if (tooFew) notes.push(`${conceptPrompts} prompts with ${metric}: P(best) is not estimated (a prompt bootstrap needs ${MIN_BOOTSTRAP_BLOCKS})`);
  const bootstrapReps = tooFew ? 0 : reps;
  for (let b = 0; b < bootstrapReps; b++) {
    const counts = new Map<string, number>();
    for (const stratum of strata) {
      for (let k = 0; k < stratum.length; k++) {
        const p = stratum[rng.int(stratum.length)];
        counts.set(p, (counts.get(p) ?? 0) + 1);
      }
    }
    const results = evaluate(counts);
    results.forEach((r, i) => {
      if (r.feasible) feasibleCount[i]++;
      if (Number.isFinite(r.mean)) replicateMeans[i].push(r.mean);
    });
    const winners = best(results);
    for (const g of groupKeys) {
      const w = winners.get(g);
      if (w === undefined) {
        noneCount.set(g, noneCount.get(g)! + 1);
        continue;
      }
      // Ties (common with 0/1 detections and few prompts) share the replicate instead of crediting the first candidate.
      const tied = candidates.flatMap((c, i) => (groupKey(c) === g && results[i].feasible && results[i].mean === results[w].mean ? [i] : []));
      for (const i of tied) wins[i] += 1 / tied.length;
    }
  }
  const share = (count: number) => (bootstrapReps ? count / bootstrapReps : NaN);
  const chosenSet = new Set(pointWinners.values());
  const out: ChooseCandidate[] = candidates.map((c, i) => {
    const sorted = replicateMeans[i].sort((a, b) => a - b);
    return {
      group: c.group,
      levels: c.levels,
      prompts: c.values.size,
      mean: point[i].mean,
      ciLow: sorted.length >= 2 ? quantileSorted(sorted, (1 - level) / 2) : NaN,
      ciHigh: sorted.length >= 2 ? quantileSorted(sorted, 1 - (1 - level) / 2) : NaN,
      floors: point[i].checks.filter((x) => activeFloors.some((f) => f.metric === x.metric)),
      feasible: point[i].feasible,
      pFeasible: share(feasibleCount[i]),
      pBest: share(wins[i]),
      chosen: chosenSet.has(i),
    };
  });
  const alpha = CHOICE_ALPHA;
  const comparisons = testChoices(
    groupKeys.map((g) => {
      const w = pointWinners.get(g);
      if (w === undefined) return null;
      const others = candidates.filter((c, i) => i !== w && groupKey(c) === g && point[i].feasible);
      return { chosen: candidates[w], others };
    }),
    otherFactors,
    alpha,
  );
  const groups: ChooseGroup[] = groupKeys.map((g, gi) => {
    const w = pointWinners.get(g);
    const verdict = choiceVerdict(w !== undefined, comparisons[gi]);
    const first = candidates.find((c) => groupKey(c) === g)!;
    const mine = out.filter((c) => groupKey(c) === g);
    const unmetFloors = activeFloors.map((f) => f.metric).filter((m) => mine.every((c) => c.floors.some((x) => x.metric === m && !x.pass)));
    return {
      group: first.group,
      chosen: w === undefined ? null : candidates[w].levels,
      status: verdict.status,
      statusText: choiceStatusText(verdict.status, comparisons[gi]),
      comparisons: comparisons[gi],
      pBest: w === undefined ? NaN : out[w].pBest,
      pNone: share(noneCount.get(g)!),
      unmetFloors,
    };
  });
  const test = { method: CHOICE_TEST, alpha, correction: CHOICE_CORRECTION, comparisons: comparisons.flat().filter((c) => Number.isFinite(c.p)).length };
  return { factors, groupFactors, metric, model, floors: activeFloors, rule: CHOOSE_RULE, reps: bootstrapReps, level, test, candidates: out, groups, notes };
}

const num = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(10)) : '');

/**
 * choose.csv: one row per candidate, with its floor checks, P(feasible), P(best), whether it was chosen (with its
 * group's status), and for each other feasible candidate the test against the chosen one.
 */
export function chooseCsv(result: ChooseResult): string {
  const floorColumns = result.floors.flatMap((f) => [`${f.metric}_mean`, `${f.metric}_floor`]);
  const sameLevels = (a: Record<string, string>, b: Record<string, string>, fs: string[]) => fs.every((f) => (a[f] ?? '') === (b[f] ?? ''));
  const groupOf = (c: ChooseCandidate) => result.groups.find((g) => sameLevels(g.group, c.group, result.groupFactors))!;
  const rows = result.candidates.map((c) => {
    const group = groupOf(c);
    const vs = group.comparisons.find((x) => sameLevels(x.levels, c.levels, result.factors));
    return [
      ...result.groupFactors.map((f) => spreadsheetSafe(c.group[f] ?? '')),
      ...result.factors.map((f) => spreadsheetSafe(c.levels[f] ?? '')),
      result.metric,
      c.prompts,
      num(c.mean),
      num(c.ciLow),
      num(c.ciHigh),
      ...result.floors.flatMap((f) => {
        const check = c.floors.find((x) => x.metric === f.metric);
        return [num(check?.mean ?? NaN), num(check?.floor ?? NaN)];
      }),
      String(c.feasible),
      num(c.pFeasible),
      num(c.pBest),
      String(c.chosen),
      c.chosen ? group.status : '',
      num(vs?.difference ?? NaN),
      num(vs?.p ?? NaN),
      num(vs?.pAdj ?? NaN),
    ];
  });
  return stringify(rows, {
    header: true,
    columns: [
      ...result.groupFactors,
      ...result.factors,
      'metric',
      'prompts',
      'mean',
      'ci_low',
      'ci_high',
      ...floorColumns,
      'feasible',
      'p_feasible',
      'p_best',
      'chosen',
      'status',
      'difference_to_chosen',
      'p_vs_chosen',
      'p_adj_vs_chosen',
    ],
  });
}
