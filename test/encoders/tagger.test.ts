import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTagger } from '../../src/encoders/tagger.js';
import { decodeImage } from '../../src/imaging/decode.js';
import { loadTaggerScoring } from '../../src/score/tagger-scoring.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const V2 = resolve('fixtures/models/tagger-v2');
const V3 = resolve('fixtures/models/tagger-v3');
const CONCEPT_IMAGE = resolve('fixtures/demo/refs/ref-01.png');
const NATIVE_CAFE = resolve('fixtures/demo/native/anything/cafe-1.png');

function copyTagger(from: string): string {
  const dir = join(tempDir(), 'tagger');
  cpSync(from, dir, { recursive: true });
  return dir;
}

describe('WD14 tagger loading', () => {
  it('reads size and batch from the model: v2 takes one image at a time, v3 batches', async () => {
    const v2 = await loadTagger(V2);
    const v3 = await loadTagger(V3);
    expect(v2.size).toBe(448);
    expect(v2.maxBatch).toBe(1);
    expect(v3.maxBatch).toBeGreaterThan(1);
    const images = await Promise.all([CONCEPT_IMAGE, NATIVE_CAFE].map((p) => decodeImage(p)));
    const tensors = await Promise.all(images.map((img) => v3.preprocessor.preprocess(img)));
    const batched = await v3.encode(tensors);
    const single = [...(await v2.encode([tensors[0]])), ...(await v2.encode([tensors[1]]))];
    for (let i = 0; i < 2; i++) for (let k = 0; k < v3.tags.length; k++) expect(batched[i][k]).toBeCloseTo(single[i][k], 5);
    const blonde = v3.tags.findIndex((t) => t.name === 'blonde_hair');
    expect(batched[0][blonde]).toBeGreaterThan(0.35);
    expect(batched[1][blonde]).toBeLessThan(0.35);
    await v2.release();
    await v3.release();
  });

  it('prints the top tags with probabilities and categories', () => {
    const run = runCli(['inspect', 'tags', '--tagger', V3, CONCEPT_IMAGE, '--top', '5', '--json']);
    expect(run.code).toBe(0);
    const tags = JSON.parse(run.stdout) as { tag: string; category: string; probability: number; detected: boolean }[];
    expect(tags).toHaveLength(5);
    expect(tags.map((t) => t.tag)).toContain('blonde_hair');
    expect(tags[0].probability).toBeGreaterThanOrEqual(tags[4].probability);
    expect(['general', 'character', 'rating']).toContain(tags[0].category);
  });

  it('writes the tagger input tensor as [1,H,W,3]', () => {
    const dir = tempDir();
    const run = runCli(['inspect', 'preprocess', '--model', V3, CONCEPT_IMAGE, '--out', join(dir, 'x.npy')]);
    expect(run.code).toBe(0);
    const header = readFileSync(join(dir, 'x.npy')).subarray(0, 128).toString('latin1');
    expect(header).toContain("'shape': (1, 448, 448, 3)");
  });
});

describe('a broken tagger folder gives one clear message and a non-zero exit', () => {
  const cases: [string, (dir: string) => void, RegExp][] = [
    [
      'a truncated model',
      (dir) => {
        const bytes = readFileSync(join(dir, 'model.onnx'));
        writeFileSync(join(dir, 'model.onnx'), bytes.subarray(0, Math.floor(bytes.length / 3)));
      },
      /model\.onnx: onnxruntime cannot load it: /,
    ],
    [
      'a CSV with a missing column',
      (dir) => {
        const csv = readFileSync(join(dir, 'selected_tags.csv'), 'utf8')
          .split('\n')
          .map((l) => l.split(',').slice(0, 3).join(','))
          .join('\n');
        writeFileSync(join(dir, 'selected_tags.csv'), csv);
      },
      /selected_tags\.csv: missing column count; expected header tag_id,name,category,count, found tag_id,name,category/,
    ],
    [
      'a CSV whose length does not match the model output',
      (dir) => {
        const lines = readFileSync(join(dir, 'selected_tags.csv'), 'utf8').trimEnd().split('\n');
        writeFileSync(join(dir, 'selected_tags.csv'), lines.slice(0, -2).join('\n') + '\n');
      },
      /selected_tags\.csv: lists 19 tags but model\.onnx outputs 21 probabilities per image/,
    ],
  ];
  for (const [name, breakIt, message] of cases) {
    it(name, () => {
      const dir = copyTagger(V3);
      breakIt(dir);
      const run = runCli(['inspect', 'tags', '--tagger', dir, CONCEPT_IMAGE]);
      expect(run.code).toBe(2);
      const errors = run.stderr.split('\n').filter((l) => l.startsWith('error: '));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(message);
    });
  }
});

describe('tagger scoring settings from the sweep', () => {
  const lora = { trigger: 'anisphia', description: 'a girl', concept_tags: ['blonde_hair'], references: 'refs' };

  it('applies per-tag thresholds from lora.tag_thresholds', async () => {
    const image = await decodeImage(CONCEPT_IMAGE);
    const detect = async (tag_thresholds?: Record<string, number>) => {
      const scoring = await loadTaggerScoring(V3, { lora: { ...lora, tag_thresholds } });
      const [p] = await scoring.tagger.encode([await scoring.tagger.preprocessor.preprocess(image)]);
      const i = scoring.tagger.tags.findIndex((t) => t.name === 'blonde_hair');
      const inputs = scoring.inputsFor(p, undefined)!;
      await scoring.release();
      return { detected: inputs.detected(i, p), p: p[i] };
    };
    const plain = await detect();
    expect(plain.detected).toBe(true);
    const strict = await detect({ blonde_hair: Math.min(0.999999, plain.p + (1 - plain.p) / 2) });
    expect(strict.detected).toBe(false);
  });

  it('names a concept tag the tagger does not have, with similar tags', async () => {
    await expect(loadTaggerScoring(V3, { lora: { ...lora, concept_tags: ['blonde'] } })).rejects.toThrow(
      /the sweep names tag "blonde", which this tagger does not have; similar tags: blonde_hair/,
    );
  });
});
