import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataType, GraphBuilder, type Dim } from '../../fixtures/lib/onnx-graph.js';
import { loadClip } from '../../src/encoders/clip.js';
import { loadTagger } from '../../src/encoders/tagger.js';
import { cosine, dot } from '../../src/encoders/vector.js';
import { decodeImage } from '../../src/imaging/decode.js';
import { ModelLoadError } from '../../src/runtime/errors.js';
import { runCli } from '../helpers/cli.js';
import { tempDir, writeTree } from '../helpers/tmp.js';

const DEMO = resolve('fixtures/demo');
const CLIP = resolve('fixtures/models/clip');
const TAGGER = resolve('fixtures/models/tagger-v3');
const IMAGE = resolve('fixtures/demo/refs/ref-01.png');

/**
 * A model that averages each colour channel of an image and maps the three means to `width` values,
 * returning them as [batch, width] or, with `middle`, as [batch, 1, width]. `declared` is the output
 * shape written in the graph, which may differ from the shape it returns.
 */
function meanColourModel(opts: {
  input: string;
  inputDims: Dim[];
  spatialAxes: number[];
  output: string;
  width: number;
  middle?: boolean;
  declared: Dim[];
}): Uint8Array {
  const g = new GraphBuilder('mean-colour');
  const x = g.input(opts.input, DataType.FLOAT, opts.inputDims);
  const means = g.op('ReduceMean', [x], { axes: opts.spatialAxes, keepdims: 0 });
  const weights = g.floats(
    'w',
    [3, opts.width],
    Array.from({ length: 3 * opts.width }, (_, i) => Math.sin(i + 1)),
  );
  const rows = g.op('MatMul', [means, weights], {}, opts.middle ? undefined : opts.output);
  if (opts.middle) g.op('Unsqueeze', [rows, g.ints64('axis', [1])], {}, opts.output);
  g.output(opts.output, DataType.FLOAT, opts.declared);
  return g.toBytes();
}

function clipWithVision(vision: Uint8Array, config?: (c: Record<string, unknown>) => void): string {
  const dir = join(tempDir(), 'clip');
  cpSync(CLIP, dir, { recursive: true });
  writeFileSync(join(dir, 'onnx/vision_model.onnx'), vision);
  if (config) {
    const c = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    config(c);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(c));
  }
  return dir;
}

const vision = (width: number, declared: Dim[], middle = false) =>
  meanColourModel({
    input: 'pixel_values',
    inputDims: ['batch_size', 3, 224, 224],
    spatialAxes: [2, 3],
    output: 'image_embeds',
    width,
    middle,
    declared,
  });

/** A text encoder: the mean token id of each text, mapped to `width` values. */
function textModel(width: number, declared: Dim[]): Uint8Array {
  const g = new GraphBuilder('mean-token');
  const ids = g.input('input_ids', DataType.INT64, ['batch_size', 'sequence_length']);
  const mean = g.op('ReduceMean', [g.op('Cast', [ids], { to: DataType.FLOAT })], { axes: [1], keepdims: 1 });
  const weights = g.floats(
    'w',
    [1, width],
    Array.from({ length: width }, (_, i) => Math.cos(i)),
  );
  g.op('MatMul', [mean, weights], {}, 'text_embeds');
  g.output('text_embeds', DataType.FLOAT, declared);
  return g.toBytes();
}

async function modelError(promise: Promise<unknown>): Promise<ModelLoadError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelLoadError);
  expect((err as Error).message).not.toContain('\n');
  return err as ModelLoadError;
}

async function encodeOneImage(dir: string) {
  const clip = await loadClip(dir);
  try {
    const pixels = await clip.preprocessor.preprocess(await decodeImage(IMAGE));
    return await clip.encodeImages([pixels, pixels]);
  } finally {
    await clip.release();
  }
}

describe('CLIP embeddings must be [batch, D] with one D for images and text', () => {
  it('refuses an image encoder declared [batch,1,D] when the model is loaded', async () => {
    const dir = clipWithVision(vision(32, ['batch_size', 1, 32], true));
    const err = await modelError(loadClip(dir));
    expect(err.message).toBe(
      `${join(dir, 'onnx/vision_model.onnx')}: output "image_embeds" is declared float32 [batch_size,1,32]; ` +
        'expected float32 [batch,32] (one image embedding per item; config.json gives projection_dim 32)',
    );
  });

  it('refuses an image encoder that returns [B,1,D] although it declares [batch, D]', async () => {
    const dir = clipWithVision(vision(32, ['batch_size', 'embed_dim'], true));
    const err = await modelError(encodeOneImage(dir));
    expect(err.file).toBe(join(dir, 'onnx/vision_model.onnx'));
    expect(err.message).toMatch(/output "image_embeds" returned float32 \[2,1,32\] for 2 inputs; expected float32 \[2,32\]/);
  });

  it('refuses image embeddings narrower than projection_dim (onnxruntime infers the width at load)', async () => {
    const dir = clipWithVision(vision(16, ['batch_size', 'embed_dim']));
    const err = await modelError(loadClip(dir));
    expect(err.message).toMatch(
      /output "image_embeds" is declared float32 \[batch_size,16\]; expected float32 \[batch,32\] \(one image embedding per item; config.json gives projection_dim 32\)$/,
    );
  });

  it('refuses image embeddings narrower than projection_dim when only running the model shows it', async () => {
    // Declared with a rank the graph does not produce, onnxruntime reports no shape at load.
    const dir = clipWithVision(vision(16, ['batch_size', 'embed_dim', 'extra']));
    const err = await modelError(encodeOneImage(dir));
    expect(err.message).toMatch(
      /returned float32 \[2,16\] for 2 inputs; expected float32 \[2,32\] \(one image embedding per item; config.json gives projection_dim 32\)$/,
    );
  });

  it('without projection_dim, refuses image and text encoders declared with different widths', async () => {
    const dir = clipWithVision(vision(16, ['batch_size', 16]), (c) => delete c.projection_dim);
    const err = await modelError(loadClip(dir));
    expect(err.file).toBe(join(dir, 'onnx/text_model.onnx'));
    expect(err.message).toMatch(
      /output "text_embeds" is declared float32 \[batch_size,32\]; expected float32 \[batch,16\] \(.*vision_model\.onnx declares "image_embeds" 16 wide\)$/,
    );
  });

  it('without projection_dim or declared widths, refuses text embeddings of another width than the images returned', async () => {
    const dir = clipWithVision(vision(16, ['batch_size', 'embed_dim', 'extra']), (c) => delete c.projection_dim);
    writeFileSync(join(dir, 'onnx/text_model.onnx'), textModel(32, ['batch_size', 'embed_dim', 'extra']));
    const clip = await loadClip(dir);
    try {
      const pixels = await clip.preprocessor.preprocess(await decodeImage(IMAGE));
      expect((await clip.encodeImages([pixels]))[0]).toHaveLength(16);
      const err = await modelError(clip.encodeTexts(['a girl']));
      expect(err.message).toMatch(/output "text_embeds" returned float32 \[1,32\] for 1 inputs; expected float32 \[1,16\]/);
    } finally {
      await clip.release();
    }
  });

  it('accepts the well-formed fixture export: [batch,32] for both', async () => {
    const rows = await encodeOneImage(CLIP);
    expect(rows.map((r) => r.length)).toEqual([32, 32]);
  });
});

const taggerModel = (width: number, declared: Dim[], middle = false) =>
  meanColourModel({
    input: 'input_1:0',
    inputDims: ['batch', 448, 448, 3],
    spatialAxes: [1, 2],
    output: 'predictions_sigmoid',
    width,
    middle,
    declared,
  });

function taggerWith(model: Uint8Array): { dir: string; tags: number } {
  const dir = join(tempDir(), 'tagger');
  cpSync(TAGGER, dir, { recursive: true });
  writeFileSync(join(dir, 'model.onnx'), model);
  const tags = readFileSync(join(dir, 'selected_tags.csv'), 'utf8').trim().split('\n').length - 1;
  return { dir, tags };
}

describe('tagger output must be [batch, rows of selected_tags.csv]', () => {
  const tagCount = readFileSync(join(TAGGER, 'selected_tags.csv'), 'utf8').trim().split('\n').length - 1;

  it('refuses an output declared [batch,1,N] when the model is loaded', async () => {
    const { dir, tags } = taggerWith(taggerModel(tagCount, ['batch', 1, tagCount], true));
    const err = await modelError(loadTagger(dir));
    expect(err.message).toBe(
      `${join(dir, 'model.onnx')}: output "predictions_sigmoid" is declared float32 [batch,1,${tags}]; ` +
        `expected float32 [batch,${tags}] (one row of tag probabilities per item; selected_tags.csv lists ${tags} tags)`,
    );
  });

  it('refuses an output that returns [B,1,N] although it declares [batch, N]', async () => {
    const { dir } = taggerWith(taggerModel(tagCount, ['batch', 'tags'], true));
    const tagger = await loadTagger(dir);
    try {
      const input = await tagger.preprocessor.preprocess(await decodeImage(IMAGE));
      const err = await modelError(tagger.encode([input]));
      expect(err.message).toMatch(new RegExp(`returned float32 \\[1,1,${tagCount}\\] for 1 inputs; expected float32 \\[1,${tagCount}\\]`));
    } finally {
      await tagger.release();
    }
  });

  it('refuses an output one wider than the tag list, found when it is returned', async () => {
    const { dir } = taggerWith(taggerModel(tagCount + 1, ['batch', 'tags', 'extra']));
    const tagger = await loadTagger(dir);
    try {
      const input = await tagger.preprocessor.preprocess(await decodeImage(IMAGE));
      const err = await modelError(tagger.encode([input]));
      expect(err.message).toMatch(new RegExp(`returned float32 \\[1,${tagCount + 1}\\] for 1 inputs; expected float32 \\[1,${tagCount}\\]`));
    } finally {
      await tagger.release();
    }
  });
});

describe('similarities refuse vectors of different lengths', () => {
  it('dot and cosine', () => {
    expect(() => dot(new Float32Array(512), new Float32Array(32))).toThrow('cannot compare vectors of different lengths (512 and 32)');
    expect(() => cosine([1, 0], [1])).toThrow(RangeError);
    expect(dot([1, 2], [3, 4])).toBe(11);
  });
});

describe('score with an image encoder that returns [B,1,D]', () => {
  it('exits 2 with one line naming the model file, the output and both shapes', () => {
    const clip = clipWithVision(vision(32, ['batch_size', 'embed_dim'], true));
    const sweep = tempDir();
    writeTree(sweep, {
      'sweep.yaml': `name: small
lora: { trigger: anisphia, description: a girl with blonde hair and green eyes, concept_tags: [blonde_hair], references: refs }
factors: { base: [anylora], target: [anything], weight: [0, 1] }
prompts: [{ id: portrait, kind: concept, text: "anisphia, 1girl, smile" }]
seeds: [1, 2]
images: { template: "{base}/{target}/w{weight}/{prompt}-{seed}.png", native: "native/{target}/{prompt}-{seed}.png" }
`,
    });
    for (const d of ['refs', 'anylora/anything/w1', 'native/anything']) cpSync(join(DEMO, d), join(sweep, d), { recursive: true });
    const run = runCli(['score', join(sweep, 'sweep.yaml'), '--clip', clip, '--out', join(sweep, 'out'), '--lock', join(sweep, 'lock.json')]);
    expect(run.code).toBe(2);
    const errors = run.stderr.split('\n').filter((l) => l.startsWith('error: '));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      new RegExp(
        `^error: ${join(clip, 'onnx/vision_model.onnx')}: output "image_embeds" returned float32 \\[\\d+,1,32\\] for \\d+ inputs; expected float32 \\[\\d+,32\\]`,
      ),
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);
});
