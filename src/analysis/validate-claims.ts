import { metricFor } from '../../metrics/registry.js';
import { UserError } from '../errors.js';
import { claimType, comparedSides, type Claim, type Selector } from './hypothesis-schema.js';
import { levelsOf, metricsOf, type ScoreTable } from '../run/score-table.js';
import type { ScoreRow } from '../run/scores-csv.js';
import { formatSelector, isRelation, matchesSelector, sameLevel } from './selection.js';
import { ancestorsOf } from '../sweep/lineage.js';
import { worthItProblems, type WorthItClaim } from './claims/worth-it.js';

export function acrossFactors(claim: Claim): string[] {
  return claim.across === undefined ? [] : Array.isArray(claim.across) ? claim.across : [claim.across];
}

/**
 * Checks every metric, model, factor and level a hypotheses file names against the scores, and throws one
 * UserError listing each problem with what exists instead.
 */
export function validateClaims(claims: Claim[], table: ScoreTable, file: string): void {
  const problems: string[] = [];
  const metrics = metricsOf(table);
  const list = (xs: string[]) => xs.join(', ') || '(none)';
  for (const claim of claims) {
    const before = problems.length;
    const at = (where: string, message: string) => problems.push(`${file}: hypothesis "${claim.id}": ${where}${message}`);
    const checkMetric = (name: string, where: string) => {
      if (!metrics.includes(name)) {
        at(where, `metric "${name}" is not in the scores; metrics: ${list(metrics)}`);
        return;
      }
      const models = [...new Set(table.rows.filter((r) => r.metric === name).map((r) => r.model))];
      if (claim.model && !models.includes(claim.model)) at('model: ', `"${claim.model}" did not score ${name}; models: ${list(models)}`);
      if (!claim.model && models.length > 1) at('', `metric "${name}" was scored by several models (${list(models)}): name one with model:`);
    };
    const checkFactor = (factor: string, where: string): boolean => {
      if (table.factors.includes(factor) || factor === 'prompt') return true;
      at(where, `factor "${factor}" does not exist; factors: ${list(table.factors)} (and prompt)`);
      return false;
    };
    const checkSelector = (selector: Selector | undefined, where: string) => {
      for (const [factor, wanted] of Object.entries(selector ?? {})) {
        if (!checkFactor(factor, where)) continue;
        if (isRelation(wanted)) {
          const other = 'same_as' in wanted ? wanted.same_as : wanted.ancestor_of;
          if (!checkFactor(other, where)) continue;
          if ('ancestor_of' in wanted) {
            if (!table.lineage) {
              at(
                where,
                `${factor}: { ancestor_of: ${other} } needs the ancestry of the models: declare models: { <model>: { ancestors: [...] } } in the sweep (analyze reads it from the run's run.json or --sweep)`,
              );
              continue;
            }
            const ancestry = table.lineage;
            const hasAncestor = levelsOf(table, other).some((m) => {
              const ancestors = ancestorsOf(ancestry, m, 'models');
              return levelsOf(table, factor).some((l) => ancestors.has(l));
            });
            if (!hasAncestor)
              at(
                where,
                `${factor}: no level of ${factor} is a declared ancestor of any level of ${other}; models with ancestors: ${list(Object.keys(ancestry))}`,
              );
          }
          continue;
        }
        const levels = levelsOf(table, factor);
        for (const level of Array.isArray(wanted) ? wanted : [wanted]) {
          if (!levels.some((l) => sameLevel(l, level))) at(where, `${factor} "${level}" is not a level; levels: ${list(levels)}`);
        }
      }
    };
    checkMetric(claim.metric, 'metric: ');
    if ('worth_it' in claim) for (const problem of worthItProblems(claim as WorthItClaim, table)) at('worth_it: ', problem);
    checkSelector(claim.where, 'where: ');
    for (const f of acrossFactors(claim)) checkFactor(f, 'across: ');
    switch (claimType(claim)) {
      case 'compare':
      case 'equivalence':
      case 'non_inferiority': {
        const sides = comparedSides(claim)!;
        checkSelector(sides.a, `${sides.kind}.a: `);
        checkSelector(sides.b, `${sides.kind}.b: `);
        const [setA, setB] = [Object.keys(sides.a), Object.keys(sides.b)];
        if (setA.length !== setB.length || setA.some((f) => !setB.includes(f)))
          at(
            `${sides.kind}: `,
            `a sets ${list(setA)} but b sets ${list(setB)}; both sides must set the same factors (the ones whose levels are compared), ` +
              'or the other side would be averaged over the factors it leaves open',
          );
        if (sides.kind === 'non_inferiority') {
          const given = (claim as Extract<Claim, { non_inferiority: unknown }>).non_inferiority.higher_is_better;
          if (given === undefined && metricFor(claim.metric)?.higherIsBetter === undefined)
            at(
              'non_inferiority: ',
              `metric ${claim.metric} is not in the metric registry, so which way is worse is unknown: give higher_is_better: true or false`,
            );
        }
        // A side's levels replace the across level: each across test would repeat the same comparison.
        for (const f of acrossFactors(claim).filter((f) => setA.includes(f) || setB.includes(f)))
          at('across: ', `${f} is a factor ${sides.kind}.a and .b set; across it every test would repeat the same comparison`);
        break;
      }
      case 'correlation': {
        const c = claim as Extract<Claim, { correlation: unknown }>;
        if (c.correlation.with !== 'model_distance') checkMetric(c.correlation.with, 'correlation.with: ');
        if (c.correlation.with === claim.metric)
          at('correlation.with: ', `${claim.metric} is the claim's own metric; a metric correlates perfectly with itself`);
        for (const f of c.correlation.over.filter((f) => acrossFactors(claim).includes(f)))
          at('correlation.over: ', `${f} is also an across factor: within each across test it has one level, so it orders nothing`);
        for (const f of c.correlation.over) checkFactor(f, 'correlation.over: ');
        if (c.correlation.with === 'model_distance' && c.correlation.over.length !== 2)
          at('correlation.over: ', 'model_distance needs two factors whose levels are models, e.g. [base, target]');
        break;
      }
      case 'dose_response': {
        const c = claim as Extract<Claim, { dose_response: unknown }>;
        if (acrossFactors(claim).includes(c.dose_response.factor))
          at('across: ', `${c.dose_response.factor} is the dose_response factor; across it every test would have one dose`);
        if (checkFactor(c.dose_response.factor, 'dose_response.factor: ')) {
          const bad = levelsOf(table, c.dose_response.factor).filter((l) => !Number.isFinite(Number(l)));
          if (bad.length) at('dose_response.factor: ', `levels of ${c.dose_response.factor} must be numbers; found ${list(bad)}`);
        }
        break;
      }
    }
    // Names that exist can still select nothing together: only then is the selection itself checked.
    if (problems.length === before) checkSelection(claim, table, at);
  }
  if (problems.length) throw new UserError(problems.join('\n'));
}

const levelList = (levels: Iterable<string>) => [...new Set(levels)].join(', ') || '(none)';

/**
 * Whether the claim's scores (its metric and model, within where) exist, each side of a comparison selects some
 * of them and the two sides differ, and a dose-response has two doses to fit: a claim that selects nothing would
 * otherwise end as "not run" or pair images with themselves, which reads like a result.
 */
function checkSelection(claim: Claim, table: ScoreTable, at: (where: string, message: string) => void): void {
  const scores = table.rows.filter((r) => r.metric === claim.metric && (!claim.model || r.model === claim.model) && Number.isFinite(r.value));
  const what = `${claim.metric} scores${claim.model ? ` of ${claim.model}` : ''}`;
  const selects = (rows: ScoreRow[], selector: Selector) => rows.filter((r) => matchesSelector(r, selector, table.loraFactors, table.lineage));
  const levelsIn = (rows: ScoreRow[], factor: string) => rows.map((r) => (factor === 'prompt' ? r.prompt : r.levels[factor])).filter((l): l is string => !!l);
  const where = claim.where ?? {};
  let levelMissing = false;
  for (const [factor, wanted] of Object.entries(where)) {
    if (isRelation(wanted)) continue;
    for (const level of Array.isArray(wanted) ? wanted : [wanted]) {
      if (selects(scores, { [factor]: level }).length > 0) continue;
      levelMissing = true;
      at('where: ', `${factor} "${level}" has no ${what}; ${factor} levels with ${claim.metric}: ${levelList(levelsIn(scores, factor))}`);
    }
  }
  const inWhere = selects(scores, where);
  if (inWhere.length === 0) {
    if (!levelMissing) at('where: ', `no ${what} match ${formatSelector(where)} (each level has some, but not together)`);
    return;
  }
  const sides = comparedSides(claim);
  if (sides) {
    const a = selects(inWhere, sides.a);
    const b = selects(inWhere, sides.b);
    for (const [name, rows, selector] of [
      ['a', a, sides.a],
      ['b', b, sides.b],
    ] as const) {
      if (rows.length === 0)
        at(`${sides.kind}.${name}: `, `no ${what} match ${formatSelector(selector)}${Object.keys(where).length ? ` within ${formatSelector(where)}` : ''}`);
    }
    const inB = new Set(b);
    // Weight-0 rows (blank LoRA-only levels) fall on both sides by design and are left out of the pairs; any other
    // row on both sides means the two sides name a level in common.
    const sideFactors = Object.keys(sides.a);
    const overlap = a.filter((r) => inB.has(r) && sideFactors.some((f) => r.levels[f] !== '' && r.levels[f] !== undefined));
    if (overlap.length && overlap.length < a.length) {
      const common = sideFactors
        .map((f) => `${f} ${levelList(overlap.map((r) => (f === 'prompt' ? r.prompt : r.levels[f])).filter((l): l is string => !!l))}`)
        .join(', ');
      at(`${sides.kind}: `, `a and b both select ${common} (${overlap.length} ${claim.metric} score(s)); the two sides of a comparison may not share a level`);
    }
    if (a.length && a.length === b.length && a.every((r) => inB.has(r)))
      at(
        `${sides.kind}: `,
        `a (${formatSelector(sides.a)}) and b (${formatSelector(sides.b)}) select the same ${a.length} ${claim.metric} score(s)` +
          (a.every((r) => Object.values(r.levels).includes('')) ? ' (weight-0 images, which every level of a LoRA-only factor shares)' : '') +
          ': there is nothing to compare',
      );
  }
  if (claimType(claim) === 'dose_response') {
    const factor = (claim as Extract<Claim, { dose_response: unknown }>).dose_response.factor;
    const doses = new Set(levelsIn(inWhere, factor));
    if (doses.size < 2) at('dose_response.factor: ', `the selected ${what} have ${factor} ${levelList(doses)} only; a dose-response needs two levels`);
  }
}
