import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IngestFileError } from '../../src/ingest/errors.js';
import { parseJsonExact } from '../../src/ingest/json-exact.js';
import { generationFromComfyPrompt } from '../../src/ingest/read-comfyui.js';
import { readImageMetadata } from '../../src/ingest/read-metadata.js';
import { networkMultipliers } from '../../src/ingest/read-sd-scripts.js';
import { comfyGraph } from './helpers/comfy.js';
import { a1111Infotext, pngWithText } from './helpers/images.js';

const dir = mkdtempSync(join(tmpdir(), 'ingest-meta-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ComfyUI prompt graph', () => {
  it('walks from the sampler that made the saved image to the checkpoint, LoRAs, texts, size and clip skip', () => {
    const g = generationFromComfyPrompt(
      comfyGraph({ ckpt: 'models/anything-v4.5.safetensors', lora: ['anis_nai.safetensors', 0.65, 1], seed: '18446744073709551615', text: 'anis, 1girl' }),
    );
    expect(g).toMatchObject({
      source: 'comfyui',
      prompt: 'anis, 1girl',
      negativePrompt: 'lowres, bad hands',
      seed: '18446744073709551615',
      steps: 10,
      cfg: 5,
      sampler: 'euler',
      scheduler: 'normal',
      width: 1024,
      height: 1536,
      checkpoint: 'models/anything-v4.5.safetensors',
      clipSkip: 2,
      loras: [
        { name: 'detail_tweaker.safetensors', weight: 0.3, via: 'loader-node' },
        { name: 'anis_nai.safetensors', weight: 0.65, clipWeight: 1, via: 'loader-node' },
      ],
    });
    expect(g.warnings.join('\n')).toMatch(/2 samplers \(nodes 3, 22\); .* come from node 22, the pass that made the saved image/);
  });

  it('takes seed, steps and checkpoint of a refiner pass from that pass, its LoRAs from the first, and lists both', () => {
    const g = generationFromComfyPrompt(
      comfyGraph({ ckpt: 'base.safetensors', lora: ['anis_nai.safetensors', 0.8, 0.8], seed: '123456789012345', text: 'anis', secondPass: 'refiner' }),
    );
    expect(g).toMatchObject({ seed: '1', steps: 10, cfg: 5, checkpoint: 'refiner.safetensors', width: 1024, height: 1536 });
    expect(g.loras.map((l) => [l.name, l.weight])).toEqual([
      ['detail_tweaker.safetensors', 0.3],
      ['anis_nai.safetensors', 0.8],
    ]);
    expect(g.passes).toEqual([
      {
        node: '3',
        type: 'KSampler',
        seed: '123456789012345',
        steps: 28,
        cfg: 7.5,
        sampler: 'dpmpp_2m',
        denoise: 1,
        checkpoint: 'base.safetensors',
        width: 512,
        height: 768,
      },
      {
        node: '22',
        type: 'KSampler',
        seed: '1',
        steps: 10,
        cfg: 5,
        sampler: 'euler',
        denoise: 0.5,
        checkpoint: 'refiner.safetensors',
        width: 1024,
        height: 1536,
      },
    ]);
    expect(g.warnings.join('\n')).toMatch(/2 checkpoints \(base\.safetensors, refiner\.safetensors\); the target is refiner\.safetensors/);
  });

  it('finds the saved pass whatever the node ids, through image upscalers, and ignores preview-only passes', () => {
    // Ids reversed: the hires pass has the lower id, so id order alone would pick it wrongly or rightly by chance.
    for (const [first, second] of [
      ['3', '22'],
      ['40', '7'],
    ]) {
      const graph = JSON.parse(comfyGraph({ ckpt: 'a.safetensors', seed: '5', text: 't', secondPass: 'refiner' }));
      const renamed = JSON.parse(JSON.stringify(graph).replaceAll('"3"', `"${first}"`).replaceAll('"22"', `"${second}"`));
      renamed['8'].inputs.samples = [second, 0];
      renamed['9'] = { class_type: 'ImageScaleBy', inputs: { image: ['8', 0], scale_by: 1.5 } };
      renamed['90'] = { class_type: 'SaveImage', inputs: { images: ['9', 0] } };
      renamed['91'] = { class_type: 'VAEDecode', inputs: { samples: [first, 0] } };
      renamed['92'] = { class_type: 'PreviewImage', inputs: { images: ['91', 0] } };
      const g = generationFromComfyPrompt(JSON.stringify(renamed));
      expect(g, `${first}/${second}`).toMatchObject({ seed: '1', checkpoint: 'refiner.safetensors' });
      expect(g.warnings.join('\n')).not.toMatch(/does not record/);
    }
  });

  it('tells two saved passes apart by the size of the file, and says so when it cannot', async () => {
    const graph = JSON.parse(comfyGraph({ ckpt: 'a.safetensors', seed: '5', text: 't', secondPass: 'refiner' }));
    graph['5'].inputs = { width: 16, height: 24, batch_size: 1 };
    graph['20'].inputs = { ...graph['20'].inputs, width: 32, height: 48 };
    graph['30'] = { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } };
    graph['31'] = { class_type: 'SaveImage', inputs: { images: ['30', 0] } };
    const text = JSON.stringify(graph);
    const read = async (w: number, h: number) => {
      const file = join(dir, `two-saves-${w}x${h}.png`);
      writeFileSync(file, await pngWithText(w, h, 1, [{ keyword: 'prompt', text }]));
      return readImageMetadata(file);
    };
    expect((await read(16, 24)).generation).toMatchObject({ seed: '5', checkpoint: 'a.safetensors', width: 16, height: 24 });
    expect((await read(32, 48)).generation).toMatchObject({ seed: '1', checkpoint: 'refiner.safetensors', width: 32, height: 48 });
    const cropped = await read(8, 8);
    expect(cropped.generation).toMatchObject({ seed: '1', checkpoint: 'refiner.safetensors' }); // SaveImage 9 comes first
    expect(cropped.warnings.join('\n')).toMatch(/saves images from 2 samplers \(nodes 22, 3\) and does not record which one this file is; node 22/);
  });

  it('takes the seed of a split-step sampling from the stage that adds the noise', () => {
    const graph = JSON.parse(comfyGraph({ ckpt: 'a.safetensors', seed: '5', text: 't' }));
    graph['22'].class_type = 'KSamplerAdvanced';
    graph['22'].inputs = { ...graph['22'].inputs, add_noise: 'disable', noise_seed: 0, start_at_step: 20, latent_image: ['3', 0] };
    delete graph['22'].inputs.seed;
    const g = generationFromComfyPrompt(JSON.stringify(graph));
    expect(g.seed).toBe('5');
    expect(g.warnings.join('\n')).toMatch(/node 22 adds no noise; the seed is that of node 3/);
  });

  it('follows a seed given by a linked primitive node', () => {
    const graph = JSON.parse(comfyGraph({ ckpt: 'a.ckpt', seed: '1', text: 't' }));
    graph['22'].inputs.seed = ['30', 0];
    graph['30'] = { class_type: 'Seed (rgthree)', inputs: { seed: 987654321 } };
    expect(generationFromComfyPrompt(JSON.stringify(graph)).seed).toBe('987654321');
  });

  it('refuses graphs without a sampler or that are not objects', () => {
    expect(() => generationFromComfyPrompt('{"1": {"class_type": "SaveImage", "inputs": {}}}')).toThrow(/no sampler/);
    expect(() => generationFromComfyPrompt('[1, 2]')).toThrow(/not a JSON object/);
  });

  it('keeps integers beyond 2^53 exact', () => {
    expect(parseJsonExact('{"a": 9007199254740993, "b": 1.5, "c": "9007199254740993"}')).toEqual({ a: 9007199254740993n, b: 1.5, c: '9007199254740993' });
  });
});

describe('readImageMetadata', () => {
  const write = async (name: string, chunks: Parameters<typeof pngWithText>[3]) => {
    const file = join(dir, name);
    writeFileSync(file, await pngWithText(16, 16, name.length, chunks));
    return file;
  };

  it('reads an A1111 PNG', async () => {
    const meta = await readImageMetadata(await write('a1111.png', [{ keyword: 'parameters', text: a1111Infotext({ prompt: 'p', seed: 5, model: 'm' }) }]));
    expect(meta).toMatchObject({
      format: 'png',
      width: 16,
      height: 16,
      carrier: 'PNG tEXt parameters',
      isGrid: false,
      generation: { source: 'a1111', seed: '5', checkpoint: 'm' },
    });
  });

  it('reads an A1111 PNG whose infotext is not Latin-1 (iTXt)', async () => {
    const meta = await readImageMetadata(
      await write('a1111-itxt.png', [{ keyword: 'parameters', type: 'iTXt', text: a1111Infotext({ prompt: '猫耳の少女', seed: 6, model: 'm' }) }]),
    );
    expect(meta.generation.prompt).toBe('猫耳の少女');
  });

  it('recognises an X/Y/Z grid', async () => {
    const meta = await readImageMetadata(
      await write('grid.png', [
        { keyword: 'parameters', text: a1111Infotext({ prompt: 'p', seed: 5, model: 'm', extra: 'Script: X/Y/Z plot, X Type: Seed, X Values: "1, 2"' }) },
      ]),
    );
    expect(meta.isGrid).toBe(true);
  });

  it('reads a ComfyUI PNG', async () => {
    const meta = await readImageMetadata(
      await write('comfy.png', [
        { keyword: 'prompt', text: comfyGraph({ ckpt: 'x.safetensors', seed: '281474976710657', text: 't' }) },
        { keyword: 'workflow', text: '{"nodes": []}' },
      ]),
    );
    expect(meta.generation).toMatchObject({ source: 'comfyui', seed: '281474976710657', checkpoint: 'x.safetensors' });
  });

  it('reads sd-scripts keys, with network multipliers from raw-prompt', async () => {
    const meta = await readImageMetadata(
      await write('sdscripts.png', [
        { keyword: 'prompt', text: 'anis, 1girl' },
        { keyword: 'seed', text: '77' },
        { keyword: 'sampler', text: 'k_euler_a' },
        { keyword: 'steps', text: '30' },
        { keyword: 'scale', text: '7.5' },
        { keyword: 'negative-prompt', text: 'bad' },
        { keyword: 'raw-prompt', text: 'anis, 1girl --n bad --am 0.65 --d 77' },
      ]),
    );
    expect(meta.generation).toMatchObject({
      source: 'sd-scripts',
      prompt: 'anis, 1girl',
      negativePrompt: 'bad',
      seed: '77',
      steps: 30,
      cfg: 7.5,
      loras: [{ name: 'network1', weight: 0.65 }],
    });
    expect(meta.generation.checkpoint).toBeUndefined();
    expect(networkMultipliers('x --am 0.5,1 --d 3')).toEqual([0.5, 1]);
  });

  it('names the reason when there is nothing to read', async () => {
    const cases: [string, Buffer | string, RegExp][] = [
      ['empty.png', Buffer.alloc(0), /empty file/],
      ['text.png', 'hello', /not a PNG, JPEG or WebP/],
      ['nometa.png', await pngWithText(4, 4, 1, [{ keyword: 'Software', text: 'paint' }]), /no generation metadata \(text chunks found: Software\)/],
      ['workflow.png', await pngWithText(4, 4, 1, [{ keyword: 'workflow', text: '{}' }]), /workflow .* without the "prompt" API graph/],
      ['badcomfy.png', await pngWithText(4, 4, 1, [{ keyword: 'prompt', text: '{"1": ' }]), /unreadable PNG/],
    ];
    for (const [name, data, reason] of cases) {
      const file = join(dir, name);
      writeFileSync(file, data);
      const error = await readImageMetadata(file).catch((e) => e);
      expect(error, name).toBeInstanceOf(IngestFileError);
      expect(error.file).toBe(file);
      expect(error.reason, name).toMatch(reason);
    }
  });
});
