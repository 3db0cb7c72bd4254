// The score step of `npm run demo`, shared with `npm run baseline:demo` and the test that checks the demo baseline,
// so that the committed baseline is always scored exactly as the demo scores.
export const demoScoreArgs = (out) => [
  'score',
  'fixtures/demo/sweep.yaml',
  '--clip',
  'fixtures/models/clip',
  '--tagger',
  'fixtures/models/tagger-v3',
  '--out',
  out,
];

/** Where `npm run baseline:demo` writes the demo baseline. */
export const demoBaselineDir = 'reports/baselines/demo';

/**
 * How far a re-score of the demo may move a score: CPU inference is deterministic on one machine, but other CPUs may
 * round differently in the last digits. prompt_fidelity is 100 × a cosine, so it gets 100 × the cosine tolerance.
 */
export const demoTolerance = ['1e-5', 'prompt_fidelity=1e-3', 'prompt_fidelity_delta=1e-3'];
