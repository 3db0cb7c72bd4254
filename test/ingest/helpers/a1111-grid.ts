/**
 * Builds X/Y(/Z) grids the way A1111's modules/images.py does (image_grid + draw_grid_annotations):
 * font size (w+h)//25, line spacing fontsize//2, a left label column of w·3//4 when rows have labels,
 * a top band of text height + 2·line spacing when columns have labels, margins between cells, white
 * background; Z panels side by side under a band of Z labels. Labels are SVG text rendered by sharp.
 */
import sharp, { type OverlayOptions } from 'sharp';
import { noisePixels } from './images.js';

export interface TestGrid {
  png: Buffer;
  width: number;
  height: number;
  /** Raw RGB pixels of each cell, [iz][iy][ix]. */
  cells: Buffer[][][];
  /** Where each cell was pasted, [iz][iy][ix]. */
  rects: { left: number; top: number }[][][];
}

const FONT = 'DejaVu Sans, sans-serif';

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

let fontsWork: boolean | undefined;

/** Whether SVG text renders any ink here; without fonts labels are drawn as dark boxes of text size instead. */
async function canDrawText(): Promise<boolean> {
  if (fontsWork === undefined) {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="60" height="20"><rect width="60" height="20" fill="white"/><text x="2" y="15" font-size="14" font-family="${FONT}">Abc</text></svg>`;
    const { data } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    fontsWork = data.some((v) => v < 128);
  }
  return fontsWork;
}

interface Label {
  text: string;
  cx: number;
  cy: number;
  fontSize: number;
  /** A1111 wraps and shrinks labels to the cell width (top) or the label column (left). */
  allowedWidth: number;
}

/** A1111 lowers the font size until a label fits; DejaVu Sans advances about 0.62 em per character. */
function fittedFontSize(l: Label): number {
  return Math.max(1, Math.min(l.fontSize, Math.floor((l.allowedWidth - 2) / (l.text.length * 0.62))));
}

async function labelsSvg(width: number, height: number, labels: Label[]): Promise<Buffer> {
  const text = await canDrawText();
  const items = labels
    .filter((l) => l.text !== '')
    .map((l) =>
      text
        ? `<text x="${l.cx}" y="${l.cy}" font-size="${fittedFontSize(l)}" font-family="${FONT}" text-anchor="middle" dominant-baseline="central" fill="black">${escapeXml(l.text)}</text>`
        : `<rect x="${l.cx - l.text.length * fittedFontSize(l) * 0.3}" y="${l.cy - fittedFontSize(l) / 3}" width="${l.text.length * fittedFontSize(l) * 0.6}" height="${(fittedFontSize(l) * 2) / 3}" fill="black"/>`,
    )
    .join('');
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${items}</svg>`);
}

/** Height A1111 reserves for one line of label text (PIL's text bbox is about 0.95 of the font size with descenders). */
function textHeight(fontSize: number): number {
  return Math.round(fontSize * 0.95);
}

async function annotate(
  image: { data: Buffer; width: number; height: number } | null,
  cellsIn: Buffer[][] | null,
  w: number,
  h: number,
  horTexts: string[],
  verTexts: string[],
  margin: number,
): Promise<{ data: Buffer; width: number; height: number; padLeft: number; padTop: number }> {
  const cols = horTexts.length;
  const rows = verTexts.length;
  const fontSize = Math.floor((w + h) / 25);
  const lineSpacing = Math.floor(fontSize / 2);
  const padLeft = verTexts.some((t) => t.length > 0) ? Math.floor((w * 3) / 4) : 0;
  const padTop = horTexts.some((t) => t.length > 0) ? textHeight(fontSize) + lineSpacing * 2 : 0;
  const width = padLeft + cols * w + margin * (cols - 1);
  const height = padTop + rows * h + margin * (rows - 1);
  const composites: OverlayOptions[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const input = cellsIn ? cellsIn[r][c] : crop(image!, c * w, r * h, w, h);
      composites.push({ input, raw: { width: w, height: h, channels: 3 }, left: padLeft + (w + margin) * c, top: padTop + (h + margin) * r });
    }
  }
  const labels: Label[] = [
    ...horTexts.map((text, c) => ({ text, cx: padLeft + (w + margin) * c + w / 2, cy: padTop / 2, fontSize, allowedWidth: w })),
    ...verTexts.map((text, r) => ({ text, cx: padLeft / 2, cy: padTop + (h + margin) * r + h / 2, fontSize, allowedWidth: padLeft })),
  ];
  composites.push({ input: await labelsSvg(width, height, labels), left: 0, top: 0 });
  const { data } = await sharp({ create: { width, height, channels: 3, background: { r: 255, g: 255, b: 255 } } })
    .composite(composites)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width, height, padLeft, padTop };
}

function crop(img: { data: Buffer; width: number }, left: number, top: number, w: number, h: number): Buffer {
  const out = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) img.data.copy(out, y * w * 3, ((top + y) * img.width + left) * 3, ((top + y) * img.width + left + w) * 3);
  return out;
}

/**
 * An X/Y/Z plot of noise cells. xLabels/yLabels/zLabels as A1111 draws them ("CFG Scale: 7", checkpoint names…);
 * an empty list means no such axis. `legend: false` skips annotations as A1111's "Draw legend" does.
 */
export async function buildA1111Grid(o: {
  cellWidth: number;
  cellHeight: number;
  xLabels: string[];
  yLabels: string[];
  zLabels?: string[];
  margin?: number;
  legend?: boolean;
  seed?: number;
  /** Cell content; default: noise. */
  cellPixels?: (width: number, height: number, seed: number) => Buffer;
}): Promise<TestGrid> {
  const w = o.cellWidth;
  const h = o.cellHeight;
  const cols = Math.max(1, o.xLabels.length);
  const rows = Math.max(1, o.yLabels.length);
  const zs = Math.max(1, o.zLabels?.length ?? 0);
  const legend = o.legend ?? true;
  const cells: Buffer[][][] = [];
  const panels: { data: Buffer; width: number; height: number; padLeft: number; padTop: number }[] = [];
  for (let z = 0; z < zs; z++) {
    const rowsOfCells: Buffer[][] = [];
    for (let r = 0; r < rows; r++) {
      rowsOfCells.push(Array.from({ length: cols }, (_, c) => (o.cellPixels ?? noisePixels)(w, h, (o.seed ?? 1) * 1000 + z * 100 + r * 10 + c + 1)));
    }
    cells.push(rowsOfCells);
    const hor = o.xLabels.length ? o.xLabels : [''];
    const ver = o.yLabels.length ? o.yLabels : [''];
    panels.push(
      legend
        ? await annotate(null, rowsOfCells, w, h, hor, ver, o.margin ?? 0)
        : await annotate(
            null,
            rowsOfCells,
            w,
            h,
            hor.map(() => ''),
            ver.map(() => ''),
            0,
          ),
    );
  }
  let final: { data: Buffer; width: number; height: number; padTop: number };
  if (zs === 1) final = panels[0];
  else {
    const pw = panels[0].width;
    const ph = panels[0].height;
    const joined = Buffer.alloc(pw * zs * ph * 3);
    for (let z = 0; z < zs; z++) for (let y = 0; y < ph; y++) panels[z].data.copy(joined, (y * pw * zs + z * pw) * 3, y * pw * 3, (y + 1) * pw * 3);
    const zImage = { data: joined, width: pw * zs, height: ph, padTop: 0 };
    final = legend ? await annotate(zImage, null, pw, ph, o.zLabels!, [''], 0) : zImage;
  }
  const margin = legend ? (o.margin ?? 0) : 0;
  const rects = panels.map((p, z) =>
    Array.from({ length: rows }, (_, r) =>
      Array.from({ length: cols }, (_, c) => ({
        left: z * p.width + p.padLeft + (w + margin) * c,
        top: (zs > 1 ? final.padTop : 0) + p.padTop + (h + margin) * r,
      })),
    ),
  );
  const png = await sharp(final.data, { raw: { width: final.width, height: final.height, channels: 3 } })
    .png()
    .toBuffer();
  return { png, width: final.width, height: final.height, cells, rects };
}
