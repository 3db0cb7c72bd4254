import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.js';
import { writeReport } from '../../src/report/report.js';
import type { ScoreRow } from '../../src/run/scores-csv.js';
import { scoreSweep, type ScoreResult } from '../../src/score/score-sweep.js';
import { tempDir } from '../helpers/tmp.js';

const CLIP = 'fixtures/models/clip';
const DINO = 'fixtures/models/dinov2-small';
const CCIP = 'fixtures/models/ccip';

type Truth = { conceptPrompts: string[]; images: { path: string; concept: boolean }[] };

function mean(values: number[]): number {
  expect(values.length).toBeGreaterThan(0);
  return values.reduce((a, b) => a + b, 0) / values.length;
}

describe('DINOv2 and CCIP on the planted demo sweep', () => {
  let result: ScoreResult;
  let out: string;
  const truth = JSON.parse(readFileSync('fixtures/demo/truth.json', 'utf8')) as Truth;
  const concept = new Map(truth.images.map((i) => [i.path, i.concept]));
  const shows = (r: ScoreRow) => concept.get(r.image);
  const values = (metric: string, model: string | undefined, where: (r: ScoreRow) => boolean) =>
    result.rows.filter((r) => r.metric === metric && (model === undefined || r.model === model) && where(r)).map((r) => r.value);
  const conceptPromptAtWeight1 = (base: string) => (r: ScoreRow) =>
    r.levels.base === base && r.levels.weight === '1' && truth.conceptPrompts.includes(r.prompt);

  beforeAll(async () => {
    out = tempDir();
    result = await scoreSweep({ sweep: 'fixtures/demo/sweep.yaml', clip: CLIP, encoder: DINO, ccip: CCIP, out, lock: join(out, 'models.lock.json') });
  }, 600_000);

  it('writes concept_similarity once per embedding model, and the CCIP metrics under the CCIP model', () => {
    expect(result.failures).toEqual([]);
    const clipRows = values('concept_similarity', 'clip', () => true);
    const dinoRows = values('concept_similarity', 'dinov2-small', () => true);
    expect(clipRows.length).toBe(result.images.scored);
    expect(dinoRows.length).toBe(result.images.scored);
    expect(dinoRows).not.toEqual(clipRows);
    for (const metric of ['character_similarity', 'character_match']) {
      expect(new Set(result.rows.filter((r) => r.metric === metric).map((r) => r.model))).toEqual(new Set(['ccip/ccip-fixture']));
      expect(values(metric, undefined, () => true).length).toBe(result.images.scored);
    }
    const run = JSON.parse(readFileSync(result.runJson, 'utf8'));
    expect(run.encoder).toMatchObject({ id: 'dinov2-small', embedding: 'last_hidden_state[:, 0, :] (CLS)' });
    expect(run.ccip).toMatchObject({ id: 'ccip/ccip-fixture', threshold: 0.15 });
    const files = (list: { file: string }[]) => list.map((m) => m.file.split(/[/\\]/).slice(-2).join('/'));
    expect(files(run.models)).toEqual(expect.arrayContaining(['onnx/model.onnx', 'ccip-fixture/model_feat.onnx', 'ccip-fixture/model_metrics.onnx']));
    // the files that change these scores without being weights: DINO's preprocessing, CCIP's threshold
    expect(files(run.model_files)).toEqual(
      expect.arrayContaining(['dinov2-small/preprocessor_config.json', 'dinov2-small/config.json', 'ccip-fixture/metrics.json']),
    );
  });

  it('recovers the planted concept loss of sd15 with DINO concept_similarity', () => {
    const dino = (base: string) => mean(values('concept_similarity', 'dinov2-small', conceptPromptAtWeight1(base)));
    expect(dino('anylora') - dino('sd15')).toBeGreaterThan(0.1);
    expect(dino('nai') - dino('sd15')).toBeGreaterThan(0.1);
    // Per image: the images that show the concept are the ones DINO puts near the references.
    const withConcept = mean(values('concept_similarity', 'dinov2-small', (r) => shows(r) === true));
    const without = mean(values('concept_similarity', 'dinov2-small', (r) => shows(r) === false));
    expect(withConcept - without).toBeGreaterThan(0.15);
  });

  it('recovers the planted concept loss of sd15 with CCIP character_match, image by image', () => {
    const match = (base: string) => mean(values('character_match', undefined, conceptPromptAtWeight1(base)));
    expect(match('anylora') - match('sd15')).toBeGreaterThan(0.4);
    expect(mean(values('character_match', undefined, (r) => r.levels.weight === '0'))).toBe(0);
    const judged = result.rows.filter((r) => r.metric === 'character_match' && shows(r) !== undefined);
    expect(judged.length).toBe(result.images.scored);
    const agree = judged.filter((r) => (r.value === 1) === shows(r)).length;
    expect(agree / judged.length).toBeGreaterThan(0.98);
    const similarity = (shown: boolean) => mean(values('character_similarity', undefined, (r) => shows(r) === shown));
    expect(similarity(true) - similarity(false)).toBeGreaterThan(0.1);
  });

  it('analyzes diversity and the concept centroid distance with the DINO embeddings too', () => {
    const analysis = analyze({ input: out, reps: 200 });
    expect(analysis.encoderEmbeddings?.available).toBe(true);
    if (!analysis.encoderEmbeddings?.available || !analysis.embeddings.available) return;
    const dino = analysis.encoderEmbeddings;
    expect(dino.diversity.length).toBe(analysis.embeddings.diversity.length);
    expect(dino.diversity.map((d) => d.vendi)).not.toEqual(analysis.embeddings.diversity.map((d) => d.vendi));
    const distance = (base: string, target: string, weight: string) =>
      dino.conceptDistance.find((d) => d.levels.base === base && d.levels.target === target && d.levels.weight === weight)!.distance;
    for (const target of ['anything', 'counterfeit']) {
      expect(distance('anylora', target, '1')).toBeLessThan(distance('sd15', target, '1'));
      expect(distance('sd15', target, '1')).toBeLessThan(distance('', target, '0'));
    }
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.encoder_embeddings).toMatchObject({ model: 'dinov2-small', diversity: { file: 'encoder-diversity.csv' } });
  });

  it('reports CLIP and DINO concept_similarity in separate charts and tables', async () => {
    const report = await writeReport({ run: out, png: false });
    const charts = readdirSync(join(out, 'charts'));
    expect(charts).toEqual(expect.arrayContaining(['heatmap-concept_similarity@clip.svg', 'heatmap-concept_similarity@dinov2-small.svg']));
    expect(charts).not.toContain('heatmap-concept_similarity.svg');
    const tables = readFileSync(report.latex, 'utf8');
    expect(tables).toContain('concept\\_similarity@dinov2-small at LoRA weight 1');
  });

  it("reuses every encoder's vectors from the store on a second run", async () => {
    const again = await scoreSweep({ sweep: 'fixtures/demo/sweep.yaml', clip: CLIP, encoder: DINO, ccip: CCIP, out, lock: join(out, 'models.lock.json') });
    expect(again.images.encoded).toBe(0);
    expect(again.rows.map((r) => r.value)).toEqual(result.rows.map((r) => r.value));
  }, 300_000);
});
