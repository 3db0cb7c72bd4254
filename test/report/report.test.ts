import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.js';
import { formatScoresCsv, type ScoreRow } from '../../src/run/scores-csv.js';
import { writeReport, type ReportResult } from '../../src/report/report.js';
import { createRng } from '../../src/stats/index.js';
import { tempDir } from '../helpers/tmp.js';

const CHROMIUM = '/usr/bin/chromium';
const HOSTILE = '<img src=x onerror="window.__pwned=1">';

/** A small analyzed run whose target names and hypothesis description carry markup. */
function analyzedRun(): string {
  const rng = createRng(3);
  const rows: ScoreRow[] = [];
  const targets = ['anything', HOSTILE];
  for (const base of ['nai', 'anylora']) {
    for (const target of targets) {
      for (const weight of ['0.5', '1']) {
        for (const prompt of ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8']) {
          for (const seed of [1, 2]) {
            const value = Number(weight) * (base === 'nai' ? 0.2 : 0.7) + 0.05 * rng.normal();
            rows.push({
              image: `${base}/${prompt}-${seed}-${weight}-${targets.indexOf(target)}.png`,
              sha256: '-',
              levels: { base, target, weight },
              prompt,
              seed: String(seed),
              metric: 'style_retention',
              model: 'clip',
              value,
            });
          }
        }
      }
    }
  }
  const dir = tempDir();
  writeFileSync(join(dir, 'scores.csv'), formatScoresCsv(rows, ['base', 'target', 'weight']));
  writeFileSync(
    join(dir, 'h.yaml'),
    `hypotheses:\n  - id: nai-follows\n    description: "<script>window.__pwned=2</script> nai keeps less"\n    metric: style_retention\n    compare: { a: { base: nai }, b: { base: anylora } }\n    where: { weight: 1 }\n    across: target\n    expect: less\n`,
  );
  analyze({ input: join(dir, 'scores.csv'), hypotheses: join(dir, 'h.yaml'), reps: 200 });
  return dir;
}

describe('report', () => {
  let dir: string;
  let result: ReportResult;
  beforeAll(async () => {
    dir = analyzedRun();
    result = await writeReport({ run: dir, png: true });
  }, 60_000);

  it('writes a Vega-Lite spec, an SVG and a PNG per chart', () => {
    const files = readdirSync(join(dir, 'charts'));
    for (const stem of ['heatmap-style_retention', 'dose-style_retention', 'forest']) {
      for (const ext of ['vl.json', 'svg', 'png']) expect(files, `${stem}.${ext}`).toContain(`${stem}.${ext}`);
    }
    const png = readFileSync(join(dir, 'charts', 'forest.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
  });

  it('writes booktabs LaTeX tables with escaped text', () => {
    const tex = readFileSync(result.latex, 'utf8');
    expect(tex).toContain('\\toprule');
    expect(tex).toContain('style\\_retention');
    expect(tex).toMatch(/nai & [0-9.]+ \{\\scriptsize \[/);
    expect(tex).toContain('nai-follows');
    // Cells: the CI is named with its method and K; tests: each row names its unit and K.
    expect(tex).toContain('95\\% t CI over prompt means (K = 8 prompts)');
    expect(tex).toMatch(/nai-follows & [^\n]* & prompt & 8 & -?[0-9.]+ \[[^\]]+\] \{\\scriptsize 95\\% t\}/);
  });

  it('html says the unit and K of every test and the CI method of every cell', () => {
    const html = readFileSync(result.html, 'utf8');
    expect(html).toContain('<th>unit</th><th>K</th>');
    expect(html).toContain('<td class="unit-prompt">prompt</td><td class="num">8</td>');
    expect(html).toContain('95% t, K = 8');
  });

  it('says which step is missing when the run was not analyzed', async () => {
    await expect(writeReport({ run: tempDir() })).rejects.toThrow(/no cells\.csv, tests\.csv, summary\.json \(run "lora-eval analyze/);
  });

  describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('in a real headless browser', () => {
    it('renders every chart and verdict, runs no script from the data, and needs no network', async () => {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      });
      try {
        const page = await browser.newPage();
        const errors: string[] = [];
        const requests: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
        page.on('request', (r) => requests.push(r.url()));
        await page.goto(`file://${result.html}`);
        expect(errors).toEqual([]);
        expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
        expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
        expect(await page.locator('figure svg').count()).toBe(4);
        expect(await page.locator('#chart-variance svg').count()).toBe(1);
        expect(await page.locator('span.verdict.supported').count()).toBeGreaterThan(0);
        const text = await page.locator('body').innerText();
        expect(text).toContain('<script>window.__pwned=2</script> nai keeps less');
        expect(text).toContain(HOSTILE);
        const box = await page.locator('#chart-heatmap-style_retention svg').boundingBox();
        expect(box!.width).toBeGreaterThan(100);
        await page.screenshot({ path: join(dir, 'report.png'), fullPage: true });
      } finally {
        await browser.close();
      }
    }, 60_000);
  });
});
