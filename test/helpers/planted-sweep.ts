import type { ScoreTable } from '../../src/run/score-table.js';
import type { ScoreRow } from '../../src/run/scores-csv.js';
import { createRng } from '../../src/stats/index.js';
import { conceptKinds } from './score-run.js';

const PROMPTS = Array.from({ length: 10 }, (_, i) => `p${i}`);
const CHECKPOINTS = ['e1', 'e2', 'e3', 'e4'];
const WEIGHTS = ['0.65', '1', '1.2'];

export interface PlantedSweep {
  /** Concept detection of a LoRA image. */
  concept: (base: string, checkpoint: string, weight: number) => number;
  /** Prompt fidelity of a LoRA image (weight-0 images score 30). */
  fidelity?: (checkpoint: string, weight: number) => number;
  preservation?: (weight: number) => number;
  bases?: string[];
  noise?: number;
  seed?: number;
  checkpoints?: string[] | null;
}

/** A sweep of base × target × checkpoint × weight with per-prompt effects and noise, as scores rows; every prompt a concept prompt. */
export function plantedSweep(w: PlantedSweep): ScoreTable {
  const rng = createRng(w.seed ?? 4);
  const noise = w.noise ?? 0.03;
  const bases = w.bases ?? ['nai'];
  const checkpoints = w.checkpoints === null ? [''] : (w.checkpoints ?? CHECKPOINTS);
  const factors = w.checkpoints === null ? ['base', 'target', 'weight'] : ['base', 'target', 'checkpoint', 'weight'];
  const rows: ScoreRow[] = [];
  const promptEffect = Object.fromEntries(PROMPTS.map((p) => [p, rng.normal() * 0.05]));
  const push = (levels: Record<string, string>, prompt: string, seed: number, metric: string, value: number) =>
    rows.push({
      image: `${Object.values(levels).join('/')}/${prompt}-${seed}.png`,
      sha256: 'x',
      levels,
      prompt,
      seed: String(seed),
      metric,
      model: 'm',
      value,
    });
  for (const target of ['t1', 't2']) {
    for (const prompt of PROMPTS) {
      for (const seed of [1, 2]) {
        const levels = Object.fromEntries(factors.map((f) => [f, f === 'target' ? target : f === 'weight' ? '0' : '']));
        push(levels, prompt, seed, 'prompt_fidelity', 30 + 20 * promptEffect[prompt] + rng.normal());
        push(levels, prompt, seed, 'concept_detection', 0.05 + noise * rng.normal());
      }
    }
    for (const base of bases) {
      for (const checkpoint of checkpoints) {
        for (const weight of WEIGHTS) {
          const levels: Record<string, string> = { base, target, weight };
          if (checkpoint) levels.checkpoint = checkpoint;
          for (const prompt of PROMPTS) {
            for (const seed of [1, 2]) {
              push(levels, prompt, seed, 'concept_detection', w.concept(base, checkpoint, Number(weight)) + promptEffect[prompt] + noise * rng.normal());
              push(levels, prompt, seed, 'prompt_fidelity', (w.fidelity?.(checkpoint, Number(weight)) ?? 30) + 20 * promptEffect[prompt] + rng.normal());
              push(levels, prompt, seed, 'base_preservation', (w.preservation?.(Number(weight)) ?? 0.995) + 0.002 * rng.normal());
            }
          }
        }
      }
    }
  }
  return { source: 'planted', factors, loraFactors: factors.filter((f) => f === 'base' || f === 'checkpoint'), rows, promptKinds: conceptKinds(rows) };
}
