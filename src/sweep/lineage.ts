import { UserError } from '../errors.js';

/** Declared ancestry of models: which models each one was fine-tuned or merged from. */
export type ModelLineage = Record<string, { ancestors: string[] }>;

/**
 * Every ancestor of a model, following declared ancestors transitively (a merge of NAI inherits NAI's own
 * ancestors). A cycle is refused: it would make a model its own ancestor.
 */
export function ancestorsOf(models: ModelLineage, name: string, where = 'models'): Set<string> {
  const found = new Set<string>();
  const visit = (model: string, path: string[]) => {
    for (const parent of models[model]?.ancestors ?? []) {
      if (parent === name || path.includes(parent)) throw new UserError(`${where}: ancestry of "${name}" is circular (${[...path, parent].join(' → ')})`);
      if (found.has(parent)) continue;
      found.add(parent);
      visit(parent, [...path, parent]);
    }
  };
  visit(name, [name]);
  return found;
}

/** Why the declared ancestry is circular, or undefined when it is not. */
export function lineageCycle(models: ModelLineage): string | undefined {
  for (const model of Object.keys(models)) {
    try {
      ancestorsOf(models, model);
    } catch (e) {
      if (e instanceof UserError) return e.message.replace(/^models: /, '');
      throw e;
    }
  }
  return undefined;
}

/** Whether `ancestor` is an ancestor of `model` (not the model itself). */
export function isAncestor(models: ModelLineage, ancestor: string, model: string): boolean {
  return ancestorsOf(models, model).has(ancestor);
}
