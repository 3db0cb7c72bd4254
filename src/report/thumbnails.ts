import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { compareSeeds } from '../sweep/seed.js';
import { readRunJson } from '../run/run-json.js';
import { readRunScores, SCORES_CSV } from '../run/run-scores.js';
import type { ScoreRow } from '../run/scores-csv.js';
import { escapeHtml as h } from './escape.js';

const THUMB = 112;
/** Metrics printed under each thumbnail, when the run has them. */
const SHOWN = ['style_retention', 'concept_detection', 'prompt_fidelity'];

async function thumbnail(file: string): Promise<string | undefined> {
  try {
    const jpeg = await sharp(file).rotate().resize(THUMB, THUMB, { fit: 'inside' }).jpeg({ quality: 70 }).toBuffer();
    return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
  } catch {
    return undefined;
  }
}

/**
 * The image grid people used to judge by eye, with the numbers beside it: for each prompt (first seed), one row per
 * base × LoRA weight plus the weight-0 row, one column per target, each image with its scores. Other factors are
 * shown at their last level (e.g. the final checkpoint). Thumbnails are inlined, so the page stays self-contained.
 */
export async function thumbnailGrids(runDir: string, factors: string[], maxPrompts = 4): Promise<string> {
  const run = readRunJson(runDir);
  if (!run || !existsSync(join(runDir, SCORES_CSV))) return '';
  const root = run.sweep?.root;
  if (!root) return '';
  const { rows } = readRunScores(join(runDir, SCORES_CSV), run, runDir);
  const others = factors.filter((f) => !['base', 'target', 'weight'].includes(f));
  const lastLevel = Object.fromEntries(
    others.map((f) => [
      f,
      rows
        .map((r) => r.levels[f])
        .filter((l) => l)
        .pop() ?? '',
    ]),
  );
  const inView = (r: ScoreRow) => others.every((f) => r.levels[f] === '' || r.levels[f] === lastLevel[f]);
  const byImage = new Map<string, ScoreRow[]>();
  for (const r of rows.filter(inView)) {
    if (!byImage.has(r.image)) byImage.set(r.image, []);
    byImage.get(r.image)!.push(r);
  }
  const images = [...byImage.values()].map((rs) => rs[0]);
  const targets = [...new Set(images.map((i) => i.levels.target))];
  const prompts = [...new Set(images.map((i) => i.prompt))].slice(0, maxPrompts);
  const sections: string[] = [];
  for (const prompt of prompts) {
    const ofPrompt = images.filter((i) => i.prompt === prompt);
    const seed = [...new Set(ofPrompt.map((i) => i.seed))].sort(compareSeeds)[0];
    const shown = ofPrompt.filter((i) => i.seed === seed);
    const rowKeys = [...new Set(shown.map((i) => `${i.levels.base ?? ''}\u0000${i.levels.weight}`))].sort((a, b) => {
      const [ba, wa] = a.split('\u0000');
      const [bb, wb] = b.split('\u0000');
      return ba === '' ? -1 : bb === '' ? 1 : ba.localeCompare(bb) || Number(wa) - Number(wb);
    });
    const body: string[] = [];
    for (const key of rowKeys) {
      const [base, weight] = key.split('\u0000');
      const cells: string[] = [];
      for (const target of targets) {
        const image = shown.find((i) => (i.levels.base ?? '') === base && i.levels.weight === weight && i.levels.target === target);
        if (!image) {
          cells.push('<td></td>');
          continue;
        }
        const src = await thumbnail(resolve(root, image.image));
        const scores = (byImage.get(image.image) ?? []).filter((r) => SHOWN.includes(r.metric)).map((r) => `${h(r.metric)} ${r.value.toFixed(2)}`);
        cells.push(
          `<td class="thumb">${src ? `<img src="${src}" alt="${h(image.image)}" title="${h(image.image)}">` : '<div class="missing">image not found</div>'}<div>${scores.join('<br>')}</div></td>`,
        );
      }
      body.push(`<tr><th>${base ? `${h(base)} · w ${h(weight)}` : `native · w ${h(weight)}`}</th>${cells.join('')}</tr>`);
    }
    sections.push(
      `<details${sections.length === 0 ? ' open' : ''}><summary>prompt ${h(prompt)}, seed ${h(seed)}${others.length ? ` (${others.map((f) => `${h(f)}=${h(lastLevel[f])}`).join(', ')})` : ''}</summary>` +
        `<table class="grid"><thead><tr><th></th>${targets.map((t) => `<th>${h(t)}</th>`).join('')}</tr></thead><tbody>${body.join('')}</tbody></table></details>`,
    );
  }
  return sections.join('\n');
}
