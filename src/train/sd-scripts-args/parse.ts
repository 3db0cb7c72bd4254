import type { ArgKind, ArgSpec, DatasetKeyType, DatasetScope, PromptOptionKind } from './types.js';

const ARG_KINDS = new Set<ArgKind>(['flag', 'int', 'float', 'str', 'int_or_float', 'str*', 'int*', 'float*']);
const DATASET_TYPES = new Set<DatasetKeyType>(['bool', 'int', 'float', 'number', 'str', 'int_or_pair', 'float_pair', 'table']);
const PROMPT_KINDS = new Set<PromptOptionKind>(['int', 'int_list', 'float', 'float_list', 'float_or_none', 'text']);

function lines(text: string): string[][] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(/\s+/));
}

/**
 * Reads argument lists written one argument a line as `name kind [choice|choice…]`, grouped by the source
 * that adds them. Throws on a malformed or duplicated line, so a bad edit of a list fails every test.
 */
export function parseArgTables(groups: Record<string, string>): Map<string, ArgSpec> {
  const table = new Map<string, ArgSpec>();
  for (const [source, text] of Object.entries(groups)) {
    for (const [name, kind, choices, ...rest] of lines(text)) {
      if (!ARG_KINDS.has(kind as ArgKind) || rest.length) throw new Error(`argument list ${source}: bad line for "${name}"`);
      if (table.has(name)) throw new Error(`argument list ${source}: "${name}" is listed twice`);
      table.set(name, { name, kind: kind as ArgKind, source, ...(choices ? { choices: choices.split('|') } : {}) });
    }
  }
  return table;
}

/** Reads dataset config keys written `scope key type`. */
export function parseDatasetKeys(text: string): Record<DatasetScope, Map<string, DatasetKeyType>> {
  const out: Record<DatasetScope, Map<string, DatasetKeyType>> = { general: new Map(), dataset: new Map(), subset: new Map() };
  for (const [scope, key, type, ...rest] of lines(text)) {
    if (!(scope in out) || !DATASET_TYPES.has(type as DatasetKeyType) || rest.length) throw new Error(`dataset key list: bad line for "${key}"`);
    out[scope as DatasetScope].set(key, type as DatasetKeyType);
  }
  return out;
}

/** Reads prompt-line options written `option kind`. */
export function parsePromptOptions(text: string): Map<string, PromptOptionKind> {
  const out = new Map<string, PromptOptionKind>();
  for (const [option, kind, ...rest] of lines(text)) {
    if (!PROMPT_KINDS.has(kind as PromptOptionKind) || rest.length) throw new Error(`prompt option list: bad line for "${option}"`);
    out.set(option, kind as PromptOptionKind);
  }
  return out;
}
