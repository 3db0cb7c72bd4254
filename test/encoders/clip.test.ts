import { cpSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadClip } from '../../src/encoders/clip.js';
import { dot } from '../../src/encoders/vector.js';
import { decodeImage } from '../../src/imaging/decode.js';
import { decodeNpy } from '../../src/imaging/npy.js';
import { runCli } from '../helpers/cli.js';
import { CLIP_TOKENIZER_DIR, missingShared } from '../helpers/shared.js';
import { tempDir } from '../helpers/tmp.js';

const CLIP = resolve('fixtures/models/clip');
const IMAGES = ['fixtures/demo/refs/ref-01.png', 'fixtures/demo/native/anything/cafe-1.png', 'fixtures/demo/native/counterfeit/portrait-2.png'].map((p) =>
  resolve(p),
);

async function embedAll(dir: string, variant?: string) {
  const clip = await loadClip(dir, { variant });
  const pixels = await Promise.all(IMAGES.map(async (p) => clip.preprocessor.preprocess(await decodeImage(p))));
  const images = await clip.encodeImages(pixels);
  const texts = await clip.encodeTexts(['a girl with blonde hair and green eyes', 'a cafe interior, no humans']);
  await clip.release();
  return { clip, images, texts };
}

/** A folder with only some of the fixture CLIP's model files. */
function withOnly(files: string[]): string {
  const dir = join(tempDir(), 'clip');
  cpSync(CLIP, dir, { recursive: true });
  for (const f of ['model.onnx', 'vision_model.onnx', 'text_model.onnx', 'vision_model_quantized.onnx', 'text_model_quantized.onnx']) {
    if (!files.includes(f)) rmSync(join(dir, 'onnx', f), { force: true });
  }
  return dir;
}

describe('CLIP loading', () => {
  it('returns unit-norm embeddings from the split export, whose outputs are not normalized', async () => {
    const { clip, images, texts } = await embedAll(CLIP);
    expect(clip.layout).toBe('split');
    for (const e of [...images, ...texts]) expect(Math.sqrt(dot(e, e))).toBeCloseTo(1, 5);
    // the concept reference matches the description better than the cafe does
    expect(dot(images[0], texts[0])).toBeGreaterThan(dot(images[1], texts[0]));
  });

  it('reads the combined export (int32 ids, read from the session) and agrees with the split one', async () => {
    const split = await embedAll(CLIP);
    const combined = await embedAll(withOnly(['model.onnx']));
    expect(combined.clip.layout).toBe('combined');
    for (let i = 0; i < IMAGES.length; i++) expect(dot(split.images[i], combined.images[i])).toBeGreaterThan(0.9999);
    for (let i = 0; i < 2; i++) expect(dot(split.texts[i], combined.texts[i])).toBeGreaterThan(0.9999);
  });

  it('reads the quantized variant, whose embeddings stay close to fp32', async () => {
    const fp32 = await embedAll(CLIP);
    const q = await embedAll(CLIP, 'quantized');
    expect(q.clip.imageFile).toMatch(/vision_model_quantized\.onnx$/);
    for (let i = 0; i < IMAGES.length; i++) expect(dot(fp32.images[i], q.images[i])).toBeGreaterThan(0.95);
  });

  it('says which files it looked for when a folder has none', async () => {
    await expect(loadClip(withOnly([]))).rejects.toThrow(
      /no CLIP model files: expected onnx\/vision_model\.onnx with onnx\/text_model\.onnx, or onnx\/model\.onnx/,
    );
  });
});

describe('inspect commands', () => {
  it('writes the exact CLIP input tensor as a [1,3,224,224] .npy', async () => {
    const out = join(tempDir(), 'x.npy');
    const run = runCli(['inspect', 'preprocess', '--model', CLIP, IMAGES[0], '--out', out]);
    expect(run.code).toBe(0);
    const npy = decodeNpy(readFileSync(out));
    expect(npy.shape).toEqual([1, 3, 224, 224]);
    const clip = await loadClip(CLIP);
    const expected = await clip.preprocessor.preprocess(await decodeImage(IMAGES[0]));
    await clip.release();
    expect(Array.from(npy.data as Float32Array)).toEqual(Array.from(expected));
  });

  it('lists the model folder signature', () => {
    const run = runCli(['models', 'inspect', CLIP, '--json']);
    expect(run.code).toBe(0);
    const sigs = JSON.parse(run.stdout) as { file: string; inputs: { name: string; type: string; shape: (string | number)[] }[] }[];
    const vision = sigs.find((s) => s.file.endsWith('onnx/vision_model.onnx'))!;
    expect(vision.inputs).toEqual([{ name: 'pixel_values', type: 'float32', shape: ['batch_size', 3, 224, 224] }]);
    const combined = sigs.find((s) => s.file.endsWith('onnx/model.onnx'))!;
    expect(combined.inputs.find((i) => i.name === 'input_ids')!.type).toBe('int32');
  });

  it('lists the model cards', () => {
    const run = runCli(['models', 'list']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/clip-vit-base-patch32\s+clip\s+MIT\s+https:\/\/huggingface\.co\/Xenova\/clip-vit-base-patch32/);
    expect(run.stdout).toMatch(/wd-vit-tagger-v3\s+tagger/);
  });

  describe.skipIf(missingShared(CLIP_TOKENIZER_DIR))('with the real ViT-B/32 tokenizer', () => {
    it('prints the ids the text encoder receives, padded to 77', () => {
      const dir = join(tempDir(), 'clip');
      cpSync(CLIP, dir, { recursive: true });
      for (const f of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']) cpSync(join(CLIP_TOKENIZER_DIR, f), join(dir, f));
      const run = runCli(['inspect', 'tokens', '--model', dir, 'a photo of a cat']);
      expect(run.code).toBe(0);
      const ids = JSON.parse(run.stdout) as number[];
      expect(ids).toHaveLength(77);
      expect(ids.slice(0, 8)).toEqual([49406, 320, 1125, 539, 320, 2368, 49407, 49407]);
    });
  });
});
