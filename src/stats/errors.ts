/** Thrown when a statistics function receives input it cannot work with; the message names the function, argument and what was expected. */
export class StatsInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StatsInputError';
  }
}

export function requireFiniteNumbers(where: string, name: string, values: ArrayLike<number>, minLength = 1): void {
  if (values == null || typeof values.length !== 'number') {
    throw new StatsInputError(`${where}: ${name} must be an array of numbers`);
  }
  if (values.length < minLength) {
    throw new StatsInputError(`${where}: ${name} needs at least ${minLength} value(s), got ${values.length}`);
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new StatsInputError(`${where}: ${name}[${i}] must be a finite number, got ${String(v)}`);
    }
  }
}

export function requireSameLength(where: string, nameA: string, a: ArrayLike<unknown>, nameB: string, b: ArrayLike<unknown>): void {
  if (a.length !== b.length) {
    throw new StatsInputError(`${where}: ${nameA} and ${nameB} must have the same length (got ${a.length} and ${b.length})`);
  }
}

export function requireLevel(where: string, name: string, level: number): void {
  if (!(typeof level === 'number' && level > 0 && level < 1)) {
    throw new StatsInputError(`${where}: ${name} must be a number strictly between 0 and 1, got ${String(level)}`);
  }
}

export function requireFinite(where: string, name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new StatsInputError(`${where}: ${name} must be a finite number, got ${String(value)}`);
  }
}

export function requirePositiveInteger(where: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new StatsInputError(`${where}: ${name} must be a positive integer, got ${String(value)}`);
  }
}
