/**
 * Statistics for lora-eval: pure functions over number arrays, no I/O.
 * Tests match R's stats package (wilcox.test, t.test, cor.test, p.adjust, lm); see
 * test/reference/stats.R for the reference cases. Randomness always comes from a seed (random.ts).
 */
export * from './types.js';
export * from './errors.js';
export * from './random.js';
export * from './descriptives.js';
export * from './ranks.js';
export { logGamma, logBeta, incompleteBeta } from './special-functions.js';
export * from './normal-distribution.js';
export * from './t-distribution.js';
export * from './signed-rank-distribution.js';
export * from './wilcoxon.js';
export * from './paired-t.js';
export * from './effect-sizes.js';
export * from './paired-comparison.js';
export * from './p-adjust.js';
export * from './equivalence.js';
export * from './spearman-distribution.js';
export * from './spearman.js';
export * from './bootstrap.js';
export * from './regression.js';
export * from './dose-response.js';
export * from './embeddings.js';
export * from './vendi.js';
export * from './frechet.js';
export * from './prompt-units.js';
export * from './attainable-p.js';
export * from './power.js';
export * from './kendall.js';
export * from './krippendorff.js';
