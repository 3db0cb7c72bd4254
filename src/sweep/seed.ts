/**
 * Generation seeds. ComfyUI and Fooocus draw 64-bit seeds (up to 2^64 − 1), beyond the integers a JS number
 * holds exactly, so a seed is kept as its canonical decimal string: no sign on zero, no leading zeros.
 */
import { z } from 'zod';

export type Seed = string;

const SEED_DIGITS = /^-?\d+$/;

export class SeedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SeedError';
  }
}

/** The canonical seed of a safe integer, a bigint or a decimal string ("007" → "7", "-0" → "0"); undefined for anything else. */
export function tryParseSeed(value: unknown): Seed | undefined {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isSafeInteger(value) ? String(value) : undefined;
  if (typeof value === 'string' && SEED_DIGITS.test(value)) return BigInt(value).toString();
  return undefined;
}

/** Like tryParseSeed, but throws a SeedError that says what a seed may be. */
export function parseSeed(value: unknown): Seed {
  const seed = tryParseSeed(value);
  if (seed !== undefined) return seed;
  if (typeof value === 'number' && Number.isInteger(value)) throw new SeedError(unsafeNumberMessage(value));
  throw new SeedError(`a seed is an integer or a string of decimal digits, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`);
}

function unsafeNumberMessage(value: number): string {
  return `seed ${value} is beyond 2^53 and was already rounded when read as a number; quote the seed as written, e.g. "18446744073709551615"`;
}

/** True when the seed is exactly a JS number, so files may write it unquoted. */
export function isSafeSeed(seed: Seed): boolean {
  return Number.isSafeInteger(Number(seed));
}

/** Numeric order of canonical seeds, for sorting. */
export function compareSeeds(a: Seed, b: Seed): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** How YAML writers give a seed: a plain number when that is exact, else the quoted digits. */
export function seedYamlValue(seed: Seed): number | string {
  return isSafeSeed(seed) ? Number(seed) : seed;
}

/**
 * A seed in YAML: a safe integer or a string of decimal digits, read as its canonical string.
 * An integer beyond 2^53 has already lost digits when the YAML is read, so it must be quoted.
 */
export const SeedSchema = z
  .union(
    [
      z
        .number()
        .refine(Number.isInteger, { error: 'a seed must be an integer', abort: true })
        .refine(Number.isSafeInteger, { error: (issue) => unsafeNumberMessage(issue.input as number) })
        .meta({ type: 'integer', minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER }),
      z.string().regex(SEED_DIGITS, 'a seed string holds decimal digits only (with an optional leading "-"), e.g. "18446744073709551615"'),
    ],
    { error: 'a seed is an integer or a quoted string of decimal digits' },
  )
  .transform((value) => parseSeed(value))
  .describe('generation seed: an integer, or a quoted string of digits for seeds beyond 2^53 (ComfyUI and Fooocus write seeds up to 2^64 − 1)');
