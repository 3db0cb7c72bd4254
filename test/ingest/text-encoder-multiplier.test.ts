/**
 * The LoRA's text-encoder multiplier (A1111 `<lora:name:te:unet>`, ComfyUI strength_clip) changes the image as the
 * UNet one does: images that differ in it must not be pooled into one weight level.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadSweep } from '../../src/sweep/load.js';
import { runIngest } from './helpers/cli-program.js';
import { comfyGraph } from './helpers/comfy.js';
import { a1111Infotext, noisePng, pngWithText } from './helpers/images.js';

const root = mkdtempSync(join(tmpdir(), 'ingest-te-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const run = runIngest;

/** ingest of the ComfyUI images in `images`, the LoRA named on the command line, into dir/sweep.yaml. */
async function ingestComfy(dir: string, images: string) {
  return run([
    'ingest',
    images,
    '--out',
    join(dir, 'sweep.yaml'),
    '--lora',
    'anis_nai',
    '--base-of',
    'anis_nai=nai',
    '--references',
    await refs(join(dir, 'refs')),
  ]);
}

async function a1111(dir: string, name: string, prompt: string, seed: number, n: number): Promise<void> {
  const text = a1111Infotext({ prompt, negative: 'lowres', seed, model: 'anything-v4.5' });
  writeFileSync(join(dir, `${name}.png`), await pngWithText(16, 16, n, [{ keyword: 'parameters', text }]));
}

async function comfy(dir: string, name: string, model: number, clip: number, seed: string, n: number): Promise<void> {
  const graph = comfyGraph({ ckpt: 'anything-v4.5.safetensors', lora: ['loras/anis_nai.safetensors', model, clip], seed, text: 'anis, 1girl' });
  writeFileSync(join(dir, `${name}.png`), await pngWithText(16, 16, n, [{ keyword: 'prompt', text: graph }]));
}

/** The same graph with the studied LoRA in a LoraLoaderModelOnly node: the text encoder does not get it. */
async function comfyModelOnly(dir: string, name: string, model: number, seed: string, n: number): Promise<void> {
  const graph = JSON.parse(comfyGraph({ ckpt: 'anything-v4.5.safetensors', lora: ['loras/anis_nai.safetensors', model, model], seed, text: 'anis, 1girl' }));
  graph['11'] = { class_type: 'LoraLoaderModelOnly', inputs: { lora_name: 'loras/anis_nai.safetensors', strength_model: model, model: ['12', 0] } };
  graph['10'].inputs.clip = ['12', 1];
  writeFileSync(join(dir, `${name}.png`), await pngWithText(16, 16, n, [{ keyword: 'prompt', text: JSON.stringify(graph) }]));
}

async function refs(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'ref.png'), await noisePng(8, 8, 1));
  return dir;
}

describe('ingest: the text-encoder multiplier', () => {
  it('A1111: images of one UNet weight made with two text-encoder multipliers get a te_weight factor instead of one pooled level', async () => {
    const dir = join(root, 'a1111');
    const images = join(dir, 'images');
    mkdirSync(images, { recursive: true });
    let n = 0;
    // Seeds 1-2 with the LoRA on both parts, seeds 3-4 with the text encoder left out (<lora:name:te:unet>).
    for (const seed of [1, 2]) await a1111(images, `full-${seed}`, 'anis, 1girl, <lora:anis_nai:1>', seed, n++);
    for (const seed of [3, 4]) await a1111(images, `unet-only-${seed}`, 'anis, 1girl, <lora:anis_nai:0:1>', seed, n++);
    for (const seed of [1, 2, 3, 4]) await a1111(images, `native-${seed}`, 'anis, 1girl', seed, n++);
    const r = await run(['ingest', images, '--out', join(dir, 'sweep.yaml'), '--base-of', 'anis_nai=nai', '--references', await refs(join(dir, 'refs'))]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/images of weight 1 were made with text-encoder multipliers 0, 1: added as factor te_weight/);
    const sweep = parse(readFileSync(join(dir, 'sweep.yaml'), 'utf8'));
    expect(sweep.factors).toEqual({ base: ['nai'], target: ['anything-v4.5'], weight: [0, 1], te_weight: [0, 1] });
    expect(sweep.lora_factors).toEqual(['base', 'te_weight']);
    const levelOf = (file: string) => sweep.images.find((i: { path: string }) => i.path.endsWith(file));
    expect(levelOf('full-1.png').te_weight).toBe(1);
    expect(levelOf('unet-only-3.png').te_weight).toBe(0);
    expect(levelOf('native-3.png').te_weight).toBeUndefined();
    expect(loadSweep(join(dir, 'sweep.yaml')).images).toHaveLength(8);
  });

  it('ComfyUI: strength_clip that differs at one strength_model and seed makes a factor, not a duplicate cell', async () => {
    const dir = join(root, 'comfy');
    const images = join(dir, 'out');
    mkdirSync(images, { recursive: true });
    await comfy(images, 'a', 0.8, 0.8, '5', 1);
    await comfy(images, 'b', 0.8, 0.4, '5', 2);
    const r = await ingestComfy(dir, images);
    expect(r.stderr).not.toMatch(/same cell/);
    expect(r.code).toBe(0);
    const sweep = parse(readFileSync(join(dir, 'sweep.yaml'), 'utf8'));
    expect(sweep.factors.te_weight).toEqual([0.4, 0.8]);
    expect(sweep.images).toHaveLength(2);
  });

  it('ComfyUI: a LoraLoaderModelOnly image has text-encoder multiplier 0, apart from a LoraLoader image of the same strength', async () => {
    const dir = join(root, 'model-only');
    const images = join(dir, 'out');
    mkdirSync(images, { recursive: true });
    await comfy(images, 'both', 0.8, 0.8, '5', 1);
    await comfyModelOnly(images, 'model-only', 0.8, '6', 2);
    const r = await ingestComfy(dir, images);
    expect(r.code).toBe(0);
    const sweep = parse(readFileSync(join(dir, 'sweep.yaml'), 'utf8'));
    expect(sweep.factors.te_weight).toEqual([0, 0.8]);
    expect(sweep.images.find((i: { path: string }) => i.path.endsWith('model-only.png')).te_weight).toBe(0);
  });

  it('notes a text-encoder multiplier that is the same at every weight but not the weight, without adding a factor', async () => {
    const dir = join(root, 'constant');
    const images = join(dir, 'out');
    mkdirSync(images, { recursive: true });
    await comfy(images, 'a', 0.5, 1, '5', 1);
    await comfy(images, 'b', 1, 1, '5', 2);
    const r = await ingestComfy(dir, images);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/the text-encoder multiplier is not the weight \(the UNet multiplier\): weight 0\.5 with text encoder 1/);
    expect(parse(readFileSync(join(dir, 'sweep.yaml'), 'utf8')).factors.te_weight).toBeUndefined();
  });

  it('leaves out an image with UNet weight 0 whose text encoder still has the LoRA: it is not the native output', async () => {
    const dir = join(root, 'zero-unet');
    const images = join(dir, 'out');
    mkdirSync(images, { recursive: true });
    await comfy(images, 'native', 0, 0, '5', 1);
    await comfy(images, 'clip-only', 0, 1, '6', 2);
    await comfy(images, 'lora', 1, 1, '5', 3);
    const r = await ingestComfy(dir, images);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/clip-only\.png: LoRA .*anis_nai.* has UNet weight 0 but text-encoder multiplier 1: not the target's native output/);
    expect(parse(readFileSync(join(dir, 'sweep.yaml'), 'utf8')).images).toHaveLength(2);
  });
});
