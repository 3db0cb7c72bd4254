import type { ScoreTable } from '../../src/run/score-table.js';
import type { ScoreRow } from '../../src/run/scores-csv.js';
import { createRng } from '../../src/stats/index.js';
import { conceptKinds } from './score-run.js';

export interface ChoiceWorld {
  /** Groups the choice is made within (levels of base). */
  bases: number;
  /** LoRA weights, the candidates of each group. */
  weights: string[];
  prompts: number;
  seeds: number;
  /** True concept mean of a candidate; the same for every candidate is the null world. */
  effect: (base: number, weight: string) => number;
  /** SD of each prompt's own response to each candidate (prompt × candidate interaction). */
  interaction: number;
  /** SD of an image around its prompt and candidate. */
  noise: number;
  /** Images score 0 or 1 (a detection) with the mean as probability, instead of mean + normal noise. */
  binary?: boolean;
  seed: number;
}

/** base × weight × prompt × seed concept_detection rows (LoRA images only), per-prompt effects shared by every candidate; every prompt a concept prompt. */
export function choiceWorld(w: ChoiceWorld): ScoreTable {
  const rng = createRng(w.seed);
  const rows: ScoreRow[] = [];
  for (let b = 0; b < w.bases; b++) {
    const promptEffect = Array.from({ length: w.prompts }, () => 0.1 * rng.normal());
    for (const weight of w.weights) {
      for (let p = 0; p < w.prompts; p++) {
        const mean = w.effect(b, weight) + promptEffect[p] + w.interaction * rng.normal();
        for (let s = 1; s <= w.seeds; s++) {
          const value = w.binary ? Number(rng.next() < Math.min(1, Math.max(0, mean))) : mean + w.noise * rng.normal();
          const levels = { base: `b${b}`, weight };
          rows.push({
            image: `b${b}/${weight}/p${p}-${s}.png`,
            sha256: 'x',
            levels,
            prompt: `p${p}`,
            seed: String(s),
            metric: 'concept_detection',
            model: 'm',
            value,
          });
        }
      }
    }
  }
  const all = [...rows, ...nativeRows(w.prompts, w.seeds)];
  return { source: 'planted', factors: ['base', 'weight'], loraFactors: ['base'], rows: all, promptKinds: conceptKinds(all) };
}

/**
 * Weight-0 images (base blank: no LoRA), which a scores.csv needs for its reader to tell the LoRA factor base apart;
 * a choice never counts them among its candidates.
 */
export function nativeRows(prompts: number, seeds: number): ScoreRow[] {
  return Array.from({ length: prompts * seeds }, (_, i) => {
    const prompt = `p${Math.floor(i / seeds)}`;
    const seed = String((i % seeds) + 1);
    return {
      image: `native/${prompt}-${seed}.png`,
      sha256: 'x',
      levels: { base: '', weight: '0' },
      prompt,
      seed,
      metric: 'concept_detection',
      model: 'm',
      value: 0.05,
    };
  });
}
