/** Small vector helpers for embeddings (Float32Array rows). */

/** Vectors of different lengths compared element by element would give a number without meaning. */
function sameLength(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new RangeError(`cannot compare vectors of different lengths (${a.length} and ${b.length})`);
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  sameLength(a, b);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function norm(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

export function l2normalize(a: Float32Array): Float32Array {
  const n = norm(a);
  if (n === 0 || !Number.isFinite(n)) return a;
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] / n;
  return out;
}

/** Cosine similarity; for unit vectors this is the dot product. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  sameLength(a, b);
  const d = norm(a) * norm(b);
  return d === 0 ? 0 : dot(a, b) / d;
}

/** Mean of rows (not re-normalized). */
export function centroid(rows: ArrayLike<number>[]): Float64Array {
  if (rows.length === 0) throw new Error('centroid of no rows');
  const out = new Float64Array(rows[0].length);
  for (const r of rows) sameLength(r, out);
  for (const r of rows) for (let i = 0; i < out.length; i++) out[i] += r[i];
  for (let i = 0; i < out.length; i++) out[i] /= rows.length;
  return out;
}

export function subtract(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  sameLength(a, b);
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] - b[i];
  return out;
}

/**
 * (a − b)·(c − d) without allocating the differences: bit for bit dot(subtract(a, b), subtract(c, d)), since each
 * difference is the same double either way and the products are summed in the same order.
 */
export function dotOfDifferences(a: ArrayLike<number>, b: ArrayLike<number>, c: ArrayLike<number>, d: ArrayLike<number>): number {
  sameLength(a, b);
  sameLength(c, d);
  sameLength(a, c);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) * (c[i] - d[i]);
  return s;
}
