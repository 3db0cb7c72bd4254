/**
 * `<lora:name:weight>` tags (A1111 extra networks; `lyco` is an alias). Arguments after the name
 * are positional (text-encoder multiplier, then UNet multiplier) or named (`te=`, `unet=`, `dyn=`),
 * as in extensions-builtin/Lora/extra_networks_lora.py: the UNet multiplier defaults to the
 * text-encoder one, which defaults to 1.
 */

export interface LoraTag {
  /** The text inside the brackets' first field, as written (an alias or a file name). */
  name: string;
  /** UNet multiplier: what a sweep calls the LoRA weight. */
  weight: number;
  /** Text-encoder multiplier. */
  textEncoderWeight: number;
  /** The tag as written, e.g. "<lora:anis:0.65>". */
  raw: string;
  start: number;
  end: number;
  /** Set when the tag has no name or a multiplier that is empty, not a number or not finite (the weights are then NaN). */
  error?: string;
}

const TAG = /<(lora|lyco):([^>]+)>/gi;

/** A multiplier as written; `problem` says why it cannot be used (the value is then NaN). */
function parseMultiplier(text: string | undefined, fallback: number): { value: number; problem?: string } {
  if (text === undefined) return { value: fallback };
  const t = text.trim();
  // A1111 fails on an empty multiplier (float("")), so assuming the default would record a weight never used.
  if (t === '') return { value: NaN, problem: 'is empty' };
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return { value: NaN, problem: `"${t}" is not a number` };
  const value = Number(t);
  return Number.isFinite(value) ? { value } : { value: NaN, problem: `${t} is out of range` };
}

export function findLoraTags(prompt: string): LoraTag[] {
  const tags: LoraTag[] = [];
  for (const m of prompt.matchAll(TAG)) {
    const args = m[2].split(':');
    const positional: string[] = [];
    const named: Record<string, string> = {};
    for (const arg of args) {
      const eq = arg.indexOf('=');
      if (eq > 0 && positional.length > 0) named[arg.slice(0, eq).trim()] = arg.slice(eq + 1);
      else positional.push(arg);
    }
    const name = positional[0].trim();
    const te = parseMultiplier(named.te ?? positional[1], 1);
    const unet = parseMultiplier(named.unet ?? positional[2], te.value);
    const tag: LoraTag = { name, weight: unet.value, textEncoderWeight: te.value, raw: m[0], start: m.index!, end: m.index! + m[0].length };
    const problems = [...(name === '' ? ['has no LoRA name'] : []), ...[te.problem, unet.problem].filter((x) => x !== undefined).map((x) => `multiplier ${x}`)];
    if (problems.length) tag.error = `${m[0]}: ${[...new Set(problems)].join('; ')}`;
    tags.push(tag);
  }
  return tags;
}

/** Collapses the separators a removed tag leaves behind: ", ," → ",", leading/trailing commas, runs of spaces. */
export function tidyPrompt(text: string): string {
  return text
    .split('\n')
    .map((line) =>
      line
        .replace(/[ \t]+/g, ' ')
        .replace(/\s*,(\s*,)+/g, ',')
        .replace(/\s+,/g, ',')
        .replace(/^[\s,]+|[\s,]+$/g, ''),
    )
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Removes the LoRA tags for which `which` is true (all by default) and tidies the separators. */
export function removeLoraTags(prompt: string, which: (tag: LoraTag) => boolean = () => true): string {
  let out = '';
  let at = 0;
  for (const tag of findLoraTags(prompt)) {
    if (!which(tag)) continue;
    out += prompt.slice(at, tag.start);
    at = tag.end;
  }
  return tidyPrompt(out + prompt.slice(at));
}

/** Replaces the weight of the tags naming `name` (or appends a tag when none does). */
export function setLoraWeight(prompt: string, name: string, weight: number): string {
  const tags = findLoraTags(prompt).filter((t) => sameLoraName(t.name, name));
  if (tags.length === 0) return `${prompt}${prompt.trim() ? ', ' : ''}<lora:${name}:${weight}>`;
  let out = '';
  let at = 0;
  for (const tag of tags) {
    out += prompt.slice(at, tag.start) + `<lora:${tag.name}:${weight}>`;
    at = tag.end;
  }
  return out + prompt.slice(at);
}

const MODEL_EXTENSIONS = /\.(safetensors|ckpt|pt|pth|bin)$/i;

/** "loras/sub/Anis_v2.safetensors" → "Anis_v2": how a LoRA or checkpoint is named across tools. */
export function modelStem(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? name;
  return base.replace(MODEL_EXTENSIONS, '').trim();
}

export function sameLoraName(a: string, b: string): boolean {
  return modelStem(a).toLowerCase() === modelStem(b).toLowerCase();
}
