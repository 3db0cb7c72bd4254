import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { GridLayoutError } from '../../src/ingest/errors.js';
import { findGridLayout, GridLayoutRefusal } from '../../src/ingest/grid-layout.js';
import { sliceGrid } from '../../src/ingest/grid-slice.js';
import { readImageMetadata } from '../../src/ingest/read-metadata.js';
import { axesFromInfotext, cellInfotext, expandAxisValues, splitCsvLine } from '../../src/ingest/xyz-axes.js';
import { parseInfotext } from '../../src/ingest/infotext.js';
import { buildA1111Grid } from './helpers/a1111-grid.js';
import { withTextChunks } from './helpers/images.js';

const reference = JSON.parse(readFileSync(new URL('./data/reference.json', import.meta.url), 'utf8')) as {
  axes: { kind: 'int' | 'float' | 'text'; values: string; expanded: (string | number)[] }[];
};
const dir = mkdtempSync(join(tmpdir(), 'ingest-grid-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TYPE_OF_KIND = { int: 'Seed', float: 'CFG Scale', text: 'Sampler' } as const;

describe('X/Y/Z axis values (reference: xyz_grid.py process_axis with numpy)', () => {
  it.each(reference.axes.map((a) => [a.kind, a.values, a.expanded] as const))('%s "%s"', (kind, values, expanded) => {
    expect(expandAxisValues(TYPE_OF_KIND[kind], values)).toEqual(expanded);
  });

  it('refuses values that are not numbers for numeric axes', () => {
    expect(() => expandAxisValues('Seed', '1, two')).toThrow(/"two" is not a number/);
    expect(() => expandAxisValues('Steps', '1.5')).toThrow(/not an integer/);
  });

  it('splits CSV as Python csv.reader does', () => {
    expect(splitCsvLine('a,"b, c",d')).toEqual(['a', 'b, c', 'd']);
    expect(splitCsvLine('"say ""hi""", x')).toEqual(['say "hi"', 'x']);
  });

  it("applies a cell's values to the grid infotext", () => {
    const grid = parseInfotext(
      'anis, 1girl, <lora:anis:1>\nNegative prompt: <lora:anis:1> never here\nSteps: 20, Seed: 5, Size: 64x48, Model: a, Script: X/Y/Z plot, X Type: Prompt S/R, X Values: "<lora:anis:1>, <lora:anis:0.5>", Y Type: Checkpoint name, Y Values: "b.safetensors [0123456789], c"',
    );
    const axes = axesFromInfotext(grid);
    const cell = cellInfotext(grid, [
      { axis: axes.x!, value: axes.x!.values[1] },
      { axis: axes.y!, value: axes.y!.values[0] },
    ]);
    expect(cell.prompt).toBe('anis, 1girl, <lora:anis:0.5>');
    expect(cell.negativePrompt).toBe('<lora:anis:0.5> never here');
    expect(cell.params).toEqual({ Steps: '20', Seed: '5', Size: '64x48', Model: 'b', 'Model hash': '0123456789' });
  });
});

const W = 96;
const H = 64;
const X_VALUES = '<lora:anis:0>, <lora:anis:0.5>, <lora:anis:1>';
const gridInfotext = (extra = 'Size: 96x64, ') =>
  `anis, 1girl, <lora:anis:0>\nNegative prompt: lowres\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, ${extra}Model hash: 0123456789, Model: anything-v4.5, Script: X/Y/Z plot, X Type: Prompt S/R, X Values: "${X_VALUES}", Y Type: Checkpoint name, Y Values: "anything-v4.5.safetensors [0123456789], counterfeit-v3.safetensors [abcdef0123]"`;
const X_LABELS = ['<lora:anis:0>', '<lora:anis:0.5>', '<lora:anis:1>'];
const Y_LABELS = ['anything-v4.5.safetensors [0123456789]', 'counterfeit-v3.safetensors [abcdef0123]'];

async function writeGrid(name: string, png: Buffer, infotext?: string): Promise<string> {
  const file = join(dir, name);
  writeFileSync(file, infotext === undefined ? png : withTextChunks(png, [{ keyword: 'parameters', text: infotext }]));
  return file;
}

async function rawOf(file: string): Promise<Buffer> {
  return (await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true })).data;
}

async function expectCellsEqual(sliced: Awaited<ReturnType<typeof sliceGrid>>, cells: Buffer[][][]) {
  for (const cell of sliced.cells) {
    const pixels = await rawOf(cell.path);
    expect(pixels.equals(cells[cell.iz][cell.iy][cell.ix]), `cell x${cell.ix} y${cell.iy} z${cell.iz}`).toBe(true);
  }
}

describe('sliceGrid', () => {
  it('slices a 3 × 2 grid with legends into 6 images equal to the pasted cells, each with its own infotext', async () => {
    const grid = await buildA1111Grid({ cellWidth: W, cellHeight: H, xLabels: X_LABELS, yLabels: Y_LABELS });
    const file = await writeGrid('xy.png', grid.png, gridInfotext());
    const sliced = await sliceGrid(file, { outDir: join(dir, 'cells') });
    expect(sliced.cells).toHaveLength(6);
    expect(sliced.layout).toMatchObject({ cellWidth: W, cellHeight: H, margin: 0, padLeft: 72, method: 'cell size from the metadata' });
    expect(sliced.layout.padTop).toBeGreaterThan(0);
    await expectCellsEqual(sliced, grid.cells);
    const cell = sliced.cells.find((c) => c.ix === 1 && c.iy === 1)!;
    const meta = await readImageMetadata(cell.path);
    expect(meta.isGrid).toBe(false);
    expect(meta.generation).toMatchObject({
      prompt: 'anis, 1girl, <lora:anis:0.5>',
      checkpoint: 'counterfeit-v3',
      checkpointHash: 'abcdef0123',
      seed: '42',
      loras: [{ name: 'anis', weight: 0.5 }],
    });
    expect(cell.labels).toEqual({ x: '<lora:anis:0.5>', y: 'counterfeit-v3.safetensors [abcdef0123]' });
  });

  it('finds cell size and margins itself when the infotext has no Size', async () => {
    for (const margin of [0, 10]) {
      const grid = await buildA1111Grid({ cellWidth: W, cellHeight: H, xLabels: X_LABELS, yLabels: Y_LABELS, margin, seed: 2 + margin });
      const file = await writeGrid(`xy-m${margin}.png`, grid.png, gridInfotext(''));
      const sliced = await sliceGrid(file, { outDir: join(dir, 'cells') });
      expect(sliced.layout, `margin ${margin}`).toMatchObject({ cellWidth: W, cellHeight: H, margin });
      expect(sliced.layout.method).toMatch(/^searched/);
      await expectCellsEqual(sliced, grid.cells);
    }
  });

  it('uses the given cell size and margin and --x/--y values for a grid without an infotext', async () => {
    const grid = await buildA1111Grid({
      cellWidth: 40,
      cellHeight: 30,
      xLabels: ['Seed: 1', 'Seed: 2'],
      yLabels: ['CFG Scale: 5', 'CFG Scale: 7'],
      margin: 6,
      seed: 9,
    });
    const file = await writeGrid('plain.png', grid.png);
    const sliced = await sliceGrid(file, {
      outDir: join(dir, 'cells'),
      x: { values: '1, 2', type: 'seed' },
      y: { values: '5, 7', type: 'cfg' },
      cellSize: [40, 30],
      margin: 6,
    });
    await expectCellsEqual(sliced, grid.cells);
    expect(sliced.cells.map((c) => [c.generation.seed, c.generation.cfg])).toEqual([
      ['1', 5],
      ['2', 5],
      ['1', 7],
      ['2', 7],
    ]);
  });

  it('finds the layout of X-only and Y-only grids and of larger cells', async () => {
    const cases = [
      { xLabels: ['Seed: 1', 'Seed: 2', 'Seed: 3'], yLabels: [], x: '1-3', y: undefined, w: 82, h: 60, margin: 0 },
      { xLabels: [], yLabels: ['Steps: 10', 'Steps: 20'], x: undefined, y: '10, 20', w: 81, h: 60, margin: 12 },
      { xLabels: ['CFG Scale: 5', 'CFG Scale: 7'], yLabels: ['anything-v4.5', 'counterfeit-v3'], x: '5, 7', y: undefined, w: 320, h: 256, margin: 2 },
    ];
    for (const [i, c] of cases.entries()) {
      const grid = await buildA1111Grid({ cellWidth: c.w, cellHeight: c.h, xLabels: c.xLabels, yLabels: c.yLabels, margin: c.margin, seed: 20 + i });
      const axes = [
        ...(c.x ? [`X Type: ${c.xLabels[0].startsWith('Seed') ? 'Seed' : 'CFG Scale'}, X Values: "${c.x}"`] : []),
        ...(c.y ? [`Y Type: Steps, Y Values: "${c.y}"`] : []),
        ...(i === 2 ? ['Y Type: Checkpoint name, Y Values: "anything-v4.5, counterfeit-v3"'] : []),
      ];
      const file = await writeGrid(`axes-${i}.png`, grid.png, `p\nSteps: 20, Seed: 1, Model: m, Script: X/Y/Z plot, ${axes.join(', ')}`);
      const sliced = await sliceGrid(file, { outDir: join(dir, 'cells') });
      expect(sliced.layout, `case ${i}`).toMatchObject({ cellWidth: c.w, cellHeight: c.h, margin: c.margin });
      await expectCellsEqual(sliced, grid.cells);
    }
  });

  it('never cuts a grid in the wrong place: the layout found is the one drawn, or it refuses', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          w: fc.integer({ min: 24, max: 140 }),
          h: fc.integer({ min: 24, max: 140 }),
          margin: fc.integer({ min: 0, max: 14 }),
          cols: fc.integer({ min: 1, max: 3 }),
          rows: fc.integer({ min: 1, max: 3 }),
          xLabelled: fc.boolean(),
          yLabelled: fc.boolean(),
          hint: fc.boolean(),
          seed: fc.integer({ min: 1, max: 1000 }),
        }),
        async (c) => {
          const xLabels = c.xLabelled ? Array.from({ length: c.cols }, (_, i) => `CFG Scale: ${5 + i}`) : [];
          const yLabels = c.yLabelled ? Array.from({ length: c.rows }, (_, i) => `Steps: ${10 * (i + 1)}`) : [];
          const cols = c.xLabelled ? c.cols : 1;
          const rows = c.yLabelled ? c.rows : 1;
          const grid = await buildA1111Grid({ cellWidth: c.w, cellHeight: c.h, xLabels, yLabels, margin: c.margin, seed: c.seed });
          const { data, info } = await sharp(grid.png).raw().toBuffer({ resolveWithObject: true });
          let layout;
          try {
            layout = findGridLayout(
              { data, width: info.width, height: info.height, channels: info.channels },
              { cols, rows, rowLabels: yLabels.length > 0, topLabels: xLabels.length > 0, ...(c.hint ? { cellWidth: c.w, cellHeight: c.h } : {}) },
            );
          } catch (e) {
            expect(e).toBeInstanceOf(GridLayoutRefusal);
            // With the cell size known only a single column leaves the margin open (it trades against the band height).
            expect(c.hint && !(cols === 1 && rows > 1), 'a grid with a known cell size is sliced').toBe(false);
            return;
          }
          expect(layout.cells.map((cell) => [cell.left, cell.top, cell.width, cell.height])).toEqual(
            layout.cells.map((cell) => [grid.rects[0][cell.iy][cell.ix].left, grid.rects[0][cell.iy][cell.ix].top, c.w, c.h]),
          );
        },
      ),
      { numRuns: 40 },
    );
  });

  it('slices a grid drawn without legend', async () => {
    const grid = await buildA1111Grid({ cellWidth: 32, cellHeight: 32, xLabels: ['a', 'b'], yLabels: ['c', 'd', 'e'], legend: false, seed: 4 });
    const file = await writeGrid('nolegend.png', grid.png);
    const sliced = await sliceGrid(file, { outDir: join(dir, 'cells'), x: { values: '1, 2', type: 'Seed' }, y: { values: '5, 6, 7', type: 'Steps' } });
    expect(sliced.layout).toMatchObject({ padLeft: 0, padTop: 0, margin: 0, cellWidth: 32, cellHeight: 32 });
    await expectCellsEqual(sliced, grid.cells);
  });

  it('slices an X/Y/Z grid: Z panels side by side under their own labels', async () => {
    const grid = await buildA1111Grid({
      cellWidth: 50,
      cellHeight: 40,
      xLabels: ['Seed: 1', 'Seed: 2', 'Seed: 3'],
      yLabels: ['CFG Scale: 5', 'CFG Scale: 7'],
      zLabels: ['anything-v4.5', 'counterfeit-v3'],
      margin: 4,
      seed: 5,
    });
    const infotext =
      'p, <lora:anis:1>\nSteps: 20, Seed: 1, Size: 50x40, Model: anything-v4.5, Script: X/Y/Z plot, X Type: Seed, X Values: "1-3", Y Type: CFG Scale, Y Values: "5, 7", Z Type: Checkpoint name, Z Values: "anything-v4.5, counterfeit-v3"';
    const file = await writeGrid('xyz.png', grid.png, infotext);
    const sliced = await sliceGrid(file, { outDir: join(dir, 'cells') });
    expect(sliced.cells).toHaveLength(12);
    expect(sliced.layout).toMatchObject({ panels: 2, margin: 4 });
    await expectCellsEqual(sliced, grid.cells);
    const last = sliced.cells.find((c) => c.ix === 2 && c.iy === 1 && c.iz === 1)!;
    expect(last.generation).toMatchObject({ seed: '3', cfg: 7, checkpoint: 'counterfeit-v3' });
    // Without Size the Z panels cannot be searched for: refused, asking for the cell size.
    const noSize = await writeGrid('xyz-nosize.png', grid.png, infotext.replace('Size: 50x40, ', ''));
    expect((await sliceGrid(noSize, { outDir: join(dir, 'cells') }).catch((e) => e)).reason).toMatch(/Z panels needs the cell size/);
    const given = await sliceGrid(noSize, { outDir: join(dir, 'cells'), cellSize: [50, 40] });
    await expectCellsEqual(given, grid.cells);
  });

  it('slices a JPEG grid at the right places', async () => {
    const grid = await buildA1111Grid({ cellWidth: W, cellHeight: H, xLabels: X_LABELS, yLabels: Y_LABELS, margin: 8, seed: 7 });
    const file = join(dir, 'xy.jpg');
    writeFileSync(file, await sharp(grid.png).jpeg({ quality: 95 }).toBuffer());
    const sliced = await sliceGrid(file, {
      outDir: join(dir, 'cells'),
      x: { values: X_VALUES, type: 'Prompt S/R' },
      y: { values: 'a, b', type: 'Checkpoint name' },
      cellSize: [W, H],
    });
    expect(sliced.layout).toMatchObject({ margin: 8, padLeft: 72 });
    const decoded = await sharp(file).raw().toBuffer({ resolveWithObject: true });
    for (const cell of sliced.cells) {
      const { left, top } = grid.rects[0][cell.iy][cell.ix];
      const expected = await sharp(decoded.data, { raw: decoded.info }).extract({ left, top, width: W, height: H }).raw().toBuffer();
      expect((await rawOf(cell.path)).equals(expected), `cell x${cell.ix} y${cell.iy}`).toBe(true);
    }
  });

  it('refuses, saying why, when the grid cannot be divided as asked', async () => {
    const grid = await buildA1111Grid({ cellWidth: W, cellHeight: H, xLabels: X_LABELS, yLabels: Y_LABELS, seed: 8 });
    const file = await writeGrid('refuse.png', grid.png, gridInfotext().replace(X_VALUES, `${X_VALUES}, <lora:anis:2>`));
    const error = await sliceGrid(file, { outDir: join(dir, 'cells') }).catch((e) => e);
    expect(error).toBeInstanceOf(GridLayoutError);
    expect(error.file).toBe(file);
    expect(error.reason).toMatch(/cannot be divided into 4 columns × 2 rows/);
    expect(error.reason).toMatch(/--cell-size/);

    const noAxes = await writeGrid('noaxes.png', grid.png, 'p\nSteps: 1, Seed: 1, Model: m');
    expect((await sliceGrid(noAxes, { outDir: join(dir, 'cells') }).catch((e) => e)).reason).toMatch(/no X\/Y\/Z values/);
  });
});
