/**
 * sliceGrid: cuts an A1111 X/Y/Z plot into one PNG per cell, each carrying the infotext of that
 * cell (the grid's infotext with the cell's axis values applied), so the cells ingest like any
 * other A1111 output.
 */
import { closeSync, mkdirSync, openSync, readSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import sharp from 'sharp';
import { GridLayoutError, IngestFileError } from './errors.js';
import type { GenerationInfo } from './generation.js';
import { findGridLayout, GridLayoutRefusal, type GridLayout, type GridLayoutRequest, type RawImage } from './grid-layout.js';
import { formatInfotext, parseSize, type Infotext } from './infotext.js';
import { generationFromInfotext } from './read-a1111.js';
import { detectFormat, readImageMetadata, type ImageMetadata } from './read-metadata.js';
import { insertPngTextChunks } from './png-text.js';
import { axesFromInfotext, axisLabel, canonicalAxisType, cellInfotext, expandAxisValues, type GridAxis } from './xyz-axes.js';

export interface AxisOverride {
  /** CSV value list as typed in A1111 ("0, 0.5, 1", ranges allowed for numeric types). */
  values: string;
  /** Axis type: an A1111 label ("Seed", "Checkpoint name", "Prompt S/R"…) or target / weight / seed. */
  type?: string;
}

export interface SliceGridOptions {
  /** Folder the cell PNGs are written to (created). */
  outDir: string;
  x?: AxisOverride;
  y?: AxisOverride;
  z?: AxisOverride;
  /** Cell size in pixels; default: the infotext's Size (scaled by hires fix when recorded). */
  cellSize?: [number, number];
  margin?: number;
  /** LoRA name for "LoRA weight" axes on prompts without a <lora:…> tag. */
  lora?: string;
  /** Per-channel tolerance for background pixels; default 0 for PNG, 32 for JPEG and WebP (with 2 % outliers). */
  tolerance?: number;
  /** Write the cell PNGs now (default true); otherwise they are kept in `png` for writeSlicedCells. */
  write?: boolean;
}

export interface SlicedCell {
  ix: number;
  iy: number;
  iz: number;
  path: string;
  infotext: Infotext;
  generation: GenerationInfo;
  labels: { x?: string; y?: string; z?: string };
  /** The encoded cell (PNG with its infotext), until written. */
  png?: Buffer;
}

export interface SlicedGrid {
  grid: string;
  layout: GridLayout;
  axes: { x?: GridAxis; y?: GridAxis; z?: GridAxis };
  cells: SlicedCell[];
  warnings: string[];
}

const EMPTY_INFOTEXT: Infotext = { prompt: '', negativePrompt: '', params: {}, hasNegativePrompt: false };

function resolveAxis(name: 'X' | 'Y' | 'Z', override: AxisOverride | undefined, fromInfotext: GridAxis | undefined): GridAxis | undefined {
  if (!override) return fromInfotext;
  const type = canonicalAxisType(override.type ?? fromInfotext?.type ?? `${name} value`);
  try {
    return { type, values: expandAxisValues(type, override.values) };
  } catch (e) {
    throw new Error(`--${name.toLowerCase()} "${override.values}": ${(e as Error).message}`);
  }
}

/** The size of one generated image as the infotext records it, after hires fix. */
export function cellSizeFromInfotext(info: Infotext): [number, number] | undefined {
  const hiresResize = parseSize(info.params['Hires resize']);
  if (hiresResize && hiresResize[0] > 0 && hiresResize[1] > 0) return hiresResize;
  const size = parseSize(info.params.Size);
  if (!size) return undefined;
  const upscale = Number(info.params['Hires upscale']);
  if (Number.isFinite(upscale) && upscale > 0) return [Math.trunc(size[0] * upscale), Math.trunc(size[1] * upscale)];
  return size;
}

function formatOf(file: string): string | undefined {
  const head = Buffer.alloc(16);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  return detectFormat(head);
}

async function decode(file: string): Promise<RawImage> {
  try {
    const { data, info } = await sharp(file, { limitInputPixels: false }).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height, channels: info.channels };
  } catch (e) {
    throw new IngestFileError(file, `cannot decode the grid image: ${(e as Error).message}`);
  }
}

function crop(img: RawImage, left: number, top: number, width: number, height: number): Buffer {
  const out = Buffer.alloc(width * height * img.channels);
  const rowBytes = width * img.channels;
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * img.width + left) * img.channels;
    img.data.copy(out, y * rowBytes, from, from + rowBytes);
  }
  return out;
}

function layoutAttempts(
  base: Omit<GridLayoutRequest, 'rowLabels' | 'topLabels' | 'cellWidth' | 'cellHeight'>,
  labels: { row: boolean; top: boolean },
  hint: [number, number] | undefined,
  userSize: boolean,
) {
  const attempts: { request: GridLayoutRequest; note: string }[] = [];
  const withHint = (rowLabels: boolean, topLabels: boolean, note: string) => {
    if (hint)
      attempts.push({ request: { ...base, rowLabels, topLabels, cellWidth: hint[0], cellHeight: hint[1] }, note: `${note}, ${hint[0]}×${hint[1]} cells` });
    if (!userSize) attempts.push({ request: { ...base, rowLabels, topLabels }, note: `${note}, cell size searched` });
  };
  withHint(labels.row, labels.top, labels.row || labels.top ? 'with legend' : 'without legend');
  if (labels.row || labels.top) withHint(false, false, 'without legend');
  return attempts;
}

/** Slices an X/Y/Z grid image into cell PNGs. Throws GridLayoutError when it cannot be divided as asked. */
export async function sliceGrid(gridPath: string, options: SliceGridOptions): Promise<SlicedGrid> {
  const warnings: string[] = [];
  let meta: ImageMetadata | undefined;
  try {
    meta = await readImageMetadata(gridPath);
  } catch (e) {
    if (!options.x && !options.y) {
      throw new GridLayoutError(
        gridPath,
        `${e instanceof IngestFileError ? e.reason : (e as Error).message}; without an infotext give the axis values with --x/--y`,
      );
    }
    warnings.push(`no infotext in the grid (${(e as Error).message}); cells get only the axis values`);
  }
  const info = meta?.infotext ?? EMPTY_INFOTEXT;
  const fromInfotext = axesFromInfotext(info);
  let axes: SlicedGrid['axes'];
  try {
    axes = {
      x: resolveAxis('X', options.x, fromInfotext.x),
      y: resolveAxis('Y', options.y, fromInfotext.y),
      z: resolveAxis('Z', options.z, fromInfotext.z),
    };
  } catch (e) {
    throw new GridLayoutError(gridPath, (e as Error).message);
  }
  if (!axes.x && !axes.y && !axes.z) {
    throw new GridLayoutError(gridPath, 'no X/Y/Z values in the infotext (X Values, Y Values) and none given with --x/--y: cannot tell how many cells it has');
  }
  const cols = axes.x?.values.length ?? 1;
  const rows = axes.y?.values.length ?? 1;
  const panels = axes.z?.values.length ?? 1;
  const xLabels = axes.x ? axes.x.values.map((v) => axisLabel(axes.x!, v)) : [''];
  const yLabels = axes.y ? axes.y.values.map((v) => axisLabel(axes.y!, v)) : [''];
  const zLabels = axes.z ? axes.z.values.map((v) => axisLabel(axes.z!, v)) : [''];

  const img = await decode(gridPath);
  const lossy = (meta?.format ?? formatOf(gridPath)) !== 'png';
  const base = { cols, rows, panels, margin: options.margin, tolerance: options.tolerance ?? (lossy ? 32 : 0), outliers: lossy ? 0.02 : 0 };
  const hint = options.cellSize ?? cellSizeFromInfotext(info);
  const labels = { row: yLabels.some((l) => l !== ''), top: xLabels.some((l) => l !== '') || (panels > 1 && zLabels.some((l) => l !== '')) };
  let layout: GridLayout | undefined;
  const failures: string[] = [];
  for (const attempt of layoutAttempts(base, labels, hint, options.cellSize !== undefined)) {
    try {
      layout = findGridLayout(img, attempt.request);
      if (failures.length) warnings.push(`grid layout found ${attempt.note} after: ${failures.join(' | ')}`);
      break;
    } catch (e) {
      if (!(e instanceof GridLayoutRefusal)) throw e;
      failures.push(`${attempt.note}: ${e.message}`);
    }
  }
  if (!layout) throw new GridLayoutError(gridPath, `cannot slice the grid: ${failures.join(' | ')}`);

  const stem = basename(gridPath, extname(gridPath)).replace(/[^A-Za-z0-9_.-]+/g, '_');
  const dir = join(options.outDir, stem);
  const write = options.write ?? true;
  const cells: SlicedCell[] = [];
  for (const cell of layout.cells) {
    const applied: { axis: GridAxis; value: string | number }[] = [];
    if (axes.x) applied.push({ axis: axes.x, value: axes.x.values[cell.ix] });
    if (axes.y) applied.push({ axis: axes.y, value: axes.y.values[cell.iy] });
    if (axes.z) applied.push({ axis: axes.z, value: axes.z.values[cell.iz] });
    let cellInfo: Infotext;
    try {
      cellInfo = cellInfotext(info, applied, options.lora);
    } catch (e) {
      throw new GridLayoutError(gridPath, (e as Error).message);
    }
    cellInfo.params['Grid cell'] = `${basename(gridPath)} x${cell.ix} y${cell.iy}${panels > 1 ? ` z${cell.iz}` : ''}`;
    const pixels = crop(img, cell.left, cell.top, cell.width, cell.height);
    const png = await sharp(pixels, { raw: { width: cell.width, height: cell.height, channels: img.channels as 1 | 2 | 3 | 4 } })
      .png()
      .toBuffer();
    const path = join(dir, `cell-x${cell.ix}-y${cell.iy}${panels > 1 ? `-z${cell.iz}` : ''}.png`);
    const file = insertPngTextChunks(png, [{ keyword: 'parameters', text: formatInfotext(cellInfo) }]);
    cells.push({
      png: file,
      ix: cell.ix,
      iy: cell.iy,
      iz: cell.iz,
      path,
      infotext: cellInfo,
      generation: generationFromInfotext(cellInfo),
      labels: { x: axes.x ? xLabels[cell.ix] : undefined, y: axes.y ? yLabels[cell.iy] : undefined, z: axes.z ? zLabels[cell.iz] : undefined },
    });
  }
  const sliced = { grid: gridPath, layout, axes, cells, warnings };
  if (write) writeSlicedCells(sliced);
  return sliced;
}

/** Writes the cell PNGs kept in memory by sliceGrid(…, { write: false }). */
export function writeSlicedCells(sliced: SlicedGrid): void {
  for (const cell of sliced.cells) {
    if (!cell.png) continue;
    mkdirSync(dirname(cell.path), { recursive: true });
    writeFileSync(cell.path, cell.png);
    delete cell.png;
  }
}
