import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.js';
import { writeReport } from '../../src/report/report.js';
import type { ScoreRow } from '../../src/run/scores-csv.js';
import { scoreSweep, type ScoreResult } from '../../src/score/score-sweep.js';
import { tempDir } from '../helpers/tmp.js';

const CLIP = 'fixtures/models/clip';
const TAGGER = 'fixtures/models/tagger-v3';
const HYPOTHESES = 'fixtures/demo-hypotheses.yaml';

type Truth = { retain: Record<string, Record<string, number>>; keep: Record<string, Record<string, number>> };

function meanOf(rows: ScoreRow[], metric: string, where: (r: ScoreRow) => boolean): number {
  const values = rows.filter((r) => r.metric === metric && where(r)).map((r) => r.value);
  expect(values.length).toBeGreaterThan(0);
  return values.reduce((a, b) => a + b, 0) / values.length;
}

const awayFromHome = (r: ScoreRow) => r.levels.target !== r.levels.base && r.levels.weight === '1';

describe('score on the planted demo sweep', () => {
  let result: ScoreResult;
  let out: string;
  const truth = JSON.parse(readFileSync('fixtures/demo/truth.json', 'utf8')) as Truth;

  beforeAll(async () => {
    out = tempDir();
    result = await scoreSweep({ sweep: 'fixtures/demo/sweep.yaml', clip: CLIP, tagger: TAGGER, out, lock: join(out, 'models.lock.json') });
  }, 300_000);

  it('scores every image and writes the documented columns', () => {
    expect(result.failures).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(result.images.scored).toBe(504);
    const header = readFileSync(result.scoresCsv, 'utf8').split('\n')[0];
    expect(header).toBe('image,sha256,base,target,weight,prompt,seed,metric,model,value');
    const metrics = new Set(result.rows.map((r) => r.metric));
    for (const m of [
      'prompt_fidelity',
      'prompt_fidelity_delta',
      'concept_similarity',
      'style_retention',
      'base_preservation',
      'concept_detection',
      'concept_probability',
      'prompt_tag_fidelity',
    ]) {
      expect(metrics, m).toContain(m);
    }
  });

  it('recovers the planted style_retention ordering of the bases away from home', () => {
    const byBase = Object.fromEntries(
      ['nai', 'anylora', 'sd15'].map((b) => [b, meanOf(result.rows, 'style_retention', (r) => r.levels.base === b && awayFromHome(r))]),
    );
    const planted = Object.fromEntries(Object.entries(truth.retain).map(([b, t]) => [b, (t.anything + t.counterfeit) / 2]));
    const order = (m: Record<string, number>) => Object.keys(m).sort((a, b) => m[b] - m[a]);
    expect(order(byBase)).toEqual(order(planted));
    expect(byBase.anylora - byBase.sd15).toBeGreaterThan(0.1);
    expect(byBase.sd15 - byBase.nai).toBeGreaterThan(0.1);
  });

  it('recovers the planted concept loss of sd15 with the tagger', () => {
    const concept = (b: string) =>
      meanOf(result.rows, 'concept_detection', (r) => r.levels.base === b && r.levels.weight === '1' && (r.prompt === 'portrait' || r.prompt === 'outdoors'));
    expect(concept('anylora') - concept('sd15')).toBeGreaterThan(0.3);
    // Weight-0 images are the leakage baseline: the target's native output does not show the concept.
    expect(meanOf(result.rows, 'concept_detection', (r) => r.levels.weight === '0')).toBeLessThan(0.1);
  });

  it('supports the planted hypotheses', () => {
    const analysis = analyze({ input: out, hypotheses: HYPOTHESES, reps: 500 });
    expect(Object.fromEntries(analysis.hypotheses.map((h) => [h.id, h.verdict]))).toEqual({
      'neutral-base-follows-target': 'supported',
      'family-base-keeps-style': 'supported',
      'sd15-loses-concept': 'supported',
      'style-grows-with-weight': 'supported',
    });
    // Every test ran across prompts: 12 prompts, 8 for the concept claim, each with its K.
    for (const t of analysis.tests) {
      expect(t.unit, t.hypothesis).toBe('prompt');
      expect(t.nUnits, t.hypothesis).toBe(t.hypothesis === 'sd15-loses-concept' ? 8 : 12);
      expect(t.ciMethod).toBe('t');
    }
    expect(analysis.embeddings.available).toBe(true);
    if (!analysis.embeddings.available) return;
    // The cells' centroids approach the reference images' centroid in the planted order of retention.
    const { conceptDistance } = analysis.embeddings;
    const distance = (base: string, target: string, weight: string) =>
      conceptDistance.find((d) => d.levels.base === base && d.levels.target === target && d.levels.weight === weight)!.distance;
    for (const target of ['anything', 'counterfeit']) {
      expect(distance('anylora', target, '1')).toBeLessThan(distance('sd15', target, '1'));
      expect(distance('sd15', target, '1')).toBeLessThan(distance('nai', target, '1'));
      expect(distance('nai', target, '1')).toBeLessThan(distance('', target, '0'));
    }
  });

  it('reports the run with the image grid beside its scores', async () => {
    const { html } = await writeReport({ run: out, png: false });
    const page = readFileSync(html, 'utf8');
    // the first 4 of the 12 prompts, each a grid of (1 native + 3 bases × 2 weights) rows × 3 targets
    expect(page.match(/<table class="grid">/g)).toHaveLength(4);
    expect(page.match(/<img src="data:image\/jpeg;base64,/g)).toHaveLength(4 * 7 * 3);
    expect(page).toContain('style_retention 0.');
  });

  it('computes nothing on a second run over the unchanged sweep, and says so', async () => {
    const again = await scoreSweep({ sweep: 'fixtures/demo/sweep.yaml', clip: CLIP, tagger: TAGGER, out, lock: join(out, 'models.lock.json') });
    expect(again.images.encoded).toBe(0);
    expect(again.images.cached).toBeGreaterThan(0);
    expect(again.rows.map((r) => r.value)).toEqual(result.rows.map((r) => r.value));
  });
});

describe('score on the null sweep', () => {
  it('finds no base that differs beyond noise', async () => {
    const out = tempDir();
    const result = await scoreSweep({ sweep: 'fixtures/null/sweep.yaml', clip: CLIP, tagger: TAGGER, out, lock: join(out, 'models.lock.json') });
    expect(result.failures).toEqual([]);
    const byBase = ['nai', 'anylora', 'sd15'].map((b) => meanOf(result.rows, 'style_retention', (r) => r.levels.base === b && awayFromHome(r)));
    expect(Math.max(...byBase) - Math.min(...byBase)).toBeLessThan(0.05);
    const analysis = analyze({ input: out, hypotheses: HYPOTHESES, reps: 500 });
    const verdicts = Object.fromEntries(analysis.hypotheses.map((h) => [h.id, h.verdict]));
    expect(verdicts['neutral-base-follows-target']).toBe('inconclusive');
    expect(verdicts['family-base-keeps-style']).toBe('inconclusive');
    expect(verdicts['sd15-loses-concept']).toBe('inconclusive');
    // The LoRA still works on the null sweep: its style grows with the weight.
    expect(verdicts['style-grows-with-weight']).toBe('supported');
    expect(analysis.tests.every((t) => t.unit === 'prompt')).toBe(true);
  }, 300_000);
});
