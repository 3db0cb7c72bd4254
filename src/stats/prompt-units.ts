import { StatsInputError } from './errors.js';

/** One paired observation: the same prompt and seed (and any other pair key) under condition a and under b. */
export interface PairedObservation {
  prompt: string;
  /** The seed, or any key that tells the pairs of one prompt apart; each (prompt, seed) may occur once. */
  seed: string | number | bigint;
  a: number;
  b: number;
}

/** One prompt's unit of inference: the mean of its paired differences over the seeds both sides share. */
export interface PromptDifference {
  prompt: string;
  /** mean(a − b) over this prompt's pairs. */
  difference: number;
  /** mean of a and of b over the same pairs (so difference = a − b). */
  a: number;
  b: number;
  /** Number of pairs (seeds) averaged. */
  pairs: number;
}

/**
 * Reduces paired observations to one value per prompt: the mean over the prompt's seeds of (a − b).
 * Seeds are subsamples of a prompt, so these K values, not the images, are the independent units of a
 * paired test (t with K − 1 df, or the signed-rank test on K differences). Prompts come back in order
 * of first appearance. Refuses non-finite values and a (prompt, seed) given twice, which would weigh
 * one image more than once.
 */
export function promptMeanDifferences(observations: readonly PairedObservation[]): PromptDifference[] {
  const where = 'promptMeanDifferences';
  const seen = new Set<string>();
  const groups = new Map<string, { sumA: number; sumB: number; sumD: number; n: number }>();
  for (const o of observations) {
    if (!Number.isFinite(o.a) || !Number.isFinite(o.b)) {
      throw new StatsInputError(`${where}: prompt "${o.prompt}" seed ${String(o.seed)} has a non-finite value (a = ${o.a}, b = ${o.b})`);
    }
    const key = JSON.stringify([o.prompt, String(o.seed)]);
    if (seen.has(key)) throw new StatsInputError(`${where}: prompt "${o.prompt}" seed ${String(o.seed)} is paired more than once`);
    seen.add(key);
    const g = groups.get(o.prompt) ?? { sumA: 0, sumB: 0, sumD: 0, n: 0 };
    g.sumA += o.a;
    g.sumB += o.b;
    g.sumD += o.a - o.b;
    g.n++;
    groups.set(o.prompt, g);
  }
  return [...groups].map(([prompt, g]) => ({ prompt, difference: g.sumD / g.n, a: g.sumA / g.n, b: g.sumB / g.n, pairs: g.n }));
}

/** Per-prompt means of plain observations (one condition): the units of a cell estimate. */
export function promptMeans(values: readonly number[], prompts: readonly string[]): { prompt: string; mean: number; n: number }[] {
  if (values.length !== prompts.length) throw new StatsInputError(`promptMeans: ${values.length} values but ${prompts.length} prompt labels`);
  const groups = new Map<string, { sum: number; n: number }>();
  values.forEach((v, i) => {
    const g = groups.get(prompts[i]) ?? { sum: 0, n: 0 };
    g.sum += v;
    g.n++;
    groups.set(prompts[i], g);
  });
  return [...groups].map(([prompt, g]) => ({ prompt, mean: g.sum / g.n, n: g.n }));
}
