export { evaluateCompare } from './compare.js';
export { evaluateCorrelation } from './correlation.js';
export { evaluateDoseResponse } from './dose-response.js';
export { evaluateEquivalence, evaluateNonInferiority } from './margin.js';
export type { ClaimContext } from './shared.js';
