import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { StatsInputError } from './errors.js';
import { checkRows, type EmbeddingRows } from './embeddings.js';

/**
 * Vendi score (order q = 1; Friedman & Dieng 2023) of a set of embeddings with the linear (cosine)
 * kernel: rows are L2-normalised, K = X Xᵀ / n, and VS = exp(−Σ λ log λ) over the eigenvalues λ of K.
 * It is the effective number of distinct items: 1 for identical rows, n for mutually orthogonal ones.
 * K/n shares its non-zero eigenvalues with Xᵀ X / n, so the smaller of the two Gram matrices is decomposed.
 */
export function vendiScore(rows: EmbeddingRows): number {
  const where = 'vendiScore';
  const dim = checkRows(where, 'rows', rows, 1);
  const n = rows.length;
  const normalised = rows.map((row, i) => {
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += row[j] * row[j];
    norm = Math.sqrt(norm);
    if (norm === 0) throw new StatsInputError(`${where}: rows[${i}] has zero length and cannot be normalised`);
    return Array.from(row, (v) => v / norm);
  });
  const x = new Matrix(normalised);
  const gram = n <= dim ? x.mmul(x.transpose()) : x.transpose().mmul(x);
  gram.div(n);
  const eigenvalues = new EigenvalueDecomposition(gram, { assumeSymmetric: true }).realEigenvalues;
  let entropy = 0;
  for (const lambda of eigenvalues) {
    // Eigenvalues of a PSD matrix; rounding can leave tiny negatives, whose λ log λ → 0.
    if (lambda > 1e-15) entropy -= lambda * Math.log(lambda);
  }
  return Math.exp(entropy);
}
