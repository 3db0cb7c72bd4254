/** Images written by the generators themselves (../shared/data/real-metadata, from d3x-at/sd-parsers). */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ingestFolder } from '../../src/ingest/ingest-folder.js';
import { readImageMetadata } from '../../src/ingest/read-metadata.js';
import { parseYamlText } from '../../src/sweep/load.js';
import { SweepSchema } from '../../src/sweep/schema.js';

const DATA = resolve(__dirname, '../../../shared/data/real-metadata');
const present = existsSync(DATA);
if (!present) console.warn(`skipping real-metadata tests: ${DATA} is missing`);

const read = (file: string) => readImageMetadata(join(DATA, file));

describe.skipIf(!present)('real generation metadata', () => {
  const out = mkdtempSync(join(tmpdir(), 'ingest-real-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('A1111: PNG tEXt, JPEG UserComment (UNICODE, big-endian) and stealth alpha-channel text agree', async () => {
    const png = await read('AUTOMATIC1111/automatic1111_cropped.png');
    const jpg = await read('AUTOMATIC1111/automatic1111_cropped.jpg');
    for (const m of [png, jpg]) {
      expect(m.generation).toMatchObject({
        source: 'a1111',
        prompt: 'photo of a duck',
        negativePrompt: 'monochrome',
        seed: '235284042',
        steps: 15,
        sampler: 'UniPC',
        cfg: 5,
        width: 512,
        height: 400,
        checkpoint: 'realistic_realisticVisionV20_v20',
        checkpointHash: 'c0d1994c73',
      });
    }
    expect(png.carrier).toBe('PNG tEXt parameters');
    expect(jpg.carrier).toBe('EXIF UserComment (UNICODE-BE)');
    const stealth = await read('AUTOMATIC1111/automatic1111_stealth.png');
    expect(stealth.carrier).toBe('PNG alpha-channel stealth text');
    expect(stealth.generation).toMatchObject({
      prompt: 'a circle',
      negativePrompt: 'a square',
      seed: '2015833630',
      clipSkip: 2,
      checkpoint: 'realisticVisionV51_v51VAE',
    });
  });

  it('A1111 zTXt written after the image data', async () => {
    const m = await read('bad_images/text_after_idat.png');
    expect(m.carrier).toBe('PNG zTXt parameters (after the image data)');
    expect(m.generation.seed).toBe('235284042');
  });

  it('ComfyUI graphs: first-pass sampler, checkpoint, seeds above 2^48 exact', async () => {
    const expected: Record<string, object> = {
      'img2img_cropped.png': {
        seed: '280823642470253',
        steps: 20,
        cfg: 8,
        checkpoint: 'v1-5-pruned-emaonly.ckpt',
        prompt: 'photograph of victorian woman with wings, sky clouds, meadow grass\n',
        negativePrompt: 'watermark, text\n',
      },
      'night_evening_day_morning_cropped.png': {
        seed: '335608130539327',
        steps: 13,
        cfg: 8.5,
        checkpoint: 'Anything-V3.0.ckpt',
        clipSkip: 2,
        width: 704,
        height: 1280,
      },
      'noisy_latents_3_subjects_cropped.png': { seed: '890421140397575', checkpoint: 'Anything-V3.0.ckpt' },
      'unclip_2pass_cropped.png': {
        seed: '1106257833005336',
        steps: 26,
        checkpoint: 'wd-1-5-beta2-aesthetic-unclip-h-fp32.safetensors',
        width: 1280,
        height: 704,
      },
    };
    for (const [file, fields] of Object.entries(expected)) {
      const m = await read(`ComfyUI/${file}`);
      expect(m.generation, file).toMatchObject({ source: 'comfyui', ...fields });
    }
    expect((await read('ComfyUI/unclip_2pass_cropped.png')).warnings.join('\n')).toMatch(/2 checkpoints/);
  });

  it('Fooocus, InvokeAI and NovelAI', async () => {
    expect((await read('Fooocus/fooocus1_cropped.png')).generation).toMatchObject({
      source: 'fooocus',
      prompt: 'a smiling goldfish',
      seed: '6952411511246973023',
      steps: 30,
      checkpoint: 'juggernautXL_v8Rundiffusion',
      width: 768,
      height: 1280,
    });
    expect((await read('InvokeAI/invokeai_imeta1.png')).generation).toMatchObject({
      source: 'invokeai',
      seed: '3293022630',
      steps: 35,
      checkpoint: 'juggernautXL',
    });
    expect((await read('InvokeAI/invokeai_sdmeta1.png')).generation).toMatchObject({
      source: 'invokeai',
      seed: '2980747362',
      checkpoint: 'deliberateForInvoke_v08',
      width: 512,
      height: 768,
    });
    expect((await read('InvokeAI/invokeai_dream1.png')).generation).toMatchObject({
      source: 'invokeai',
      seed: '2980747362',
      steps: 50,
      cfg: 5,
      sampler: 'k_lms',
    });
    expect((await read('NovelAI/novelai1_cropped.png')).generation).toMatchObject({
      source: 'novelai',
      prompt: 'masterpiece, best quality,  cat, space, icon',
      seed: '2253955223',
      steps: 50,
      cfg: 10,
    });
  });

  it('ingests the whole folder and lists what it cannot use, with the reason', async () => {
    const result = await ingestFolder(DATA, { out: join(out, 'sweep.yaml'), write: false });
    const reasons = Object.fromEntries(result.problems.map((p) => [p.file.slice(DATA.length + 1), p.reason]));
    expect(reasons['bad_images/empty_file.png']).toBe('empty file (0 bytes)');
    expect(reasons['bad_images/empty_image.png']).toBe('no generation metadata (text chunks found: date:create, date:modify, date:timestamp)');
    expect(reasons['bad_images/empty_image.jpg']).toBe('no generation metadata (no EXIF block)');
    // Fooocus's 64-bit seed is kept exact, in the sweep and in the YAML written for it.
    expect(reasons['Fooocus/fooocus1_cropped.png']).toBeUndefined();
    const fooocus = result.sweep.images as { path: string; seed: string }[];
    expect(fooocus.find((i) => i.path.endsWith('Fooocus/fooocus1_cropped.png'))?.seed).toBe('6952411511246973023');
    expect(result.sweep.seeds).toContain('6952411511246973023');
    expect(result.yaml).toMatch(/fooocus1_cropped\.png, prompt: [^,]+, seed: "6952411511246973023", /);
    expect(parseYamlText(result.yaml, 'sweep.yaml', SweepSchema).seeds).toEqual(result.sweep.seeds);
    // The PNG, its JPEG copy and the zTXt copy are one generation: the first is kept.
    expect(reasons['AUTOMATIC1111/automatic1111_cropped.png']).toMatch(/same cell as .*automatic1111_cropped\.jpg/);
    expect(result.imageCount + result.problems.length).toBe(16);
    expect(reasons['InvokeAI/invokeai_dream1.png']).toMatch(/no checkpoint/);
    expect(result.sweep.factors.target).toEqual(
      expect.arrayContaining([
        'realistic_realisticVisionV20_v20',
        'Anything-V3.0',
        'v1-5-pruned-emaonly',
        'juggernautXL',
        'deliberateForInvoke_v08',
        'juggernautXL_v8Rundiffusion',
      ]),
    );
  });
});
