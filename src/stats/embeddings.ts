import { Matrix } from 'ml-matrix';
import { StatsInputError } from './errors.js';

/** A set of embedding vectors, one row per image (number arrays or typed arrays). */
export type EmbeddingRows = readonly ArrayLike<number>[];

/** Checks that rows are non-empty, equally long and finite; returns the dimension. */
export function checkRows(where: string, name: string, rows: EmbeddingRows, minRows: number): number {
  if (!Array.isArray(rows)) throw new StatsInputError(`${where}: ${name} must be an array of embedding rows`);
  if (rows.length < minRows) throw new StatsInputError(`${where}: ${name} needs at least ${minRows} row(s), got ${rows.length}`);
  const dim = rows[0].length;
  if (!(dim > 0)) throw new StatsInputError(`${where}: ${name}[0] is empty; embeddings need at least one dimension`);
  rows.forEach((row, i) => {
    if (row.length !== dim) throw new StatsInputError(`${where}: ${name}[${i}] has ${row.length} dimensions, expected ${dim} like ${name}[0]`);
    for (let j = 0; j < dim; j++) {
      if (!Number.isFinite(row[j])) throw new StatsInputError(`${where}: ${name}[${i}][${j}] must be finite, got ${String(row[j])}`);
    }
  });
  return dim;
}

export function toMatrix(rows: EmbeddingRows): Matrix {
  return new Matrix(rows.map((row) => Array.from(row)));
}
