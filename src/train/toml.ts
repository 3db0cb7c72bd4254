import { isDeepStrictEqual } from 'node:util';
import { parse, stringify } from 'smol-toml';

/**
 * A TOML value as the plan writes it. Integers are bigints and every `number` is written as a float
 * (`1.0`, not `1`): sd-scripts' dataset schema uses voluptuous `float`, which rejects an integer.
 */
export type TomlValue = string | number | bigint | boolean | TomlValue[] | TomlTable;
export interface TomlTable {
  [key: string]: TomlValue | undefined;
}

/** An integer for TOML. */
export const int = (n: number): bigint => {
  if (!Number.isInteger(n)) throw new Error(`internal: ${n} is not an integer`);
  return BigInt(n);
};

function dropUndefined(value: TomlValue | undefined): TomlValue | undefined {
  if (Array.isArray(value)) return value.map((v) => dropUndefined(v) as TomlValue);
  if (value && typeof value === 'object') {
    const out: TomlTable = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = dropUndefined(v);
    return out;
  }
  return value;
}

/** Writes a table as TOML with `# ` comment lines on top. */
export function tomlText(table: TomlTable, comments: string[]): string {
  const body = stringify(dropUndefined(table) as Record<string, unknown>, { numbersAsFloat: true });
  return [...comments.map((c) => `# ${c}`), '', body.trimEnd(), ''].join('\n');
}

/**
 * Parses written TOML back and checks it holds exactly `expected`, integers as integers and floats as floats;
 * throws naming the file and the first key that differs.
 */
export function checkTomlRoundTrip(text: string, expected: TomlTable, file: string): void {
  let parsed: unknown;
  try {
    parsed = parse(text, { integersAsBigInt: true });
  } catch (e) {
    throw new Error(`${file}: written TOML does not parse: ${(e as Error).message.split('\n')[0]}`);
  }
  const want = dropUndefined(expected);
  const diff = firstDifference(parsed, want, '');
  if (diff !== undefined) throw new Error(`${file}: TOML read back differs at "${diff || '(root)'}"`);
}

function firstDifference(a: unknown, b: unknown, at: string): string | undefined {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return at;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${at}[${i}]`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], at ? `${at}.${k}` : k);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  return typeof a === typeof b && isDeepStrictEqual(a, b) ? undefined : at;
}
