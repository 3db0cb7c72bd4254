/** One image of the run paired with the same image position (prompt, seed, other levels) in the baseline. */
export interface ImagePair {
  image: string;
  prompt: string;
  run: number;
  baseline: number;
}

export interface PromptDifference {
  prompt: string;
  /** Mean of run − baseline over the prompt's image pairs (its shared seeds). */
  difference: number;
  images: number;
}

/**
 * The prompt-level unit of the check's tests: per prompt, the mean of the paired differences (run − baseline) over
 * the seeds both runs share. Seeds of one prompt are not independent evidence about other prompts, so the tests run
 * across these K values (K − 1 degrees of freedom), the same rule analyze applies to its comparisons.
 */
export function promptMeanDifferences(pairs: readonly ImagePair[]): PromptDifference[] {
  const byPrompt = new Map<string, { sum: number; n: number }>();
  for (const p of pairs) {
    const g = byPrompt.get(p.prompt) ?? { sum: 0, n: 0 };
    g.sum += p.run - p.baseline;
    g.n++;
    byPrompt.set(p.prompt, g);
  }
  return [...byPrompt].map(([prompt, g]) => ({ prompt, difference: g.sum / g.n, images: g.n }));
}
