/** The benchmark's random-weight CLIP: the shapes and parameter count of the architecture it claims, and a sweep score accepts. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { onnx as OnnxNamespace } from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { architectureFromConfig, textParameterCount, visionParameterCount, type ClipArchitecture } from '../../bench/model/clip-architecture.js';
import { AUXILIARY_PREFIX, buildTextModel, buildVisionModel } from '../../bench/model/clip-onnx.js';
import { ensureImages, IMAGES_PER_SEED, REFERENCE_COUNT, writeSweepFile } from '../../bench/sweep/synthetic-sweep.js';
import { loadSweep } from '../../src/sweep/load.js';
import { CLIP_TOKENIZER_DIR, missingShared } from '../helpers/shared.js';
import { tempDir } from '../helpers/tmp.js';

const { onnx } = createRequire(import.meta.url)('onnx-proto') as { onnx: typeof OnnxNamespace };

/** Every dimension different, so that a swapped width or depth changes the count or a shape. */
const TINY: ClipArchitecture = {
  vision: { imageSize: 64, patchSize: 16, hiddenSize: 24, layers: 3, heads: 4, intermediateSize: 40, layerNormEps: 1e-5 },
  text: { vocabSize: 300, contextLength: 77, hiddenSize: 20, layers: 2, heads: 5, intermediateSize: 36, layerNormEps: 1e-5 },
  projectionDim: 12,
};

function parametersIn(bytes: Uint8Array): { count: number; ops: string[] } {
  const model = onnx.ModelProto.decode(bytes);
  const count = model
    .graph!.initializer!.filter((t) => !t.name!.startsWith(AUXILIARY_PREFIX))
    .reduce((sum, t) => sum + t.dims!.reduce((a: number, d) => a * Number(d), 1), 0);
  return { count, ops: model.graph!.node!.map((n) => n.opType!) };
}

const countOf = (ops: string[], op: string) => ops.filter((o) => o === op).length;

describe('random-weight CLIP generator', () => {
  it('builds a vision tower with the parameters, operators and shapes of its architecture', async () => {
    const bytes = buildVisionModel(TINY);
    const { count, ops } = parametersIn(bytes);
    expect(count).toBe(visionParameterCount(TINY));
    expect(countOf(ops, 'LayerNormalization')).toBe(2 * TINY.vision.layers + 2);
    expect(countOf(ops, 'Softmax')).toBe(TINY.vision.layers);
    expect(countOf(ops, 'Sigmoid')).toBe(TINY.vision.layers); // quick_gelu
    expect(countOf(ops, 'Conv')).toBe(1);

    const session = await ort.InferenceSession.create(bytes);
    const pixels = new Float32Array(3 * 3 * 64 * 64).map((_, i) => Math.sin(i));
    const out = await session.run({ pixel_values: new ort.Tensor('float32', pixels, [3, 3, 64, 64]) });
    expect(out.image_embeds.dims).toEqual([3, TINY.projectionDim]);
    expect(out.last_hidden_state.dims).toEqual([3, (64 / 16) ** 2 + 1, TINY.vision.hiddenSize]);
    const embeds = out.image_embeds.data as Float32Array;
    expect(embeds.every(Number.isFinite)).toBe(true);
    // different pictures, different embeddings
    expect(Array.from(embeds.subarray(0, 12))).not.toEqual(Array.from(embeds.subarray(12, 24)));
  });

  it('builds a causal text tower pooled at the end token', async () => {
    const bytes = buildTextModel(TINY);
    const { count, ops } = parametersIn(bytes);
    expect(count).toBe(textParameterCount(TINY));
    expect(countOf(ops, 'LayerNormalization')).toBe(2 * TINY.text.layers + 1);
    expect(countOf(ops, 'Softmax')).toBe(TINY.text.layers);

    const session = await ort.InferenceSession.create(bytes);
    const run = async (rows: number[][]) => {
      const ids = BigInt64Array.from(rows.flat(), (v) => BigInt(v));
      const out = await session.run({ input_ids: new ort.Tensor('int64', ids, [rows.length, 77]) });
      expect(out.text_embeds.dims).toEqual([rows.length, TINY.projectionDim]);
      return Array.from(out.text_embeds.data as Float32Array);
    };
    const end = TINY.text.vocabSize - 1;
    const padded = (tokens: number[], pad: number) => [...tokens, ...Array(77 - tokens.length).fill(pad)];
    const a = await run([padded([1, 7, 9, end], end)]);
    // tokens after the end token do not change the embedding (causal mask, pooled at the end token) ...
    const b = await run([padded([1, 7, 9, end], 0)]);
    a.forEach((v, i) => expect(b[i]).toBeCloseTo(v, 5));
    // ... but the tokens before it do
    const c = await run([padded([1, 8, 9, end], end)]);
    expect(c).not.toEqual(a);
  });

  describe.skipIf(missingShared(CLIP_TOKENIZER_DIR))('from the real ViT-B/32 config.json', () => {
    it('has the published parameter count of openai/clip-vit-base-patch32', () => {
      const arch = architectureFromConfig(JSON.parse(readFileSync(join(CLIP_TOKENIZER_DIR, 'config.json'), 'utf8')));
      expect(arch.vision).toMatchObject({ imageSize: 224, patchSize: 32, hiddenSize: 768, layers: 12, heads: 12, intermediateSize: 3072 });
      expect(arch.text).toMatchObject({ vocabSize: 49408, contextLength: 77, hiddenSize: 512, layers: 12, heads: 8, intermediateSize: 2048 });
      // CLIPModel's 151,277,313 parameters are both towers with their projections and the logit scale
      expect(visionParameterCount(arch) + textParameterCount(arch) + 1).toBe(151_277_313);
    });
  });

  it('refuses a config whose activation it does not build', () => {
    const config = JSON.parse(readFileSync('fixtures/models/clip/config.json', 'utf8'));
    expect(() => architectureFromConfig({ ...config, vision_config: { ...config.vision_config, hidden_act: 'gelu' } }, 'c.json')).toThrow(
      /c\.json: vision_config\.hidden_act is "gelu"; only quick_gelu is built/,
    );
  });
});

describe('synthetic benchmark sweep', () => {
  it('is a sweep that loads with every image and reference present, small sweeps a prefix of larger ones', async () => {
    const folder = tempDir('lora-eval-bench-sweep-');
    await ensureImages({ folder, largeSeeds: 1, seeds: 2, size: 48, smallSize: 16 });
    const one = writeSweepFile(folder, 'one', 1);
    const two = writeSweepFile(folder, 'two', IMAGES_PER_SEED + 1);
    const loaded = loadSweep(two.file);
    expect(loaded.missing).toEqual([]);
    expect(loaded.images.map((i) => i.path).sort()).toEqual([...two.images].sort());
    expect(two.images).toHaveLength(2 * IMAGES_PER_SEED);
    expect(loaded.references).toHaveLength(REFERENCE_COUNT);
    expect(one.images.every((p) => two.images.includes(p))).toBe(true);
    expect(loadSweep(one.file).images).toHaveLength(IMAGES_PER_SEED);
  });
});
