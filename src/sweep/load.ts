import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { ZodError } from 'zod';
import { SweepSchema, type ExplicitImage, type Sweep } from './schema.js';
import type { Seed } from './seed.js';
import { fillTemplate, templateFields } from './template.js';
import { canonicalLevel } from './level.js';
import { SweepError, type LoadedSweep, type SweepImage, type SweepProblem } from './types.js';
import { parseYamlSource, readYamlText, validateYaml } from './yaml-file.js';

type Schema<T> = { safeParse(v: unknown): { success: true; data: T } | { success: false; error: ZodError } };

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp'];

/** Parses a YAML file and validates it against a zod schema, naming the field and line of every problem. */
export function parseYamlFile<T>(file: string, schema: Schema<T>): T {
  return parseYamlText(readYamlText(file), file, schema);
}

export function parseYamlText<T>(text: string, file: string, schema: Schema<T>): T {
  return validateYaml(parseYamlSource(text, file), schema);
}

/** Lists the image files of a folder, sorted, as absolute paths. */
export function listImages(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true })
    .filter((d) => d.isFile() && IMAGE_EXTENSIONS.some((ext) => d.name.toLowerCase().endsWith(ext)))
    .map((d) => join(folder, d.name))
    .sort();
}

function levelString(v: string | number): string {
  return String(v);
}

function cellLabel(levels: Record<string, string>, prompt: string, seed: Seed): string {
  const parts = Object.entries(levels)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `${k}=${v}`);
  return `${parts.join(' ')} prompt=${prompt} seed=${seed}`;
}

/** Cartesian product of factor levels, in declaration order. */
function* combinations(factors: [string, string[]][]): Generator<Record<string, string>> {
  if (factors.length === 0) {
    yield {};
    return;
  }
  const [[name, levels], ...rest] = factors;
  for (const level of levels) {
    for (const tail of combinations(rest)) yield { [name]: level, ...tail };
  }
}

interface PlannedImage {
  relPath: string;
  levels: Record<string, string>;
  prompt: string;
  seed: Seed;
  weight: number;
  native: boolean;
  /** where the image came from, for messages */
  origin: { field: string; line?: number };
}

function planFromTemplate(sweep: Sweep, loraFactors: string[], file: string, problems: SweepProblem[]): PlannedImage[] {
  const spec = typeof sweep.images === 'string' ? { template: sweep.images, native: undefined } : (sweep.images as { template: string; native?: string });
  const factorEntries = Object.entries(sweep.factors).map(([k, v]) => [k, v.map(levelString)] as [string, string[]]);
  const known = new Set([...Object.keys(sweep.factors), 'prompt', 'seed']);
  for (const [field, template] of [
    ['images.template', spec.template],
    ['images.native', spec.native],
  ] as const) {
    if (!template) continue;
    for (const name of templateFields(template)) {
      if (!known.has(name)) problems.push({ file, field, message: `template uses {${name}}, which is not a factor; known: ${[...known].join(', ')}` });
    }
  }
  const hasZeroWeight = sweep.factors.weight?.some((w) => Number(w) === 0);
  const mainUsesLoraFactor = templateFields(spec.template).some((f) => loraFactors.includes(f));
  if (hasZeroWeight && !spec.native && mainUsesLoraFactor) {
    problems.push({
      file,
      field: 'images',
      message: `weight 0 images do not depend on ${loraFactors.join(', ')}, but the template uses them: give images as { template, native } with a native template for weight-0 images, e.g. native: "native/{target}/{prompt}-{seed}.png"`,
    });
  }
  if (spec.native) {
    const used = templateFields(spec.native).filter((f) => loraFactors.includes(f));
    if (used.length) problems.push({ file, field: 'images.native', message: `the native template may not use LoRA-only factors (${used.join(', ')})` });
  }
  if (problems.length) return [];
  const planned: PlannedImage[] = [];
  const seenNative = new Set<string>();
  const excluded = (levels: Record<string, string>) =>
    (sweep.exclude ?? []).some((rule) =>
      Object.entries(rule).every(([name, value]) =>
        (Array.isArray(value) ? value : [value]).some((l) => canonicalLevel(String(l)) === canonicalLevel(levels[name])),
      ),
    );
  let kept = 0;
  for (const levels of combinations(factorEntries)) {
    if (excluded(levels)) continue;
    kept++;
    const weight = Number(levels.weight);
    const native = weight === 0;
    const cellLevels = { ...levels };
    if (native) for (const f of loraFactors) cellLevels[f] = '';
    for (const prompt of sweep.prompts) {
      for (const seed of sweep.seeds) {
        const template = native && spec.native ? spec.native : spec.template;
        const relPath = fillTemplate(template, { ...levels, prompt: prompt.id, seed });
        if (native) {
          const id = JSON.stringify([cellLevels, prompt.id, seed]);
          if (seenNative.has(id)) continue;
          seenNative.add(id);
        }
        planned.push({
          relPath,
          levels: cellLevels,
          prompt: prompt.id,
          seed,
          weight,
          native,
          origin: { field: native && spec.native ? 'images.native' : 'images.template' },
        });
      }
    }
  }
  if (sweep.exclude && kept === 0) problems.push({ file, field: 'exclude', message: 'the exclude rules leave no level combination of the factors' });
  return planned;
}

function planFromList(
  sweep: Sweep,
  list: ExplicitImage[],
  loraFactors: string[],
  file: string,
  problems: SweepProblem[],
  lineOf: (i: number) => number | undefined,
): PlannedImage[] {
  const planned: PlannedImage[] = [];
  const promptIds = new Set(sweep.prompts.map((p) => p.id));
  const seeds = new Set(sweep.seeds);
  list.forEach((entry, i) => {
    const field = `images.${i}`;
    const line = lineOf(i);
    const at = (message: string) => problems.push({ file, field, line, message });
    const { path, prompt, seed, ...rest } = entry;
    const levels: Record<string, string> = {};
    for (const key of Object.keys(rest)) {
      if (!(key in sweep.factors)) at(`unknown factor "${key}"; factors are ${Object.keys(sweep.factors).join(', ')}`);
    }
    const weight = Number(rest.weight);
    const native = weight === 0;
    for (const [name, declared] of Object.entries(sweep.factors)) {
      const value = rest[name];
      if (value === undefined) {
        if (native && loraFactors.includes(name)) {
          levels[name] = '';
          continue;
        }
        at(`missing factor "${name}"`);
        continue;
      }
      const level = levelString(value as string | number);
      const allowed = declared.map(levelString);
      if (!allowed.includes(level)) at(`${name} "${level}" is not a declared level; levels are ${allowed.join(', ')}`);
      levels[name] = native && loraFactors.includes(name) ? '' : level;
    }
    if (!promptIds.has(prompt)) at(`unknown prompt "${prompt}"; prompts are ${[...promptIds].join(', ')}`);
    if (!seeds.has(seed)) at(`seed ${seed} is not listed in seeds`);
    planned.push({ relPath: path, levels, prompt, seed, weight, native, origin: { field, line } });
  });
  return planned;
}

/**
 * The real path of a file (links followed) and whether it is a regular file; undefined when it does not exist. A file
 * that is not itself a link lies in its folder's real path, so a folder's realpath is looked up once and each file costs
 * one lstat, where tens of thousands of images would otherwise each pay realpath's lookup of every path component.
 */
function realPaths(): (path: string) => { path: string; isFile(): boolean } | undefined {
  const folders = new Map<string, string | undefined>();
  const realFolder = (dir: string) => {
    if (!folders.has(dir)) {
      const real = tryOr(() => realpathSync.native(dir));
      folders.set(dir, real);
    }
    return folders.get(dir);
  };
  return (path) => {
    const folder = realFolder(dirname(path));
    const st = folder === undefined ? undefined : tryOr(() => lstatSync(path));
    if (!st) return undefined;
    if (!st.isSymbolicLink()) return { path: join(folder!, basename(path)), isFile: () => st.isFile() };
    const real = tryOr(() => realpathSync.native(path));
    return real === undefined ? undefined : { path: real, isFile: () => statSync(real).isFile() };
  };
}

function tryOr<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

function insideRoot(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Loads and validates a sweep file and resolves every image of the design.
 * Problems with the file itself throw a SweepError naming each field and line;
 * images that are missing on disk are returned in `missing` so that a run can go on without them.
 */
export function loadSweep(sweepFile: string): LoadedSweep {
  const file = resolve(sweepFile);
  const text = readYamlText(file);
  const source = parseYamlSource(text, file);
  const sweep = validateYaml(source, SweepSchema);
  const problems: SweepProblem[] = [];
  const root = resolve(dirname(file), sweep.root ?? '.');
  if (!existsSync(root)) throw new SweepError([{ file, field: 'root', message: `folder not found: ${root}` }]);
  const realRoot = realpathSync.native(root);
  const factorNames = Object.keys(sweep.factors);
  const loraFactors = sweep.lora_factors ?? factorNames.filter((f) => f !== 'target' && f !== 'weight');

  const lineOf = (i: number) => source.lineOf(['images', i]);
  const planned = Array.isArray(sweep.images)
    ? planFromList(sweep, sweep.images, loraFactors, file, problems, lineOf)
    : planFromTemplate(sweep, loraFactors, file, problems);

  const byPath = new Map<string, PlannedImage>();
  const byCell = new Map<string, PlannedImage>();
  for (const p of planned) {
    const abs = resolve(root, p.relPath);
    if (!insideRoot(root, abs)) {
      problems.push({ file, field: p.origin.field, line: p.origin.line, message: `image path "${p.relPath}" leaves the sweep root ${root}` });
      continue;
    }
    const prior = byPath.get(abs);
    if (prior) {
      problems.push({
        file,
        field: p.origin.field,
        line: p.origin.line,
        message: `duplicate image "${p.relPath}" for ${cellLabel(p.levels, p.prompt, p.seed)} and ${cellLabel(prior.levels, prior.prompt, prior.seed)}${typeof sweep.images === 'string' || !Array.isArray(sweep.images) ? ': the template must use every factor with more than one level, {prompt} and {seed}' : ''}`,
      });
      continue;
    }
    byPath.set(abs, p);
    const cellKey = JSON.stringify([p.levels, p.prompt, p.seed]);
    const sameCell = byCell.get(cellKey);
    if (sameCell) {
      problems.push({
        file,
        field: p.origin.field,
        line: p.origin.line,
        message: `"${p.relPath}" and "${sameCell.relPath}" are both ${cellLabel(p.levels, p.prompt, p.seed)}`,
      });
    }
    byCell.set(cellKey, p);
  }

  const lora = sweep.lora;
  const refDir = resolve(dirname(file), lora.references);
  const styleDir = resolve(dirname(file), lora.style_references ?? lora.references);
  // Like images, references stay inside the sweep: its file's folder or its root, also after following links.
  const sweepDir = dirname(file);
  const insideSweep = (dir: string, real: (p: string) => string) => insideRoot(real(sweepDir), dir) || insideRoot(real(root), dir);
  const readRefs = (dir: string, field: string): string[] => {
    if (!insideSweep(dir, (p) => p)) {
      problems.push({ file, field, message: `reference folder ${dir} leaves the sweep (${sweepDir}${root !== sweepDir ? ` or its root ${root}` : ''})` });
      return [];
    }
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      problems.push({ file, field, message: `reference folder not found: ${dir}` });
      return [];
    }
    if (!insideSweep(realpathSync(dir), realpathSync)) {
      problems.push({ file, field, message: `reference folder ${dir} links outside the sweep (to ${realpathSync(dir)})` });
      return [];
    }
    const found = listImages(dir);
    if (found.length === 0) problems.push({ file, field, message: `no images (${IMAGE_EXTENSIONS.join(', ')}) in ${dir}` });
    return found;
  };
  const references = readRefs(refDir, 'lora.references');
  const styleReferences = styleDir === refDir ? references : readRefs(styleDir, 'lora.style_references');

  if (problems.length) throw new SweepError(problems);

  const images: SweepImage[] = [];
  const missing: LoadedSweep['missing'] = [];
  const realPathOf = realPaths();
  for (const [abs, p] of byPath) {
    const key = relative(root, abs).split(sep).join('/');
    const image: SweepImage = { key, path: abs, levels: p.levels, prompt: p.prompt, seed: p.seed, weight: p.weight, native: p.native };
    const real = realPathOf(abs);
    if (real === undefined) {
      missing.push({ image, reason: `missing image for ${cellLabel(p.levels, p.prompt, p.seed)}` });
      continue;
    }
    if (!insideRoot(realRoot, real.path)) {
      missing.push({ image, reason: `links outside the sweep root (${real.path})` });
      continue;
    }
    if (!real.isFile()) {
      missing.push({ image, reason: 'not a regular file' });
      continue;
    }
    images.push(image);
  }

  return {
    file,
    root,
    sweep,
    factorNames,
    loraFactors,
    prompts: new Map(sweep.prompts.map((p) => [p.id, p])),
    images,
    missing,
    references,
    styleReferences,
    sha256: createHash('sha256').update(text).digest('hex'),
  };
}
