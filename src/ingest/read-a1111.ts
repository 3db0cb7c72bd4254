/** AUTOMATIC1111 (and Forge, SD.Next, Fooocus in A1111 mode) infotext → GenerationInfo. */
import { numberOrUndefined, seedString, type GenerationInfo, type LoraUse } from './generation.js';
import { parseHashList, parseInfotext, parseSize, type Infotext } from './infotext.js';
import { findLoraTags } from './lora-tags.js';

/** True when the text looks like an infotext: a parameter line with Steps or Seed. */
export function looksLikeInfotext(text: string): boolean {
  const info = parseInfotext(text);
  return 'Steps' in info.params || 'Seed' in info.params || 'Sampler' in info.params;
}

export function generationFromInfotext(info: Infotext): GenerationInfo {
  const p = info.params;
  const size = parseSize(p.Size);
  const loraHashes = parseHashList(p['Lora hashes']);
  const warnings: string[] = [];
  const loras: LoraUse[] = [];
  for (const tag of findLoraTags(info.prompt)) {
    if (tag.error) warnings.push(tag.error);
    loras.push({
      name: tag.name,
      weight: tag.weight,
      clipWeight: tag.textEncoderWeight !== tag.weight ? tag.textEncoderWeight : undefined,
      hash: loraHashes.get(tag.name),
      via: 'prompt-tag',
    });
  }
  // sd-webui-additional-networks writes "AddNet Model 1: name(hash), AddNet Weight A 1: 0.8" (A: UNet, B: text encoder) instead of tags.
  for (const key of Object.keys(p)) {
    const m = /^AddNet Model (\d+)$/.exec(key);
    if (!m) continue;
    const model = /^(.*?)(?:\(([0-9a-f]+)\))?$/.exec(p[key].trim());
    const weight = numberOrUndefined(p[`AddNet Weight A ${m[1]}`] ?? p[`AddNet Weight ${m[1]}`]);
    if (model && model[1]) loras.push({ name: model[1].trim(), weight: weight ?? 1, hash: model[2], via: 'metadata-list' });
  }
  const seed = seedString(p.Seed);
  if (p.Seed !== undefined && seed === undefined) warnings.push(`Seed "${p.Seed}" is not an integer`);
  return {
    source: 'a1111',
    prompt: info.prompt,
    negativePrompt: info.negativePrompt || undefined,
    seed,
    steps: numberOrUndefined(p.Steps),
    cfg: numberOrUndefined(p['CFG scale']),
    sampler: p.Sampler,
    scheduler: p['Schedule type'],
    width: size?.[0],
    height: size?.[1],
    checkpoint: p.Model,
    checkpointHash: p['Model hash'],
    // A1111 leaves "Clip skip" out when it is 1, its default.
    clipSkip: numberOrUndefined(p['Clip skip']) ?? 1,
    loras,
    params: { Prompt: info.prompt, ...(info.hasNegativePrompt ? { 'Negative prompt': info.negativePrompt } : {}), ...p },
    warnings,
  };
}

/** Parameters that mark an image as an X/Y/Z plot (a grid, not one generation). */
export function isGridInfotext(info: Infotext): boolean {
  return (
    'X Values' in info.params ||
    'Y Values' in info.params ||
    'Z Values' in info.params ||
    info.params.Script === 'X/Y/Z plot' ||
    info.params.Script === 'X/Y plot'
  );
}
