/**
 * Where the cells of an A1111 grid are. modules/images.py draw_grid_annotations lays a grid out as
 *
 *   panel width  = padLeft + cols·w + (cols−1)·m      padLeft = ⌊3w/4⌋ when rows have labels, else 0
 *   panel height = padTop  + rows·h + (rows−1)·m      padTop  = a text band when columns have labels, else 0
 *   cell (c, r) at (padLeft + (w+m)·c, padTop + (h+m)·r)
 *
 * with label bands and margins in the background colour (white). An X/Y/Z plot puts its Z panels
 * side by side (no margin) under a band of Z labels, so every panel shares padTop.
 * When the cell size is known (the infotext's Size) the layout follows from arithmetic; otherwise it
 * is searched for: margin strips and the band corner must be background, the band's text sits
 * centred in it, and row labels centre on their rows. Anything ambiguous is refused.
 */

export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: number;
}

export interface GridLayoutRequest {
  cols: number;
  rows: number;
  /** Z panels side by side (1 for an X/Y grid). */
  panels?: number;
  /** Rows carry labels on the left (a Y axis with non-empty labels and the legend drawn). */
  rowLabels: boolean;
  /** A label band on top (X or Z labels drawn). */
  topLabels: boolean;
  cellWidth?: number;
  cellHeight?: number;
  margin?: number;
  /** Largest per-channel difference from the background still counted as background (JPEG grids need ~32). */
  tolerance?: number;
  /** Share of pixels of a background line or strip allowed to stray further (JPEG ringing); default 0. */
  outliers?: number;
  /** Background colour; default: the top-left pixel when a label band or column exists, else white. */
  background?: [number, number, number];
}

export interface GridCell {
  ix: number;
  iy: number;
  iz: number;
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface GridLayout {
  cellWidth: number;
  cellHeight: number;
  margin: number;
  padLeft: number;
  padTop: number;
  panelWidth: number;
  panels: number;
  /** How the layout was settled, for messages. */
  method: string;
  cells: GridCell[];
}

interface Candidate {
  w: number;
  h: number;
  m: number;
  x0: number;
  y0: number;
}

class Pixels {
  readonly bg: [number, number, number];
  private readonly rowBgCache = new Map<number, Uint8Array>();

  constructor(
    private readonly img: RawImage,
    private readonly panelWidth: number,
    private readonly panels: number,
    private readonly tol: number,
    /** Share of pixels in a line or strip that may stray from the background (JPEG ringing). */
    private readonly outliers: number,
    bg: [number, number, number],
  ) {
    this.bg = bg;
  }

  isBg(x: number, y: number): boolean {
    const { data, width, channels } = this.img;
    const i = (y * width + x) * channels;
    const t = this.tol;
    return Math.abs(data[i] - this.bg[0]) <= t && Math.abs(data[i + 1] - this.bg[1]) <= t && Math.abs(data[i + 2] - this.bg[2]) <= t;
  }

  /** Whole row y is background from panel x `from` to the panel's right edge, in every panel. */
  rowBgFrom(y: number, from: number): boolean {
    let rows = this.rowBgCache.get(from);
    if (!rows) {
      rows = new Uint8Array(this.img.height);
      for (let yy = 0; yy < this.img.height; yy++) rows[yy] = this.rectBg(from, yy, this.panelWidth, yy + 1) ? 1 : 0;
      this.rowBgCache.set(from, rows);
    }
    return rows[y] === 1;
  }

  /** Rectangle (panel coordinates) is background in every panel, but for the allowed share of outliers. */
  rectBg(x0: number, y0: number, x1: number, y1: number): boolean {
    const allowed = Math.floor(this.outliers * (x1 - x0) * (y1 - y0) * this.panels);
    let off = 0;
    for (let p = 0; p < this.panels; p++) {
      const base = p * this.panelWidth;
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          if (!this.isBg(base + x, y) && ++off > allowed) return false;
        }
      }
    }
    return true;
  }

  /** First and last rows in [y0, y1) holding non-background pixels in panel columns [x0, x1), over all panels. */
  inkRows(x0: number, x1: number, y0: number, y1: number): [number, number] | undefined {
    let first = -1;
    let last = -1;
    for (let y = y0; y < y1; y++) {
      if (!this.rectBg(x0, y, x1, y + 1)) {
        if (first < 0) first = y;
        last = y;
      }
    }
    return first < 0 ? undefined : [first, last];
  }
}

function padLeftFor(w: number, rowLabels: boolean): number {
  return rowLabels ? Math.floor((w * 3) / 4) : 0;
}

/** Solves panelWidth = padLeft(w) + cols·w + (cols−1)·m for w (the left side is strictly increasing in w). */
function solveCellWidth(panelWidth: number, cols: number, m: number, rowLabels: boolean): number | undefined {
  const target = panelWidth - (cols - 1) * m;
  const guess = Math.floor(target / (cols + (rowLabels ? 0.75 : 0)));
  for (let w = Math.max(1, guess - 2); w <= guess + 2; w++) {
    if (padLeftFor(w, rowLabels) + cols * w === target) return w;
  }
  return undefined;
}

function cellsOf(c: Candidate, req: Required<Pick<GridLayoutRequest, 'cols' | 'rows'>>, panels: number, panelWidth: number): GridCell[] {
  const cells: GridCell[] = [];
  for (let iz = 0; iz < panels; iz++) {
    for (let iy = 0; iy < req.rows; iy++) {
      for (let ix = 0; ix < req.cols; ix++) {
        cells.push({ ix, iy, iz, left: iz * panelWidth + c.x0 + (c.w + c.m) * ix, top: c.y0 + (c.h + c.m) * iy, width: c.w, height: c.h });
      }
    }
  }
  return cells;
}

const MAX_MARGIN = 500;

export class GridLayoutRefusal extends Error {}

/** Finds the cell rectangles of a grid, or throws GridLayoutRefusal saying why it cannot. */
export function findGridLayout(img: RawImage, req: GridLayoutRequest): GridLayout {
  const { cols, rows } = req;
  const panels = req.panels ?? 1;
  if (!(cols >= 1 && rows >= 1 && panels >= 1)) throw new GridLayoutRefusal(`need at least one column, row and panel, got ${cols}×${rows}×${panels}`);
  if (img.width % panels !== 0) {
    throw new GridLayoutRefusal(`width ${img.width} does not split into ${panels} equal Z panels`);
  }
  const W = img.width / panels;
  const H = img.height;
  const labelled = req.rowLabels || req.topLabels;
  const bg: [number, number, number] = req.background ?? (labelled ? [img.data[0], img.data[1], img.data[2]] : [255, 255, 255]);
  const px = new Pixels(img, W, panels, req.tolerance ?? 0, req.outliers ?? 0, bg);

  const hinted = req.cellWidth !== undefined && req.cellHeight !== undefined;
  if (!labelled) return plainLayout(px, req, W, H, panels);
  if (panels > 1 && !hinted) {
    // Z labels centre on whole panels and cross the row-label columns, so the band checks do not hold.
    throw new GridLayoutRefusal('an X/Y/Z grid with Z panels needs the cell size: the infotext has no Size; give --cell-size WxH');
  }
  // A single cell has no margins to find.
  const margins = req.margin !== undefined ? [req.margin] : cols === 1 && rows === 1 ? [0] : range(0, Math.min(MAX_MARGIN, Math.floor(Math.max(W, H) / 2)));

  const arithmetic: Candidate[] = [];
  for (const m of margins) {
    const w = req.cellWidth ?? solveCellWidth(W, cols, m, req.rowLabels);
    if (w === undefined || w < 1) continue;
    const x0 = padLeftFor(w, req.rowLabels);
    if (x0 + cols * w + (cols - 1) * m !== W) continue;
    if (req.cellHeight !== undefined) {
      const y0 = H - rows * req.cellHeight - (rows - 1) * m;
      if (y0 < 0 || (y0 === 0 && req.topLabels)) continue;
      arithmetic.push({ w, h: req.cellHeight, m, x0, y0 });
      continue;
    }
    for (const y0 of bandBottoms(px, x0, H, req.topLabels)) {
      const rest = H - y0 - (rows - 1) * m;
      if (rest <= 0 || rest % rows !== 0) continue;
      arithmetic.push({ w, h: rest / rows, m, x0, y0 });
    }
  }
  if (arithmetic.length === 0) {
    throw new GridLayoutRefusal(noSolutionMessage(img, req, W, H, panels));
  }
  if (hinted && arithmetic.length === 1) return finish(arithmetic[0], 'cell size from the metadata', req, panels, W);

  const passing = arithmetic.filter((c) => passesChecks(px, c, req, W, H));
  if (passing.length === 0) {
    if (arithmetic.length === 1) return finish(arithmetic[0], 'the only layout that fits the image size', req, panels, W);
    throw new GridLayoutRefusal(
      `${arithmetic.length} layouts fit the image size but none has background-coloured label bands and margins where A1111 draws them; give --cell-size WxH (and --margin N)`,
    );
  }
  const chosen = choose(px, passing, req, W);
  return finish(chosen.candidate, chosen.method, req, panels, W);
}

/**
 * A grid drawn without legend: image_grid alone, cells edge to edge. Without a cell size to confirm
 * it, the first pixel row and column must hold image content, or a label band may be there.
 */
function plainLayout(px: Pixels, req: GridLayoutRequest, W: number, H: number, panels: number): GridLayout {
  const { cols, rows } = req;
  const w = W / cols;
  const h = H / rows;
  if (
    !Number.isInteger(w) ||
    !Number.isInteger(h) ||
    (req.cellWidth !== undefined && req.cellWidth !== w) ||
    (req.cellHeight !== undefined && req.cellHeight !== h) ||
    (req.margin ?? 0) !== 0
  ) {
    throw new GridLayoutRefusal(
      `without legend the ${W * panels}×${H} image would be ${cols}×${rows} cells edge to edge, but ${W}×${H} does not divide into ${req.cellWidth !== undefined ? `${req.cellWidth}×${req.cellHeight} ` : ''}cells that way`,
    );
  }
  const hinted = req.cellWidth !== undefined && req.cellHeight !== undefined;
  if (!hinted && (px.rowBgFrom(0, 0) || px.rectBg(0, 0, 1, H))) {
    throw new GridLayoutRefusal(
      'the first pixel row or column is all background, as in a label band: give --cell-size WxH to slice it as a grid without legend',
    );
  }
  return finish({ w, h, m: 0, x0: 0, y0: 0 }, hinted ? 'no legend; cell size from the metadata' : 'no legend; equal division', req, panels, W);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Rows y where a background row (from x0 rightwards) is followed by a non-background one: where cells may start. */
function bandBottoms(px: Pixels, x0: number, H: number, topLabels: boolean): number[] {
  const out: number[] = [];
  if (!topLabels) return [0];
  for (let y = 1; y < H; y++) if (px.rowBgFrom(y - 1, x0) && !px.rowBgFrom(y, x0)) out.push(y);
  return out;
}

function passesChecks(px: Pixels, c: Candidate, req: GridLayoutRequest, W: number, H: number): boolean {
  const { cols, rows } = req;
  if (c.y0 > 0 && !px.rowBgFrom(c.y0 - 1, c.x0)) return false;
  // Nothing is drawn above the row labels, except Z labels, which centre on whole panels.
  if (c.x0 > 0 && c.y0 > 0 && (req.panels ?? 1) === 1 && !px.rectBg(0, 0, c.x0, c.y0)) return false;
  if (req.topLabels && c.y0 > 0 && !px.inkRows(c.x0, W, 0, c.y0)) return false;
  if (c.m > 0) {
    for (let ix = 0; ix < cols - 1; ix++) {
      const left = c.x0 + (c.w + c.m) * ix + c.w;
      if (!px.rectBg(left, c.y0, left + c.m, H)) return false;
    }
    for (let iy = 0; iy < rows - 1; iy++) {
      const top = c.y0 + (c.h + c.m) * iy + c.h;
      if (!px.rectBg(c.x0, top, W, top + c.m)) return false;
    }
  }
  return true;
}

/** How far the label band's text is from centred (top gap vs bottom gap), in pixels. */
function bandAsymmetry(px: Pixels, c: Candidate, W: number): number {
  if (c.y0 === 0) return 0;
  const ink = px.inkRows(c.x0, W, 0, c.y0);
  if (!ink) return 0;
  return Math.abs(ink[0] - (c.y0 - 1 - ink[1]));
}

/** Mean distance of each row label's centre from its row's centre (0 when there are no row labels). */
function rowLabelOffset(px: Pixels, c: Candidate, rows: number): number {
  if (c.x0 === 0) return 0;
  let total = 0;
  for (let iy = 0; iy < rows; iy++) {
    const top = c.y0 + (c.h + c.m) * iy;
    const ink = px.inkRows(0, c.x0, top, top + c.h);
    if (!ink) continue;
    total += Math.abs((ink[0] + ink[1] + 1) / 2 - (top + c.h / 2));
  }
  return total / rows;
}

/**
 * Cell sides (over all cells) that are one unbroken line of background. Generated images rarely
 * have one, while a layout that is off by a few pixels puts margin or band pixels on cell edges.
 */
function backgroundEdges(px: Pixels, c: Candidate, req: GridLayoutRequest): number {
  let count = 0;
  for (let iy = 0; iy < req.rows; iy++) {
    for (let ix = 0; ix < req.cols; ix++) {
      const left = c.x0 + (c.w + c.m) * ix;
      const top = c.y0 + (c.h + c.m) * iy;
      if (px.rectBg(left, top, left + 1, top + c.h)) count++;
      if (px.rectBg(left + c.w - 1, top, left + c.w, top + c.h)) count++;
      if (px.rectBg(left, top, left + c.w, top + 1)) count++;
      if (px.rectBg(left, top + c.h - 1, left + c.w, top + c.h)) count++;
    }
  }
  return count;
}

function choose(px: Pixels, passing: Candidate[], req: GridLayoutRequest, W: number): { candidate: Candidate; method: string } {
  const edges = passing.map((c) => backgroundEdges(px, c, req));
  const fewest = Math.min(...edges);
  const tight = passing.filter((_, i) => edges[i] === fewest);
  const margins = [...new Set(tight.map((c) => c.m))];
  if (margins.length > 1) {
    throw new GridLayoutRefusal(`margins of ${margins.join(', ')} px all fit (cells with background-coloured borders?); give --margin N or --cell-size WxH`);
  }
  if (tight.length === 1) return { candidate: tight[0], method: `searched: the only layout consistent with the pixels (margin ${tight[0].m} px)` };

  const scored = tight.map((c) => {
    const fontSize = Math.floor((c.w + c.h) / 25);
    return {
      c,
      asymmetry: bandAsymmetry(px, c, W),
      offset: rowLabelOffset(px, c, req.rows),
      symTol: Math.max(3, Math.round(0.35 * fontSize)),
      centreTol: Math.max(4, Math.round(0.5 * fontSize)),
    };
  });
  const plausible = scored.filter((s) => s.asymmetry <= s.symTol && s.offset <= s.centreTol);
  if (plausible.length === 0) {
    throw new GridLayoutRefusal(
      `found ${tight.length} possible label band heights (${tight.map((c) => c.y0).join(', ')} px) but none with centred labels; give --cell-size WxH`,
    );
  }
  // Text lines inside a multi-line band also look like band bottoms, but sit above the real one.
  plausible.sort((a, b) => b.c.y0 - a.c.y0 || a.offset - b.offset);
  const best = plausible[0].c;
  return { candidate: best, method: `searched: label band ${best.y0} px, margin ${best.m} px` };
}

function finish(c: Candidate, method: string, req: GridLayoutRequest, panels: number, W: number): GridLayout {
  return {
    cellWidth: c.w,
    cellHeight: c.h,
    margin: c.m,
    padLeft: c.x0,
    padTop: c.y0,
    panelWidth: W,
    panels,
    method,
    cells: cellsOf(c, { cols: req.cols, rows: req.rows }, panels, W),
  };
}

function noSolutionMessage(img: RawImage, req: GridLayoutRequest, W: number, H: number, panels: number): string {
  const { cols, rows } = req;
  const shape = `${cols} column${cols > 1 ? 's' : ''} × ${rows} row${rows > 1 ? 's' : ''}${panels > 1 ? ` × ${panels} Z panels` : ''}`;
  const left = req.rowLabels ? '⌊3w/4⌋ + ' : '';
  const parts = [`the ${img.width}×${img.height} image cannot be divided into ${shape}`];
  if (req.cellWidth !== undefined) {
    parts.push(
      `with ${req.cellWidth}×${req.cellHeight ?? '?'} cells${req.rowLabels ? ` and a ${padLeftFor(req.cellWidth, true)}-px label column` : ''} the panel would be at least ${padLeftFor(req.cellWidth, req.rowLabels) + cols * req.cellWidth} px wide (it is ${W})` +
        (req.cellHeight !== undefined ? ` and ${rows * req.cellHeight} px tall (it is ${H})` : ''),
    );
  } else {
    parts.push(`no whole cell width w and margin m give a panel width of ${W} = ${left}${cols}·w + ${cols - 1}·m with a matching height`);
  }
  parts.push('check the X/Y values (their count sets the columns and rows), or give --cell-size WxH and --margin N');
  return parts.join('; ');
}
