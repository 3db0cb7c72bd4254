import type { Command } from 'commander';
import { relative } from 'node:path';
import type { IngestOptions } from '../ingest/ingest-folder.js';
import { EXIT, runCommand, UserError } from './errors.js';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function parsePair(pair: string): [string, string] {
  const eq = pair.indexOf('=');
  if (eq <= 0 || eq === pair.length - 1) throw new UserError(`--base-of "${pair}": expected <lora>=<base>, e.g. --base-of anis_nai=nai`);
  return [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
}

/** --base-of pairs as a map; a LoRA given two bases is refused rather than the last one silently winning. */
function baseOfOption(pairs: string[]): Record<string, string> {
  const baseOf: Record<string, string> = {};
  for (const [lora, base] of pairs.map(parsePair)) {
    if (lora in baseOf && baseOf[lora] !== base)
      throw new UserError(`--base-of: ${lora} is given two bases (${baseOf[lora]} and ${base}); a LoRA is trained on one base`);
    baseOf[lora] = base;
  }
  return baseOf;
}

function parseCellSize(text: string | undefined): [number, number] | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)x(\d+)$/i.exec(text.trim());
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new UserError(`--cell-size "${text}": expected WIDTHxHEIGHT in pixels, e.g. 512x768`);
  return [Number(m[1]), Number(m[2])];
}

function parseNumber(flag: string, text: string | undefined, check: (n: number) => boolean, expected: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || !check(n)) throw new UserError(`${flag} "${text}": expected ${expected}`);
  return n;
}

const rel = (p: string) => relative(process.cwd(), p) || p;

/** Adds `ingest`: builds a sweep.yaml from images made with A1111, ComfyUI or sd-scripts (and slices X/Y/Z grids). */
export function register(program: Command): void {
  program
    .command('ingest')
    .description(
      'build a sweep.yaml from generated images (A1111, ComfyUI, sd-scripts metadata; X/Y/Z grids with --grid): ' +
        "target = checkpoint, weight = LoRA multiplier, base = --base-of or the LoRA files' training metadata",
    )
    .argument('[folder]', 'folder of generated images (searched recursively)')
    .requiredOption('--out <sweep.yaml>', 'sweep file to write')
    .option('--base-of <lora=base>', 'base model a LoRA was trained on (repeatable)', collect, [])
    .option('--loras <folder>', 'folder of the LoRA .safetensors files: their ss_sd_model_name / ss_base_model_version give the bases')
    .option('--lora <name>', 'LoRA under study (repeatable; default: the --base-of LoRAs, else every LoRA the images use)', collect, [])
    .option('--trigger <word>', 'trigger word: prompts containing it are "concept", the others "unrelated"')
    .option('--description <text>', 'plain words that replace the trigger when prompts are scored')
    .option('--concept-tags <tags>', 'comma-separated tagger tags that show the concept')
    .option('--references <folder>', 'folder of the LoRA\'s training images (default: an empty "references" folder is created next to the sweep file)')
    .option('--name <name>', 'sweep name (default: the folder name)')
    .option('--target <name>', 'target for images whose metadata records no checkpoint (sd-scripts)')
    .option('--weight <w>', 'LoRA weight for images that record none (sd-scripts --network_mul)')
    .option('--grid <image>', 'X/Y/Z plot grid to slice into cells (repeatable)', collect, [])
    .option('--x <values>', 'X axis values of the grid, comma-separated as typed in A1111 (default: X Values from the infotext)')
    .option('--x-type <type>', 'X axis type: an A1111 axis ("Seed", "Checkpoint name", "Prompt S/R", "CFG Scale"…) or target, weight, seed')
    .option('--y <values>', 'Y axis values of the grid')
    .option('--y-type <type>', 'Y axis type')
    .option('--z <values>', 'Z axis values of the grid')
    .option('--z-type <type>', 'Z axis type')
    .option('--cell-size <WxH>', 'grid cell size in pixels (default: Size from the infotext, else searched)')
    .option('--margin <px>', 'margin between grid cells in pixels (default: searched)')
    .option('--cells-dir <folder>', 'where sliced grid cells are written (default: "cells" next to the sweep file)')
    .option('--no-recursive', 'do not look into subfolders')
    .option('--strict', 'write nothing and exit 1 when any image cannot be read or placed')
    .option('--dry-run', 'print the sweep to stdout instead of writing files')
    .action((folder: string | undefined, opts) =>
      runCommand(async () => {
        const { ingestFolder } = await import('../ingest/ingest-folder.js');
        if (folder === undefined && opts.grid.length === 0) throw new UserError('give a folder of images, --grid <image>, or both');
        const axis = (values: string | undefined, type: string | undefined, flag: string) => {
          if (values === undefined && type !== undefined) throw new UserError(`--${flag}-type needs --${flag} <values>`);
          return values === undefined ? undefined : { values, type };
        };
        const options: IngestOptions = {
          out: opts.out,
          name:
            opts.name ??
            (folder
              ? folder
                  .replace(/[\\/]+$/, '')
                  .split(/[\\/]/)
                  .pop()
              : undefined) ??
            undefined,
          baseOf: baseOfOption(opts.baseOf as string[]),
          lorasFolder: opts.loras,
          loras: opts.lora.length ? opts.lora : undefined,
          trigger: opts.trigger,
          description: opts.description,
          conceptTags: opts.conceptTags
            ? String(opts.conceptTags)
                .split(',')
                .map((t) => t.trim())
                .filter(Boolean)
            : undefined,
          references: opts.references,
          defaultTarget: opts.target,
          defaultWeight: parseNumber('--weight', opts.weight, (n) => n >= 0, 'a number ≥ 0'),
          grids: opts.grid,
          x: axis(opts.x, opts.xType, 'x'),
          y: axis(opts.y, opts.yType, 'y'),
          z: axis(opts.z, opts.zType, 'z'),
          cellSize: parseCellSize(opts.cellSize),
          margin: parseNumber('--margin', opts.margin, (n) => Number.isInteger(n) && n >= 0, 'a whole number of pixels ≥ 0'),
          cellsDir: opts.cellsDir,
          recursive: opts.recursive,
          write: !opts.dryRun,
          strict: opts.strict,
        };
        const result = await ingestFolder(folder, options);
        for (const p of result.problems) process.stderr.write(`skipped ${rel(p.file)}: ${p.reason}\n`);
        if (opts.strict && result.problems.length) {
          process.stderr.write(`error: ${result.problems.length} file(s) could not be read or placed; nothing written (--strict)\n`);
          return EXIT.failed;
        }
        if (opts.dryRun) process.stdout.write(result.yaml);
        const sweep = result.sweep;
        const factors = Object.entries(sweep.factors)
          .map(([k, v]) => `${k} (${v.length})`)
          .join(', ');
        const summary = `${result.imageCount} images; factors ${factors}; ${sweep.prompts.length} prompts; ${sweep.seeds.length} seeds`;
        process.stderr.write(opts.dryRun ? `${summary}\n` : `wrote ${rel(result.sweepFile)}: ${summary}\n`);
        for (const note of result.notes) process.stderr.write(`note: ${note}\n`);
        return result.problems.length ? EXIT.failed : EXIT.ok;
      }),
    );
}
