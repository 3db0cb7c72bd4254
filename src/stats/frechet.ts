import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { StatsInputError } from './errors.js';
import { checkRows, toMatrix, type EmbeddingRows } from './embeddings.js';

export interface GaussianMoments {
  mean: number[];
  /** Sample covariance, denominator n − 1 (as numpy.cov, which FID implementations use). */
  covariance: Matrix;
}

export function embeddingMoments(rows: EmbeddingRows, where = 'embeddingMoments', name = 'rows'): GaussianMoments {
  const dim = checkRows(where, name, rows, 2);
  const x = toMatrix(rows);
  const n = rows.length;
  const mean = new Array<number>(dim).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j] += x.get(i, j);
  for (let j = 0; j < dim; j++) mean[j] /= n;
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) x.set(i, j, x.get(i, j) - mean[j]);
  const covariance = x
    .transpose()
    .mmul(x)
    .div(n - 1);
  return { mean, covariance };
}

/** Eigen-decomposition of a symmetric matrix, made exactly symmetric first to keep rounding from leaking in. */
function symmetricEigen(m: Matrix): EigenvalueDecomposition {
  const sym = m.clone().add(m.transpose()).div(2);
  return new EigenvalueDecomposition(sym, { assumeSymmetric: true });
}

/**
 * Square roots of the eigenvalues of a symmetric PSD matrix. Eigenvalues within rounding noise of zero
 * (|λ| ≤ dim·ε·λmax, common when embeddings span fewer dimensions than they have) count as 0: the
 * square root would otherwise turn that noise into errors of order √ε.
 */
function eigenvalueRoots(eigenvalues: number[]): number[] {
  const largest = Math.max(0, ...eigenvalues);
  const noise = 8 * eigenvalues.length * Number.EPSILON * largest;
  return eigenvalues.map((l) => (l > noise ? Math.sqrt(l) : 0));
}

function sumOfRoots(m: Matrix): number {
  return eigenvalueRoots(symmetricEigen(m).realEigenvalues).reduce((s, r) => s + r, 0);
}

/** Square root of a symmetric positive semi-definite matrix: V diag(√λ) Vᵀ. */
function psdSqrt(m: Matrix): Matrix {
  const e = symmetricEigen(m);
  const v = e.eigenvectorMatrix;
  return v.mmul(Matrix.diag(eigenvalueRoots(e.realEigenvalues))).mmul(v.transpose());
}

/**
 * Fréchet distance between Gaussians N(μ₁, Σ₁) and N(μ₂, Σ₂):
 * ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁Σ₂)^{1/2}.
 * (Σ₁Σ₂)^{1/2} is not symmetric, but it is similar to the symmetric PSD product
 * Σ₁^{1/2} Σ₂ Σ₁^{1/2}, so its trace is Σ √λᵢ over that product's eigenvalues; both square roots
 * come from symmetric eigen-decompositions (eigenvalues within rounding noise of 0 count as 0).
 * The result is clipped at 0.
 */
export function frechetDistanceFromMoments(a: GaussianMoments, b: GaussianMoments): number {
  const dim = a.mean.length;
  if (b.mean.length !== dim || a.covariance.rows !== dim || b.covariance.rows !== dim) {
    throw new StatsInputError(`frechetDistance: dimensions differ (${dim} vs ${b.mean.length})`);
  }
  let meanTerm = 0;
  for (let j = 0; j < dim; j++) meanTerm += (a.mean[j] - b.mean[j]) ** 2;
  const rootA = psdSqrt(a.covariance);
  const product = rootA.mmul(b.covariance).mmul(rootA);
  const traceSqrt = sumOfRoots(product);
  const distance = meanTerm + a.covariance.trace() + b.covariance.trace() - 2 * traceSqrt;
  return Math.max(0, distance);
}

function centred(rows: EmbeddingRows): { x: Matrix; mean: number[] } {
  const x = toMatrix(rows);
  const mean = x.mean('column');
  x.subRowVector(mean);
  return { x, mean };
}

/**
 * Fréchet distance between two sets of embeddings (each at least 2 rows, same dimension), as in FID.
 * When a set has fewer rows than dimensions (a few images of 512-d CLIP), the trace term is computed
 * in the span of the data instead of from d×d covariances: with centred data A, B,
 * the non-zero eigenvalues of Σ₁Σ₂ = AᵀA·BᵀB / ((n₁−1)(n₂−1)) are those of (ABᵀ)(ABᵀ)ᵀ / ((n₁−1)(n₂−1)),
 * so tr (Σ₁Σ₂)^{1/2} is the sum of the singular values of ABᵀ / √((n₁−1)(n₂−1)).
 */
export function frechetDistance(a: EmbeddingRows, b: EmbeddingRows): number {
  const where = 'frechetDistance';
  const da = checkRows(where, 'a', a, 2);
  const db = checkRows(where, 'b', b, 2);
  if (da !== db) throw new StatsInputError(`${where}: a has ${da} dimensions but b has ${db}`);
  if (Math.min(a.length, b.length) >= da) {
    return frechetDistanceFromMoments(embeddingMoments(a, where, 'a'), embeddingMoments(b, where, 'b'));
  }
  const ca = centred(a);
  const cb = centred(b);
  const scaleA = a.length - 1;
  const scaleB = b.length - 1;
  const cross = ca.x.mmul(cb.x.transpose());
  const gram = a.length <= b.length ? cross.mmul(cross.transpose()) : cross.transpose().mmul(cross);
  const singularSum = sumOfRoots(gram);
  let meanTerm = 0;
  for (let j = 0; j < da; j++) meanTerm += (ca.mean[j] - cb.mean[j]) ** 2;
  const traceA = ca.x.norm('frobenius') ** 2 / scaleA;
  const traceB = cb.x.norm('frobenius') ** 2 / scaleB;
  return Math.max(0, meanTerm + traceA + traceB - (2 * singularSum) / Math.sqrt(scaleA * scaleB));
}
