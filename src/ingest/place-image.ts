/** Where one image goes in a sweep: its target, weight, LoRA, seed, prompt text and settings, or why it cannot go. */
import type { Seed } from '../sweep/seed.js';
import type { GenerationInfo, LoraUse } from './generation.js';
import { modelStem, removeLoraTags, sameLoraName, tidyPrompt } from './lora-tags.js';

export interface PlaceableRecord {
  path: string;
  generation: GenerationInfo;
  extraLevels?: Record<string, string | number>;
  /** The file's own pixel size, when read: what is scored, whatever size the metadata records. */
  pixelSize?: [number, number];
}

export interface Placed {
  record: PlaceableRecord;
  target: string;
  weight: number;
  /** The studied LoRA applied (weight > 0), by its canonical name. */
  lora?: string;
  loraHash?: string;
  /** Text-encoder (CLIP) multiplier of the studied LoRA where it is applied; `weight` is the UNet one. */
  textEncoderWeight?: number;
  seed: Seed;
  /** Prompt with the studied LoRA's tags removed: what groups images into prompts. */
  promptText: string;
  /** The LoRA was applied (or tagged, at weight 0) in this image. */
  loraApplied: boolean;
  /** Settings that become factors when they differ between images. */
  settings: Record<string, string | number | undefined>;
}

/** The LoRAs under study, matched by name the way tools spell them. */
export class StudiedLoras {
  constructor(readonly names: string[]) {}

  has(name: string): boolean {
    return this.names.some((s) => sameLoraName(s, name));
  }

  canonical(name: string): string {
    return this.names.find((s) => sameLoraName(s, name)) ?? modelStem(name);
  }
}

/** Settings recorded as extra factors when they differ between images. */
const SETTING_FACTORS: { name: string; read: (g: GenerationInfo) => string | number | undefined }[] = [
  { name: 'clip_skip', read: (g) => g.clipSkip },
  // A1111's "Size" is the first pass's: a hires-fixed image is larger. The file's own size wins (placeImage).
  { name: 'resolution', read: (g) => (g.width && g.height ? `${g.width}x${g.height}` : undefined) },
  { name: 'steps', read: (g) => g.steps },
  { name: 'cfg', read: (g) => g.cfg },
  { name: 'sampler', read: (g) => g.sampler },
];

/** "Var. strength" → "var_strength": a factor name the sweep schema accepts and that clashes with no built-in one. */
export function factorName(label: string): string {
  let id = label
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (!id) id = 'factor';
  if (/^[0-9]/.test(id)) id = `f_${id}`;
  return RESERVED.has(id) ? `${id}_setting` : id;
}

const RESERVED = new Set(['image', 'sha256', 'prompt', 'seed', 'metric', 'model', 'value', 'path', 'target', 'weight', 'base', 'lora', 'te_weight']);

/** sd-scripts records network multipliers (--am) but not the network files: names them after --lora, in order. */
export function nameSdScriptsNetworks(g: GenerationInfo, loras: string[] | undefined): GenerationInfo {
  if (g.source !== 'sd-scripts' || !loras?.length) return g;
  const named = g.loras.map((l) => {
    const index = /^network(\d+)$/.exec(l.name);
    return l.via === 'metadata-list' && index ? { ...l, name: loras[Number(index[1]) - 1] ?? l.name } : l;
  });
  return { ...g, loras: named };
}

/** "1" when both multipliers agree, else "unet 1 / text encoder 0.5". */
function multiplierLabel(use: LoraUse): string {
  return use.clipWeight === undefined || use.clipWeight === use.weight ? String(use.weight) : `unet ${use.weight} / text encoder ${use.clipWeight}`;
}

export function placeImage(
  record: PlaceableRecord,
  studied: StudiedLoras,
  defaults: { defaultTarget?: string; defaultWeight?: number },
): Placed | { reason: string } {
  const g = record.generation;
  const uses = g.loras.filter((l) => studied.has(l.name));
  const names = [...new Set(uses.map((u) => studied.canonical(u.name)))];
  if (names.length > 1) {
    return { reason: `applies ${names.length} of the studied LoRAs (${names.join(', ')}); a sweep image applies one (name the one under study with --lora)` };
  }
  const multipliers = [...new Set(uses.map((u) => multiplierLabel(u)))];
  if (multipliers.length > 1) return { reason: `applies LoRA ${names[0]} with different weights (${multipliers.join(', ')})` };

  let use: LoraUse | undefined = uses[0];
  let weight = 0;
  if (use) weight = use.weight;
  else if (defaults.defaultWeight !== undefined && studied.names.length === 1) {
    // sd-scripts: the multiplier was a command-line argument (--network_mul), given again with --weight.
    weight = defaults.defaultWeight;
    use = weight > 0 ? { name: studied.names[0], weight, via: 'metadata-list' } : undefined;
  }
  if (!Number.isFinite(weight)) return { reason: `LoRA ${use?.name} has a multiplier that is not a number` };
  if (weight < 0) return { reason: `LoRA ${use?.name} has a negative weight ${weight}; sweep weights are ≥ 0` };
  const textEncoderWeight = use ? (use.clipWeight ?? use.weight) : 0;
  if (!Number.isFinite(textEncoderWeight)) return { reason: `LoRA ${use?.name} has a text-encoder multiplier that is not a number` };
  // Weight 0 stands for the target's native output; a LoRA still applied to the text encoder changes the image.
  if (weight === 0 && textEncoderWeight !== 0)
    return {
      reason: `LoRA ${use?.name} has UNet weight 0 but text-encoder multiplier ${textEncoderWeight}: not the target's native output, which weight 0 stands for`,
    };

  const target = g.checkpoint ? modelStem(g.checkpoint) : defaults.defaultTarget;
  if (!target) {
    return {
      reason: `no checkpoint (model) in the ${g.source} metadata${g.source === 'sd-scripts' ? ' (sd-scripts does not record it)' : ''}; give --target <name>`,
    };
  }
  if (g.seed === undefined) return { reason: 'no seed in the metadata' };
  const seed = g.seed;

  const promptText = tidyPrompt(removeLoraTags(g.prompt, (t) => studied.has(t.name)));
  if (!promptText) return { reason: 'empty prompt once the LoRA tag is removed' };

  const settings: Record<string, string | number | undefined> = {};
  for (const f of SETTING_FACTORS) settings[f.name] = f.read(g);
  if (record.pixelSize) settings.resolution = `${record.pixelSize[0]}x${record.pixelSize[1]}`;
  for (const [k, v] of Object.entries(record.extraLevels ?? {})) settings[factorName(k)] = v;
  return {
    record,
    target,
    weight: weight === 0 ? 0 : weight,
    lora: weight > 0 && use ? studied.canonical(use.name) : undefined,
    loraHash: use?.hash,
    textEncoderWeight: weight > 0 ? textEncoderWeight : undefined,
    seed,
    promptText,
    loraApplied: uses.some((u) => u.via === 'prompt-tag') || (weight > 0 && use !== undefined),
    settings,
  };
}
