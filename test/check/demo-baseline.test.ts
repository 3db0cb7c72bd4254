import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readScoresCsv } from '../../src/run/scores-csv.js';
import { writeScoresCsv } from '../../src/run/run-scores.js';
import { demoBaselineDir, demoScoreArgs, demoTolerance } from '../../scripts/demo-args.mjs';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * CI on the fixture grid: the demo sweep, scored as `npm run demo` scores it, must reproduce the committed baseline
 * (refreshed deliberately with `npm run baseline:demo`) within the tolerances, image by image.
 */
describe('the demo fixture against its committed baseline', () => {
  let run: string;

  beforeAll(() => {
    run = join(tempDir(), 'demo');
    const scored = runCli(demoScoreArgs(run));
    expect(scored.stderr).not.toMatch(/^error:/m);
    expect(scored.code).toBe(0);
  }, 300_000);

  it('re-scores every image of the demo within tolerance of the baseline', () => {
    const cli = runCli(['check', run, '--baseline', demoBaselineDir, '--tolerance', ...demoTolerance]);
    const scores = readScoresCsv(join(demoBaselineDir, 'scores.csv')).rows.length;
    expect(cli.stdout).toContain(`passed: ${scores} scores re-checked, 0 moved beyond tolerance`);
    expect(cli.code).toBe(0);
  }, 120_000);

  it('fails, naming the image with its old and new value, when one score moves beyond its tolerance', () => {
    const perturbed = join(tempDir(), 'perturbed');
    cpSync(run, perturbed, { recursive: true });
    const { factors, rows } = readScoresCsv(join(run, 'scores.csv'));
    // The fixture may be regenerated: pick the image, and count the metric's images, from the scores themselves.
    const styleRows = rows.filter((r) => r.metric === 'style_retention' && Number.isFinite(r.value));
    const target = styleRows[Math.floor(styleRows.length / 2)];
    target.value += 0.002;
    // A deliberate, consistent change (run.json re-records the file), as a code change that moves a score would give.
    const record = writeScoresCsv(perturbed, rows, factors);
    const runJson = JSON.parse(readFileSync(join(perturbed, 'run.json'), 'utf8'));
    writeFileSync(join(perturbed, 'run.json'), JSON.stringify({ ...runJson, scores: record }, null, 2));
    const baseline = readScoresCsv(join(demoBaselineDir, 'scores.csv')).rows.find((r) => r.image === target.image && r.metric === 'style_retention')!;
    const cli = runCli(['check', perturbed, '--baseline', demoBaselineDir, '--tolerance', ...demoTolerance]);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain(`MOVED        style_retention: 1 of ${styleRows.length} images moved by more than 0.00001`);
    expect(cli.stdout).toContain(`  ${target.image} style_retention: baseline ${baseline.value} → run `);
    expect(readFileSync(join(demoBaselineDir, 'run.json'), 'utf8')).toContain('"fixtures/models/clip/onnx/vision_model.onnx"');
  }, 120_000);
});
