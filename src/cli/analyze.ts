import type { Command } from 'commander';
import type { TestRow } from '../analysis/test-row.js';
import type { WorthItSummary } from '../analysis/claims/worth-it.js';
import { agreementSentence } from '../analysis/agreement-text.js';
import { TASKS, isTaskName } from '../rate/tasks.js';
import { EXIT, runCommand, UserError } from './errors.js';

const fmtP = (p: number) => (Number.isFinite(p) ? (p < 1e-4 ? p.toExponential(1) : p.toFixed(4)) : '–');

/** One test as analyze prints it: where, how many units of which kind, the corrected p and the verdict or why it did not run. */
export function testLine(t: TestRow): string {
  const units = Number.isFinite(t.nUnits) ? `${t.nUnits} ${t.unit}${t.nUnits === 1 ? '' : 's'}` : `0 ${t.unit}s`;
  const where = t.where || '(all)';
  const result = Number.isFinite(t.p) ? `p_adj ${fmtP(t.pAdj)} ${t.verdict}` : `not run: ${t.note ?? ''}`;
  const perCost = t.perCost !== undefined && Number.isFinite(t.perCost) ? `, ${fmtP(t.perCost)} per GPU-hour of ${t.costFactor}` : '';
  return `${where}: ${t.test.replace(/ \(.*\)$/, '')}, ${units}${t.unit === 'image' ? ' (image-level)' : ''}, ${result}${perCost}${worthItPart(t)}`;
}

const g3 = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(3)).toString() : '–');

/** "; gain 0.012 [0.004, 0.02] per GPU-hour vs min 0.03: NOT WORTH IT" for a claim with worth_it. */
function worthItPart(t: TestRow): string {
  if (!t.worthIt) return '';
  const gain =
    t.worthItGain !== undefined ? `gain ${g3(t.worthItGain)} [${g3(t.worthItGainCiLow!)}, ${g3(t.worthItGainCiHigh!)}] per GPU-hour` : 'no gain per GPU-hour';
  return `; ${gain} vs min ${g3(t.worthItMinGain!)}: ${t.worthIt.toUpperCase()}`;
}

function worthItLine(w: WorthItSummary): string {
  return `worth it? ${w.verdict.toUpperCase()} at ${w.min_gain_per_gpu_hour} per GPU-hour: ${w.worth_it} worth it, ${w.not_worth_it} not, ${w.inconclusive} inconclusive of ${w.tests} test(s)`;
}

function listOption(name: string, value: string): string[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 0) throw new UserError(`${name} needs a comma-separated list, got "${value}"`);
  return items;
}

function floorOption(value: string | undefined): Record<string, number | null> | undefined {
  if (value === undefined) return undefined;
  const floors: Record<string, number | null> = {};
  for (const item of listOption('--choose-floor', value)) {
    const m = /^([\w:.-]+)=(.+)$/.exec(item);
    const v = m?.[2] === 'none' ? null : m ? Number(m[2]) : NaN;
    if (!m || (v !== null && !Number.isFinite(v))) throw new UserError(`--choose-floor: expected metric=number or metric=none, got "${item}"`);
    if (m[1] in floors) throw new UserError(`--choose-floor: ${m[1]} is given twice (${floors[m[1]] ?? 'none'} and ${v ?? 'none'}); give one floor per metric`);
    floors[m[1]] = v;
  }
  return floors;
}

const claimTag = (claim: string | undefined) => (claim !== undefined ? ` [claim ${claim}]` : '');

export function register(program: Command): void {
  program
    .command('analyze')
    .description(
      'cell estimates, paired tests and hypothesis verdicts from a run: writes cells.csv, tests.csv, variance.csv, choose.csv (with --choose) and summary.json',
    )
    .argument('<run>', 'run folder written by "lora-eval score" (or any scores.csv it wrote)')
    .option(
      '--hypotheses <file>',
      'hypotheses.yaml: the claims to test (compare, equivalence, non_inferiority, correlation, dose_response, and all: of several)',
    )
    .option('--sweep <file>', "sweep.yaml whose models: (ancestry) and costs: the claims use (default: what the run's run.json recorded)")
    .option('-o, --out <dir>', 'output folder (default: the run folder)')
    .option('--seed <n>', 'seed of every bootstrap', '1')
    .option('--reps <n>', 'bootstrap replicates', '2000')
    .option('--ci <method>', 'CI of cell and test estimates: t (over prompt means, K − 1 df) or bootstrap (resampling prompts)', 't')
    .option(
      '--choose <factors>',
      'pick the best level combination of these factors for concept fidelity under floors (e.g. checkpoint,weight): writes choose.csv',
    )
    .option('--choose-metric <metric>', 'concept metric --choose maximizes (default concept_detection, else concept_similarity)')
    .option(
      '--choose-floor <metric=value,...>',
      'absolute floors, e.g. base_preservation=0.9 (required when the run has base_preservation; =none for no floor); prompt_fidelity defaults to its weight-0 mean minus its margin',
    )
    .action((run: string, opts) =>
      runCommand(async () => {
        const { analyze } = await import('../analysis/analyze.js');
        const { choiceLine } = await import('../analysis/choice-test.js');
        const seed = Number(opts.seed);
        const reps = Number(opts.reps);
        if (!Number.isInteger(seed)) throw new UserError(`--seed must be an integer, got "${opts.seed}"`);
        if (!Number.isInteger(reps) || reps < 100) throw new UserError(`--reps must be an integer ≥ 100, got "${opts.reps}"`);
        if (opts.ci !== 't' && opts.ci !== 'bootstrap') throw new UserError(`--ci must be "t" or "bootstrap", got "${opts.ci}"`);
        const ci = opts.ci === 't' ? 't' : 'prompt bootstrap';
        // The hypotheses file's choose: section may stand in for --choose; analyze lays these over it.
        const choose = {
          factors: opts.choose !== undefined ? listOption('--choose', opts.choose) : undefined,
          metric: opts.chooseMetric as string | undefined,
          floors: floorOption(opts.chooseFloor),
        };
        const result = analyze({ input: run, hypotheses: opts.hypotheses, out: opts.out, seed, reps, ci, choose, sweep: opts.sweep });
        const out = process.stdout;
        out.write(`${result.cells.length} cell estimates, ${result.tests.length} tests\n`);
        if (!result.embeddings.available) out.write(`model distance and diversity unavailable: ${result.embeddings.reason}\n`);
        for (const h of result.hypotheses) {
          out.write(
            `${h.verdict.toUpperCase().padEnd(12)} ${h.id}${claimTag(h.claim)} (${h.type}, ${h.metric}): ${h.supported} supported, ${h.refuted} refuted, ${h.inconclusive} inconclusive of ${h.tests} test(s)${h.notRun ? `, ${h.notRun} could not run` : ''}\n`,
          );
          if (h.note) out.write(`  note: ${h.note}\n`);
          if (h.worth_it) out.write(`  ${worthItLine(h.worth_it)}\n`);
          for (const part of h.parts ?? []) {
            out.write(`  ${part.verdict.toUpperCase().padEnd(12)} ${part.id} (${part.type}, ${part.metric})\n`);
            if (part.note) out.write(`    note: ${part.note}\n`);
            if (part.worth_it) out.write(`    ${worthItLine(part.worth_it)}\n`);
            for (const t of result.tests.filter((t) => t.hypothesis === part.id)) out.write(`    ${testLine(t)}\n`);
          }
          for (const t of result.tests.filter((t) => t.hypothesis === h.id)) out.write(`  ${testLine(t)}\n`);
        }
        const rated = result.raterAgreement;
        for (const m of rated?.metrics.filter((x) => isTaskName(x.task) && (TASKS[x.task].metrics as readonly string[]).includes(x.metric)) ?? []) {
          out.write(`${agreementSentence(rated!, m)}\n`);
        }
        for (const v of result.variance) {
          if (v.unavailable) continue;
          const top = v.terms.filter((t) => t.term !== 'prompt').sort((a, b) => b.partialEta2 - a.partialEta2)[0];
          if (top)
            out.write(
              `variance ${v.metric} (${v.model}): largest factor term ${top.term}, partial η² ${top.partialEta2.toFixed(3)} ${Number.isFinite(top.partialEta2Low) && Number.isFinite(top.partialEta2High) ? `[${top.partialEta2Low.toFixed(3)}, ${top.partialEta2High.toFixed(3)}]` : `(no CI: ${v.ciMissing ?? 'see variance.csv'})`}\n`,
            );
        }
        if (result.choice) {
          const label = result.choiceLabel;
          const groups = result.choice.groups;
          if (label?.id || label?.claim)
            out.write(
              `CHOICE       ${label.id ?? 'choose'}${claimTag(label.claim)} (${result.choice.factors.join(', ')}, ${result.choice.metric}): ${groups.filter((g) => g.chosen).length} of ${groups.length} group(s) chosen, ${groups.filter((g) => g.status === 'clear').length} clear${label.description ? `: ${label.description}` : ''}\n`,
            );
          for (const g of groups) out.write(`${choiceLine(result.choice.metric, g)}\n`);
          const t = result.choice.test;
          if (groups.some((g) => g.chosen))
            out.write(
              `choose: clear = better than every other feasible candidate by a ${t.method}, ${t.correction} over ${t.comparisons} comparison(s) at ${t.alpha}; P(best) is per group and uncorrected\n`,
            );
          for (const note of result.choice.notes) out.write(`choose: ${note}\n`);
        }
        out.write(`wrote ${result.files.join(', ')}\n`);
        if (result.removed.length) out.write(`removed ${result.removed.join(', ')}: left by an earlier analysis, this one made none\n`);
        return EXIT.ok;
      }),
    );
}
