/**
 * ingestFolder: a folder of generated images (and X/Y/Z grids to slice) → sweep.yaml.
 *
 * The sweep's lora.references must name an existing folder of images for loadSweep. When
 * --references is not given, ingest creates an empty `references/` folder next to the sweep file
 * (with a README saying what belongs there) and reports it: loading the sweep then fails, naming
 * that folder, until the user copies the LoRA's training images into it.
 */
import { existsSync, mkdirSync, readdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { fileError } from '../file-error.js';
import { IMAGE_EXTENSIONS } from '../sweep/load.js';
import type { Sweep } from '../sweep/schema.js';
import { buildSweep, factorName, isInside, type BuildSweepOptions, type IngestRecord } from './build-sweep.js';
import { errorMessage, type IngestProblem } from './errors.js';
import { sliceGrid, writeSlicedCells, type AxisOverride, type SlicedGrid } from './grid-slice.js';
import { LoraLibrary } from './lora-library.js';
import { readImageMetadata } from './read-metadata.js';
import { sweepToYaml } from './sweep-yaml.js';

export interface IngestOptions extends Omit<BuildSweepOptions, 'sweepFile' | 'library' | 'references'> {
  /** Sweep file to write. */
  out: string;
  /** Reference image folder; default: create an empty "references" folder next to the sweep file. */
  references?: string;
  /** Folder of LoRA .safetensors files whose training metadata names their base models. */
  lorasFolder?: string;
  /** X/Y/Z plot images to slice into cells. */
  grids?: string[];
  x?: AxisOverride;
  y?: AxisOverride;
  z?: AxisOverride;
  cellSize?: [number, number];
  margin?: number;
  /** Folder for sliced cells; default: "cells" next to the sweep file. */
  cellsDir?: string;
  /** Look into subfolders (default true). */
  recursive?: boolean;
  /** Write the sweep file, grid cells and reference folder (default true); false only builds the sweep. */
  write?: boolean;
  /** Write nothing when any image could not be read or placed. */
  strict?: boolean;
}

export interface IngestResult {
  sweepFile: string;
  sweep: Sweep;
  yaml: string;
  /** Images placed in the sweep. */
  imageCount: number;
  /** Files that could not be read or placed, with the reason. */
  problems: IngestProblem[];
  notes: string[];
  grids: SlicedGrid[];
  /** Set when ingest created (or, not writing, would create) the empty reference folder. */
  referencesCreated?: string;
  /** Whether files were written (false for write: false, or strict with problems). */
  written: boolean;
}

const AXIS_SETTINGS = new Set(['Nothing', 'Seed', 'Checkpoint name', 'Prompt S/R', 'LoRA weight', 'Steps', 'CFG Scale', 'Clip skip', 'Sampler']);

function listImageFiles(folder: string, recursive: boolean, skip: Set<string>): string[] {
  const out: string[] = [];
  const seenDirs = new Set<string>();
  const walk = (dir: string) => {
    const real = realpathSync(dir);
    if (seenDirs.has(real) || skip.has(real)) return;
    seenDirs.add(real);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const p = join(dir, entry.name);
      if (entry.isDirectory() || (entry.isSymbolicLink() && statSync(p, { throwIfNoEntry: false })?.isDirectory())) {
        if (recursive) walk(p);
      } else if (IMAGE_EXTENSIONS.some((ext) => entry.name.toLowerCase().endsWith(ext))) {
        out.push(resolve(p));
      }
    }
  };
  walk(folder);
  return out.sort();
}

async function mapPool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]);
      }
    }),
  );
  return results;
}

export async function ingestFolder(folder: string | undefined, options: IngestOptions): Promise<IngestResult> {
  const sweepFile = resolve(options.out);
  const sweepDir = dirname(sweepFile);
  // Every path in the sweep is relative to its folder, so that folder must be one (or not exist yet).
  for (let d = sweepDir; ; d = dirname(d)) {
    if (existsSync(d)) {
      if (!statSync(d).isDirectory()) throw new UserError(`--out ${options.out}: ${d} is a file, not a folder`);
      break;
    }
    if (dirname(d) === d) break;
  }
  const problems: IngestProblem[] = [];
  const notes: string[] = [];
  const records = new Map<string, IngestRecord>();
  const references = options.references ? resolve(options.references) : resolve(sweepDir, 'references');
  const cellsDir = resolve(options.cellsDir ?? join(sweepDir, 'cells'));
  if (options.references && !existsSync(references)) throw new UserError(`--references ${options.references}: folder not found`);

  if (folder !== undefined) {
    const root = resolve(folder);
    if (!existsSync(root) || !statSync(root).isDirectory()) throw new UserError(`${folder}: folder not found`);
    const skip = new Set([references, ...(existsSync(references) ? [realpathSync(references)] : [])]);
    const files = listImageFiles(root, options.recursive ?? true, skip);
    const read = await mapPool(files, 4, async (file) => {
      try {
        return { file, meta: await readImageMetadata(file) };
      } catch (e) {
        return { file, error: errorMessage(e) };
      }
    });
    const slicing = new Set((options.grids ?? []).map((g) => resolve(g)));
    for (const r of read) {
      if (slicing.has(r.file)) continue;
      if (r.error !== undefined) problems.push({ file: r.file, reason: r.error });
      else if (r.meta!.isGrid) problems.push({ file: r.file, reason: 'an X/Y/Z plot grid (many images in one): slice it with --grid' });
      else {
        const { width, height } = r.meta!;
        records.set(r.file, { path: r.file, generation: r.meta!.generation, ...(width && height ? { pixelSize: [width, height] as [number, number] } : {}) });
      }
    }
    if (files.length === 0) notes.push(`no images (${IMAGE_EXTENSIONS.join(', ')}) found in ${folder}`);
  }

  const grids: SlicedGrid[] = [];
  for (const grid of options.grids ?? []) {
    try {
      const sliced = await sliceGrid(resolve(grid), {
        outDir: cellsDir,
        x: options.x,
        y: options.y,
        z: options.z,
        cellSize: options.cellSize,
        margin: options.margin,
        lora: options.loras?.[0],
        write: false,
      });
      grids.push(sliced);
      notes.push(
        `${grid}: ${sliced.cells.length} cells of ${sliced.layout.cellWidth}×${sliced.layout.cellHeight} (margin ${sliced.layout.margin}, label column ${sliced.layout.padLeft}, label band ${sliced.layout.padTop}; ${sliced.layout.method}) written to ${relative(process.cwd(), dirname(sliced.cells[0].path)) || '.'}`,
        ...sliced.warnings.map((w) => `${grid}: ${w}`),
      );
      for (const cell of sliced.cells) {
        const extraLevels: Record<string, string | number> = {};
        for (const axis of [sliced.axes.x, sliced.axes.y, sliced.axes.z]) {
          if (!axis || AXIS_SETTINGS.has(axis.type) || /^AddNet /.test(axis.type)) continue;
          extraLevels[factorName(axis.type)] = cell.infotext.params[axis.type] ?? '';
        }
        records.set(resolve(cell.path), { path: resolve(cell.path), generation: cell.generation, extraLevels });
      }
    } catch (e) {
      problems.push({ file: resolve(grid), reason: errorMessage(e) });
    }
  }

  const library = options.lorasFolder ? await LoraLibrary.scan(resolve(options.lorasFolder)) : undefined;
  if (library) problems.push(...library.problems);
  const built = await buildSweep([...records.values()], { ...options, sweepFile, library, references });
  // loadSweep keeps references inside the sweep's folder or root, as it does images.
  const rootDir = resolve(sweepDir, built.sweep.root ?? '.');
  if (!isInside(sweepDir, references) && !isInside(rootDir, references)) {
    throw new UserError(
      `--references ${options.references}: ${references} is outside the sweep's folder ${sweepDir}${rootDir !== sweepDir ? ` and its root ${rootDir}` : ''}; copy the reference images into it`,
    );
  }
  problems.push(...built.problems);
  notes.push(...built.notes);

  let referencesCreated: string | undefined;
  if (!existsSync(references)) referencesCreated = references;
  const yaml = sweepToYaml(built.sweep, {
    sources: [...(folder !== undefined ? [folder] : []), ...(options.grids ?? [])],
    placeholders: built.placeholders,
    referencesCreated: referencesCreated !== undefined,
  });
  const written = (options.write ?? true) && !(options.strict && problems.length > 0);
  if (written) {
    for (const grid of grids) writeSlicedCells(grid);
    try {
      mkdirSync(sweepDir, { recursive: true });
      writeFileSync(sweepFile, yaml);
    } catch (e) {
      throw fileError(e, 'write', sweepFile);
    }
    if (referencesCreated) {
      mkdirSync(referencesCreated, { recursive: true });
      writeFileSync(
        join(referencesCreated, 'README.txt'),
        "Put the LoRA's training (reference) images here (.png, .jpg, .jpeg, .webp).\nlora-eval compares generated images with them (concept similarity, style retention); the sweep does not load until this folder holds images.\n",
      );
      notes.push(
        `created the empty reference folder ${relative(process.cwd(), referencesCreated) || referencesCreated}: put the LoRA's training images in it (or pass --references <folder>); loading the sweep fails until it holds images`,
      );
    }
  }
  return { sweepFile, sweep: built.sweep, yaml, imageCount: (built.sweep.images as unknown[]).length, problems, notes, grids, referencesCreated, written };
}
