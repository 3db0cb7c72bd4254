import type { ArgSpec, DatasetKeyType, DatasetScope, SdScriptsVersion } from './sd-scripts-args/index.js';
import type { TomlTable, TomlValue } from './toml.js';

const isInt = (v: unknown): v is bigint => typeof v === 'bigint';
const isFloat = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function kindName(spec: ArgSpec): string {
  return spec.choices ? `${spec.kind} (one of ${spec.choices.join(', ')})` : spec.kind;
}

/** Checks one value written into a train_network.py TOML config; returns what is wrong, or undefined. */
export function checkTomlArg(spec: ArgSpec, value: TomlValue): string | undefined {
  const fits = (() => {
    switch (spec.kind) {
      case 'flag':
        return typeof value === 'boolean';
      case 'int':
        return isInt(value);
      case 'float':
        return isFloat(value);
      case 'int_or_float':
        return isInt(value) || isFloat(value);
      case 'str':
        return typeof value === 'string';
      case 'str*':
        return Array.isArray(value) && value.every((v) => typeof v === 'string');
      case 'int*':
        return Array.isArray(value) && value.every(isInt);
      case 'float*':
        return Array.isArray(value) && value.every(isFloat);
    }
  })();
  if (!fits) return `expects ${kindName(spec)}, got ${describe(value)}`;
  if (spec.choices && !spec.choices.includes(String(value))) return `expects one of ${spec.choices.join(', ')}, got "${String(value)}"`;
  return undefined;
}

/** Converts a value given in experiment.yaml to what the argument takes, or says why it cannot. */
export function toArgValue(spec: ArgSpec, raw: unknown): { value: TomlValue } | { error: string } {
  const num = (v: unknown, integer: boolean): bigint | number | undefined => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
    if (integer) return Number.isInteger(v) ? BigInt(v) : undefined;
    return v;
  };
  let value: TomlValue | undefined;
  switch (spec.kind) {
    case 'flag':
      value = typeof raw === 'boolean' ? raw : undefined;
      break;
    case 'int':
      value = num(raw, true);
      break;
    case 'float':
      value = num(raw, false);
      break;
    case 'int_or_float':
      value = typeof raw === 'number' && Number.isInteger(raw) ? BigInt(raw) : num(raw, false);
      break;
    case 'str':
      value = typeof raw === 'string' ? raw : undefined;
      break;
    case 'str*':
    case 'int*':
    case 'float*': {
      const items = Array.isArray(raw) ? raw : [raw];
      const converted = items.map((v) => (spec.kind === 'str*' ? (typeof v === 'string' ? v : undefined) : num(v, spec.kind === 'int*')));
      value = converted.every((v) => v !== undefined) ? (converted as TomlValue[]) : undefined;
      break;
    }
  }
  if (value === undefined) return { error: `expects ${kindName(spec)}, got ${describe(raw)}` };
  const wrong = checkTomlArg(spec, value);
  return wrong ? { error: wrong } : { value };
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return `a list [${v.map(describe).join(', ')}]`;
  if (typeof v === 'bigint') return `integer ${v}`;
  if (typeof v === 'number') return Number.isInteger(v) ? `number ${v}` : `float ${v}`;
  if (typeof v === 'string') return `"${v}"`;
  return String(v);
}

export interface ArgProblem {
  /** The written file, relative to the run folder. */
  file: string;
  /** The key or option in it, e.g. "network_dim", "datasets[0].subsets[1].is_reg", "--am". */
  field: string;
  message: string;
}

/** Checks every key of a train_network.py config (sections are flattened, as sd-scripts does). */
export function checkTrainConfig(config: TomlTable, version: SdScriptsVersion, file: string): ArgProblem[] {
  const problems: ArgProblem[] = [];
  for (const [sectionName, section] of Object.entries(config)) {
    if (section === undefined) continue;
    const entries = section && typeof section === 'object' && !Array.isArray(section) ? Object.entries(section) : [[sectionName, section] as const];
    for (const [key, value] of entries) {
      if (value === undefined) continue;
      const spec = version.trainNetwork.get(key);
      const message = spec ? checkTomlArg(spec, value as TomlValue) : `train_network.py has no argument "${key}" at sd-scripts ${version.commit.slice(0, 10)}`;
      if (message) problems.push({ file, field: key, message });
    }
  }
  return problems;
}

function datasetValueFits(type: DatasetKeyType, v: TomlValue): boolean {
  switch (type) {
    case 'bool':
      return typeof v === 'boolean';
    case 'int':
      return isInt(v);
    case 'float':
      return isFloat(v);
    case 'number':
      return isInt(v) || isFloat(v);
    case 'str':
      return typeof v === 'string';
    case 'int_or_pair':
      return isInt(v) || (Array.isArray(v) && v.length === 2 && v.every(isInt));
    case 'float_pair':
      return Array.isArray(v) && v.length === 2 && v.every(isFloat);
    case 'table':
      return !!v && typeof v === 'object' && !Array.isArray(v);
  }
}

/** Checks a dataset config against sd-scripts' voluptuous schema for DreamBooth-style datasets. */
export function checkDatasetConfig(config: TomlTable, version: SdScriptsVersion, file: string): ArgProblem[] {
  const problems: ArgProblem[] = [];
  const checkKeys = (table: TomlTable, scope: DatasetScope, where: string, skip: string[]) => {
    for (const [key, value] of Object.entries(table)) {
      if (value === undefined || skip.includes(key)) continue;
      const type = version.datasetConfig[scope].get(key);
      if (!type) problems.push({ file, field: `${where}.${key}`, message: `not a ${scope} key of sd-scripts' dataset config` });
      else if (!datasetValueFits(type, value)) problems.push({ file, field: `${where}.${key}`, message: `expects ${type}, got ${describe(value)}` });
    }
  };
  for (const key of Object.keys(config)) {
    if (key !== 'general' && key !== 'datasets') problems.push({ file, field: key, message: 'only [general] and [[datasets]] are allowed' });
  }
  if (config.general) checkKeys(config.general as TomlTable, 'general', 'general', []);
  const datasets = (config.datasets ?? []) as TomlTable[];
  datasets.forEach((ds, i) => {
    checkKeys(ds, 'dataset', `datasets[${i}]`, ['subsets']);
    const subsets = (ds.subsets ?? []) as TomlTable[];
    if (subsets.length === 0) problems.push({ file, field: `datasets[${i}]`, message: 'a dataset needs at least one subset' });
    subsets.forEach((sub, j) => {
      checkKeys(sub, 'subset', `datasets[${i}].subsets[${j}]`, []);
      if (typeof sub.image_dir !== 'string') problems.push({ file, field: `datasets[${i}].subsets[${j}]`, message: 'image_dir is required' });
    });
  });
  return problems;
}

/** A command line as [--option, values…] groups, for checking against an argparse list. */
export type CliArgs = [string, ...string[]][];

const CLI_VALUE: Record<string, RegExp> = {
  int: /^-?\d+$/,
  float: /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/,
};

/** Checks a command line written for a script (gen_img.py) against its argument list. */
export function checkCliArgs(args: CliArgs, table: ReadonlyMap<string, ArgSpec>, file: string, script: string): ArgProblem[] {
  const problems: ArgProblem[] = [];
  for (const [option, ...values] of args) {
    const name = option.replace(/^--/, '');
    const spec = table.get(name);
    if (!option.startsWith('--') || !spec) {
      problems.push({ file, field: option, message: `${script} has no argument ${option}` });
      continue;
    }
    const many = spec.kind.endsWith('*');
    if (spec.kind === 'flag' ? values.length !== 0 : many ? values.length === 0 : values.length !== 1) {
      problems.push({
        file,
        field: option,
        message: `expects ${spec.kind === 'flag' ? 'no value' : many ? 'one or more values' : 'one value'}, got ${values.length}`,
      });
      continue;
    }
    const base = spec.kind.replace('*', '');
    for (const v of values) {
      const pattern = base === 'int' ? CLI_VALUE.int : base === 'float' ? CLI_VALUE.float : undefined;
      if (pattern && !pattern.test(v)) problems.push({ file, field: option, message: `expects ${base}, got "${v}"` });
      if (spec.choices && !spec.choices.includes(v)) problems.push({ file, field: option, message: `expects one of ${spec.choices.join(', ')}, got "${v}"` });
    }
  }
  return problems;
}
