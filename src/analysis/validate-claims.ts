import { UserError } from '../errors.js';
import { claimType, comparedSides, type Claim, type Selector } from './hypothesis-schema.js';
import { levelsOf, metricsOf, type ScoreTable } from '../run/score-table.js';
import { isRelation, sameLevel } from './selection.js';
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
        break;
      }
      case 'correlation': {
        const c = claim as Extract<Claim, { correlation: unknown }>;
        if (c.correlation.with !== 'model_distance') checkMetric(c.correlation.with, 'correlation.with: ');
        for (const f of c.correlation.over) checkFactor(f, 'correlation.over: ');
        if (c.correlation.with === 'model_distance' && c.correlation.over.length !== 2)
          at('correlation.over: ', 'model_distance needs two factors whose levels are models, e.g. [base, target]');
        break;
      }
      case 'dose_response': {
        const c = claim as Extract<Claim, { dose_response: unknown }>;
        if (checkFactor(c.dose_response.factor, 'dose_response.factor: ')) {
          const bad = levelsOf(table, c.dose_response.factor).filter((l) => !Number.isFinite(Number(l)));
          if (bad.length) at('dose_response.factor: ', `levels of ${c.dose_response.factor} must be numbers; found ${list(bad)}`);
        }
        break;
      }
    }
  }
  if (problems.length) throw new UserError(problems.join('\n'));
}
