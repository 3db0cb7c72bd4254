/**
 * From images with generation metadata to a sweep: target = checkpoint, weight = LoRA multiplier,
 * base = the model the LoRA was trained on (from --base-of, else the LoRA file's training metadata),
 * prompts grouped by their text with the LoRA tag removed, seeds as recorded. Settings that vary
 * between images (clip skip, size, steps, CFG, sampler, grid axes) become extra factors so that
 * no two images share a cell.
 */
import { createHash } from 'node:crypto';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { UserError } from '../errors.js';
import { SweepSchema, type ExplicitImage, type Sweep } from '../sweep/schema.js';
import { compareSeeds } from '../sweep/seed.js';
import type { IngestProblem } from './errors.js';
import type { GenerationInfo } from './generation.js';
import type { LoraLibrary } from './lora-library.js';
import { resolveBases } from './lora-bases.js';
import { modelStem, sameLoraName } from './lora-tags.js';
import { refuseNamesOfTwoFiles } from './one-file-per-name.js';
import { nameSdScriptsNetworks, placeImage, StudiedLoras, type Placed } from './place-image.js';

export { factorName } from './place-image.js';

export interface IngestRecord {
  /** Absolute path of the image. */
  path: string;
  generation: GenerationInfo;
  /** Extra factor levels the image carries beyond its metadata (grid axes such as "Var. strength"). */
  extraLevels?: Record<string, string | number>;
  /** The file's own pixel size, when read. */
  pixelSize?: [number, number];
}

export interface BuildSweepOptions {
  /** Absolute path the sweep file will be written to; image paths are made relative to it. */
  sweepFile: string;
  name?: string;
  /** LoRA name → base model, from --base-of. */
  baseOf?: Record<string, string>;
  library?: LoraLibrary;
  /** The LoRAs under study; default: the --base-of names, else every LoRA the images use. */
  loras?: string[];
  trigger?: string;
  description?: string;
  conceptTags?: string[];
  /** Reference image folder (absolute); default: "references" next to the sweep file. */
  references?: string;
  /** Target for images whose metadata records no checkpoint (sd-scripts). */
  defaultTarget?: string;
  /** Weight for images that record no LoRA multiplier but were made with the LoRA (sd-scripts --network_mul). */
  defaultWeight?: number;
}

export interface BuiltSweep {
  sweep: Sweep;
  /** Images left out, with the reason. */
  problems: IngestProblem[];
  /** Things the user should know or do (placeholders to fill, guesses made). */
  notes: string[];
  /** Absolute reference folder the sweep points at. */
  references: string;
  /** lora.* fields holding placeholder text. */
  placeholders: string[];
}

export const PLACEHOLDER_TRIGGER = 'FILL_IN_trigger';
export const PLACEHOLDER_DESCRIPTION = 'FILL IN: plain words describing the concept; they replace the trigger when prompts are scored';

/** Prompt id from the text: a readable slug plus a short hash of the full text. */
export function promptId(text: string): string {
  const slug = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32)
    .replace(/-+$/, '');
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 6);
  return slug ? `${slug}-${hash}` : `prompt-${hash}`;
}

function compareLevels(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), 'en', { numeric: true });
}

function posixRelative(from: string, to: string): string {
  return relative(from, to).split(sep).join('/');
}

export function isInside(dir: string, file: string): boolean {
  const rel = relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function commonDir(paths: string[]): string {
  let dir = dirname(paths[0]);
  while (!paths.every((p) => isInside(dir, p))) {
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return dir;
}

/** The factor holding the LoRA's text-encoder multiplier when it is not the same at every weight. */
const TE_WEIGHT = 'te_weight';

/**
 * Whether the text-encoder multiplier must be a factor: images of one LoRA and weight (the UNet multiplier) made with
 * different text-encoder multipliers differ, and pooling them would credit the weight with the difference.
 */
function textEncoderWeights(placed: Placed[]): { isFactor: boolean; note?: string } {
  const perWeight = new Map<string, Set<number>>();
  for (const p of placed) {
    if (!(p.weight > 0) || p.textEncoderWeight === undefined) continue;
    const key = JSON.stringify([p.lora, p.weight]);
    perWeight.set(key, (perWeight.get(key) ?? new Set()).add(p.textEncoderWeight));
  }
  const pairs = [...perWeight].map(([key, tes]) => ({ weight: (JSON.parse(key) as [string, number])[1], tes: [...tes].sort((a, b) => a - b) }));
  const varied = pairs.find((x) => x.tes.length > 1);
  if (varied)
    return {
      isFactor: true,
      note: `images of weight ${varied.weight} were made with text-encoder multipliers ${varied.tes.join(', ')}: added as factor ${TE_WEIGHT} (weight is the UNet multiplier)`,
    };
  const differ = pairs.filter((x) => x.tes[0] !== x.weight);
  if (differ.length)
    return {
      isFactor: false,
      note: `the text-encoder multiplier is not the weight (the UNet multiplier): ${differ.map((x) => `weight ${x.weight} with text encoder ${x.tes[0]}`).join(', ')}`,
    };
  return { isFactor: false };
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export async function buildSweep(records: IngestRecord[], options: BuildSweepOptions): Promise<BuiltSweep> {
  const problems: IngestProblem[] = [];
  const notes: string[] = [];
  const sweepDir = dirname(resolve(options.sweepFile));
  const baseOf = Object.entries(options.baseOf ?? {});

  const withNetworkNames = (g: GenerationInfo) => nameSdScriptsNetworks(g, options.loras);

  // Which LoRAs are under study.
  const studied: string[] = [];
  const addStudied = (name: string) => {
    if (!studied.some((s) => sameLoraName(s, name))) studied.push(modelStem(name));
  };
  if (options.loras?.length) options.loras.forEach(addStudied);
  else if (baseOf.length) baseOf.forEach(([name]) => addStudied(name));
  else for (const r of records) for (const l of withNetworkNames(r.generation).loras) addStudied(l.name);

  const studiedLoras = new StudiedLoras(studied);
  const placed: Placed[] = [];
  for (const record of [...records].sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }))) {
    const result = placeImage({ ...record, generation: withNetworkNames(record.generation) }, studiedLoras, options);
    if ('reason' in result) problems.push({ file: record.path, reason: result.reason });
    else placed.push(result);
  }

  refuseNamesOfTwoFiles(placed, sweepDir);
  const bases = await resolveBases(placed, baseOf, options.library);
  notes.push(...bases.notes);
  const baseOfLora = bases.baseOfLora;

  // Which settings vary and so become factors.
  const settingNames = [...new Set(placed.flatMap((p) => Object.keys(p.settings)))];
  const varying = settingNames.filter((name) => new Set(placed.map((p) => String(p.settings[name] ?? 'unknown'))).size > 1);
  const lorasPerBase = new Map<string, Set<string>>();
  for (const p of placed) if (p.lora) lorasPerBase.set(baseOfLora.get(p.lora)!, (lorasPerBase.get(baseOfLora.get(p.lora)!) ?? new Set()).add(p.lora));
  const needLoraFactor = [...lorasPerBase.values()].some((s) => s.size > 1);
  const textEncoder = textEncoderWeights(placed);
  if (textEncoder.note) notes.push(textEncoder.note);

  // Prompts.
  const promptIds = new Map<string, string>();
  const promptKinds = new Map<string, boolean>();
  const triggerRe = options.trigger ? new RegExp(`(^|[^\\p{L}\\p{N}_])${escapeRegExp(options.trigger)}($|[^\\p{L}\\p{N}_])`, 'iu') : undefined;
  for (const p of placed) {
    if (!promptIds.has(p.promptText)) promptIds.set(p.promptText, promptId(p.promptText));
    const concept = triggerRe ? triggerRe.test(p.promptText) : p.loraApplied;
    promptKinds.set(p.promptText, (promptKinds.get(p.promptText) ?? false) || concept);
  }
  // A trigger found in no prompt would make every prompt "unrelated": base preservation scored on concept prompts.
  if (triggerRe && placed.length && ![...promptKinds.values()].some((concept) => concept))
    throw new UserError(
      `--trigger ${options.trigger}: no prompt of the ${promptIds.size} read contains it (e.g. "${[...promptIds.keys()][0]}"); give the word the concept prompts use`,
    );
  if (!options.trigger && placed.length) {
    notes.push(
      'prompt kinds are guessed from where the LoRA was applied (every such prompt is "concept"); give --trigger <word> to mark prompts without the trigger as "unrelated"',
    );
  }

  // Cells and duplicates.
  const images: ExplicitImage[] = [];
  const seenCells = new Map<string, string>();
  const levelsUsed = new Map<string, Set<string | number>>();
  const addLevel = (factor: string, level: string | number) => {
    if (!levelsUsed.has(factor)) levelsUsed.set(factor, new Set());
    levelsUsed.get(factor)!.add(level);
  };
  for (const p of placed) {
    const levels: Record<string, string | number> = { target: p.target, weight: p.weight };
    if (p.weight > 0 && p.lora) {
      levels.base = baseOfLora.get(p.lora)!;
      if (needLoraFactor) levels.lora = p.lora;
      if (textEncoder.isFactor) levels[TE_WEIGHT] = p.textEncoderWeight!;
    }
    for (const name of varying) levels[name] = p.settings[name] ?? 'unknown';
    const id = promptIds.get(p.promptText)!;
    const cellKey = JSON.stringify([levels, id, p.seed]);
    const prior = seenCells.get(cellKey);
    if (prior) {
      problems.push({
        file: p.record.path,
        reason: `same cell as ${prior} (${Object.entries(levels)
          .map(([k, v]) => `${k}=${v}`)
          .join(
            ' ',
          )} prompt=${id} seed=${p.seed})${p.weight === 0 ? "; weight-0 images are the target's native output, whatever LoRA run made them: one per cell is kept" : ''}`,
      });
      continue;
    }
    seenCells.set(cellKey, p.record.path);
    for (const [k, v] of Object.entries(levels)) addLevel(k, v);
    images.push({ path: p.record.path, prompt: id, seed: p.seed, ...levels });
  }
  if (images.length === 0) {
    throw new UserError(
      `no usable images: ${problems.length ? `${problems.length} left out (${problems[0].reason}${problems.length > 1 ? ', …' : ''})` : 'none found'}`,
    );
  }

  // Paths relative to the sweep file, or to a root folder when the images live elsewhere.
  const imageDir = commonDir(images.map((i) => i.path));
  const root = images.every((i) => isInside(sweepDir, i.path)) ? undefined : imageDir;
  const base = root ?? sweepDir;
  for (const img of images) img.path = posixRelative(base, img.path);
  if (root) notes.push(`images are outside the sweep file's folder: root is set to ${posixRelative(sweepDir, root) || '.'}`);

  const factorOrder = ['base', 'target', 'weight', ...(needLoraFactor ? ['lora'] : []), ...(textEncoder.isFactor ? [TE_WEIGHT] : []), ...varying];
  const factors: Record<string, (string | number)[]> = {};
  for (const name of factorOrder) {
    const levels = levelsUsed.get(name);
    if (levels && levels.size) factors[name] = [...levels].sort(compareLevels);
  }
  if (!factors.weight) factors.weight = [0];
  for (const name of varying) notes.push(`${name} differs between images (${factors[name]?.join(', ')}): added as a factor`);

  const references = options.references ?? resolve(sweepDir, 'references');
  const placeholders: string[] = [];
  const trigger = options.trigger ?? PLACEHOLDER_TRIGGER;
  if (!options.trigger) placeholders.push('lora.trigger');
  const description = options.description ?? PLACEHOLDER_DESCRIPTION;
  if (!options.description) placeholders.push('lora.description');
  if (!options.conceptTags?.length) placeholders.push('lora.concept_tags');
  const loraNames = [...baseOfLora.keys()];

  const prompts = [...promptIds.entries()]
    .map(([text, id]) => ({ id, kind: (promptKinds.get(text) ? 'concept' : 'unrelated') as 'concept' | 'unrelated', text }))
    .sort((a, b) => a.id.localeCompare(b.id));
  const sweepObject = {
    name: options.name ?? 'ingested-sweep',
    ...(root ? { root: posixRelative(sweepDir, root) || '.' } : {}),
    lora: {
      ...(loraNames.length === 1 ? { name: loraNames[0] } : {}),
      trigger,
      description,
      concept_tags: options.conceptTags ?? [],
      references: posixRelative(sweepDir, references) || '.',
    },
    factors,
    lora_factors: ['base', 'lora', TE_WEIGHT].filter((f) => f in factors),
    prompts,
    seeds: [...new Set(images.map((i) => i.seed))].sort(compareSeeds),
    images,
  };
  const parsed = SweepSchema.safeParse(sweepObject);
  if (!parsed.success) {
    throw new Error(`the sweep built from the images does not validate: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  if (placeholders.length) {
    notes.push(
      `fill in ${placeholders.join(', ')} in the sweep file: generation metadata does not record the trigger word, its description or the concept tags`,
    );
  }
  return { sweep: parsed.data, problems, notes, references, placeholders };
}
