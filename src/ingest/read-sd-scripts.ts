/**
 * kohya-ss sd-scripts (gen_img.py / gen_img_diffusers.py) PNG text keys: prompt, negative-prompt,
 * seed, sampler, steps, scale, negative-scale, clip-prompt, raw-prompt, original-width/height…
 * The checkpoint and the network files are command-line arguments there and are not recorded; the
 * per-prompt network multipliers are, as `--am m1,m2` in raw-prompt.
 */
import { numberOrUndefined, seedString, type GenerationInfo, type LoraUse } from './generation.js';
import { findLoraTags } from './lora-tags.js';

export const SD_SCRIPTS_KEYS = ['prompt', 'negative-prompt', 'seed', 'sampler', 'steps', 'scale', 'negative-scale', 'clip-prompt', 'raw-prompt'];

/** sd-scripts writes plain-text `prompt` together with `seed` and `scale` or `steps`. */
export function looksLikeSdScripts(texts: Map<string, string>): boolean {
  const prompt = texts.get('prompt');
  if (prompt === undefined || /^\s*\{/.test(prompt)) return false;
  return texts.has('seed') && (texts.has('scale') || texts.has('steps'));
}

/** `--am 0.5,1` in a gen_img prompt line → [0.5, 1]. */
export function networkMultipliers(rawPrompt: string | undefined): number[] | undefined {
  const m = /(?:^|\s)--am\s+([^\s-][^\s]*)/.exec(rawPrompt ?? '');
  if (!m) return undefined;
  const values = m[1].split(',').map((s) => Number(s));
  return values.every((v) => Number.isFinite(v)) ? values : undefined;
}

export function generationFromSdScripts(texts: Map<string, string>, networkNames: string[] = []): GenerationInfo {
  const warnings: string[] = [];
  const prompt = texts.get('prompt') ?? '';
  const tags = findLoraTags(prompt);
  for (const t of tags) if (t.error) warnings.push(t.error);
  const loras: LoraUse[] = tags.map((t) => ({ name: t.name, weight: t.weight, via: 'prompt-tag' as const }));
  const multipliers = networkMultipliers(texts.get('raw-prompt'));
  if (multipliers) {
    multipliers.forEach((weight, i) => {
      loras.push({ name: networkNames[i] ?? `network${i + 1}`, weight, via: 'metadata-list' });
    });
  }
  const params: Record<string, string> = {};
  for (const [k, v] of texts) params[k] = v;
  const width = numberOrUndefined(texts.get('original-width'));
  const height = numberOrUndefined(texts.get('original-height'));
  return {
    source: 'sd-scripts',
    prompt,
    negativePrompt: texts.get('negative-prompt') || undefined,
    seed: seedString(texts.get('seed')),
    steps: numberOrUndefined(texts.get('steps')),
    cfg: numberOrUndefined(texts.get('scale')),
    sampler: texts.get('sampler'),
    width,
    height,
    loras,
    params,
    warnings,
  };
}
