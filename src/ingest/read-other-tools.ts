/** Fooocus, InvokeAI and NovelAI PNG metadata: read far enough to place an image in a sweep. */
import { numberOrUndefined, seedString, type GenerationInfo, type LoraUse } from './generation.js';
import { parseJsonExact } from './json-exact.js';

type Json = Record<string, unknown>;

function object(value: unknown): Json | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function flatParams(data: Json): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) {
    if (v === undefined) continue;
    params[k] = typeof v === 'string' ? v : JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
  }
  return params;
}

/** Fooocus `parameters` JSON (metadata_scheme "fooocus"). */
export function generationFromFooocus(text: string): GenerationInfo {
  const data = object(parseJsonExact(text));
  if (!data) throw new Error('Fooocus parameters are not a JSON object');
  const loras: LoraUse[] = [];
  if (Array.isArray(data.loras)) {
    for (const entry of data.loras) {
      if (Array.isArray(entry) && typeof entry[0] === 'string')
        loras.push({ name: entry[0], weight: numberOrUndefined(entry[1]) ?? 1, hash: str(entry[2]), via: 'metadata-list' });
    }
  }
  const resolution = /\(\s*(\d+)\s*,\s*(\d+)\s*\)/.exec(str(data.resolution) ?? '');
  return {
    source: 'fooocus',
    prompt: str(data.prompt) ?? '',
    negativePrompt: str(data.negative_prompt) || undefined,
    seed: seedString(data.seed),
    steps: numberOrUndefined(data.steps),
    cfg: numberOrUndefined(data.guidance_scale),
    sampler: str(data.sampler),
    scheduler: str(data.scheduler),
    width: resolution ? Number(resolution[1]) : undefined,
    height: resolution ? Number(resolution[2]) : undefined,
    checkpoint: str(data.base_model),
    checkpointHash: str(data.base_model_hash),
    clipSkip: numberOrUndefined(data.clip_skip),
    loras,
    params: flatParams(data),
    warnings: [],
  };
}

/** InvokeAI 3+/4+ `invokeai_metadata` JSON. */
export function generationFromInvokeAi(text: string): GenerationInfo {
  const data = object(parseJsonExact(text));
  if (!data) throw new Error('invokeai_metadata is not a JSON object');
  const model = object(data.model);
  const loras: LoraUse[] = [];
  if (Array.isArray(data.loras)) {
    for (const entry of data.loras) {
      const e = object(entry);
      const ref = object(e?.lora) ?? object(e?.model);
      const name = str(ref?.model_name) ?? str(ref?.name) ?? str(ref?.key);
      if (name) loras.push({ name, weight: numberOrUndefined(e?.weight) ?? 1, via: 'metadata-list' });
    }
  }
  return {
    source: 'invokeai',
    prompt: str(data.positive_prompt) ?? '',
    negativePrompt: str(data.negative_prompt) || undefined,
    seed: seedString(data.seed),
    steps: numberOrUndefined(data.steps),
    cfg: numberOrUndefined(data.cfg_scale),
    sampler: str(data.scheduler),
    width: numberOrUndefined(data.width),
    height: numberOrUndefined(data.height),
    checkpoint: str(model?.model_name) ?? str(model?.name),
    checkpointHash: str(model?.hash),
    clipSkip: numberOrUndefined(data.clip_skip),
    loras,
    params: flatParams(data),
    warnings: [],
  };
}

/** InvokeAI 2.x `sd-metadata` JSON. */
export function generationFromInvokeAiLegacy(text: string): GenerationInfo {
  const data = object(parseJsonExact(text));
  const image = object(data?.image);
  if (!data || !image) throw new Error('sd-metadata has no "image" object');
  const prompts = Array.isArray(image.prompt) ? image.prompt : [];
  const prompt = typeof image.prompt === 'string' ? image.prompt : prompts.map((p) => str(object(p)?.prompt) ?? '').join(' ');
  return {
    source: 'invokeai',
    prompt,
    seed: seedString(image.seed),
    steps: numberOrUndefined(image.steps),
    cfg: numberOrUndefined(image.cfg_scale),
    sampler: str(image.sampler),
    width: numberOrUndefined(image.width),
    height: numberOrUndefined(image.height),
    checkpoint: str(data.model_weights),
    checkpointHash: str(data.model_hash),
    loras: [],
    params: flatParams({ ...data, image: undefined, ...image }),
    warnings: [],
  };
}

/** NovelAI: prompt in Description, settings JSON in Comment, model in Source. */
export function generationFromNovelAi(texts: Map<string, string>): GenerationInfo {
  const comment = object(parseJsonExact(texts.get('Comment') ?? '{}'));
  if (!comment) throw new Error('NovelAI Comment is not a JSON object');
  return {
    source: 'novelai',
    prompt: texts.get('Description') ?? str(comment.prompt) ?? '',
    negativePrompt: str(comment.uc) || undefined,
    seed: seedString(comment.seed),
    steps: numberOrUndefined(comment.steps),
    cfg: numberOrUndefined(comment.scale),
    sampler: str(comment.sampler),
    width: numberOrUndefined(comment.width),
    height: numberOrUndefined(comment.height),
    checkpoint: texts.get('Source'),
    loras: [],
    params: { ...Object.fromEntries(texts), ...flatParams(comment) },
    warnings: [],
  };
}

/** InvokeAI 1.x/2.x `Dream` text: "prompt" -s steps -S seed -W width -H height -C cfg -A sampler. */
export function generationFromInvokeAiDream(text: string): GenerationInfo {
  const m = /^\s*"((?:[^"\\]|\\.)*)"(.*)$/s.exec(text);
  if (!m) throw new Error('Dream text does not start with a quoted prompt');
  const option = (flag: string) => new RegExp(`(?:^|\\s)-${flag}\\s+(\\S+)`).exec(m[2])?.[1];
  return {
    source: 'invokeai',
    prompt: m[1].replace(/\\(.)/g, '$1'),
    seed: seedString(option('S')),
    steps: numberOrUndefined(option('s')),
    cfg: numberOrUndefined(option('C')),
    sampler: option('A'),
    width: numberOrUndefined(option('W')),
    height: numberOrUndefined(option('H')),
    loras: [],
    params: { Dream: text },
    warnings: [],
  };
}
