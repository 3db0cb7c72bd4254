import { pairedTPower, pairedTSampleSize, signedRankUnitsNeeded } from '../stats/index.js';

/**
 * What the planned prompts can show: tests run across prompts (the unit of inference), so the prompt count, not the
 * image count, sets the power. Power of a two-sided paired t on prompt means at alpha 0.05 for a few effect sizes.
 */
export function promptPowerNote(prompts: { kind: string }[]): string {
  const k = prompts.length;
  const concept = prompts.filter((p) => p.kind === 'concept').length;
  const effects = [0.5, 0.8, 1.2];
  const at = (n: number) => effects.map((d) => `d = ${d}: ${n >= 2 ? pairedTPower(n, d).toFixed(2) : '–'}`).join(', ');
  const needed = effects.map((d) => `${pairedTSampleSize(d).needed} for d = ${d}`).join(', ');
  return (
    `power (paired t on prompt means, two-sided, alpha 0.05): ${k} prompts → ${at(k)}; ${concept} concept prompts → ${at(concept)}
` +
    `80 % power needs ${needed} prompts; an exact Wilcoxon needs at least ${signedRankUnitsNeeded(0.05, 'two.sided')} prompts (lora-eval power -d <d> for others)
`
  );
}
