import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCcip } from '../../src/encoders/ccip.js';
import { loadDinov2 } from '../../src/encoders/dinov2.js';
import { decodeImage } from '../../src/imaging/decode.js';
import { decodeNpy } from '../../src/imaging/npy.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DINO = resolve(ROOT, 'fixtures/models/dinov2-small');
const CCIP = resolve(ROOT, 'fixtures/models/ccip');
const CLIP = resolve(ROOT, 'fixtures/models/clip');
const TAGGER = resolve(ROOT, 'fixtures/models/tagger-v3');

function cli(args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', resolve(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
    timeout: 120_000,
  });
  return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}

let dir: string;
let image: string;

beforeAll(async () => {
  dir = tempDir('lora-eval-inspect-');
  image = join(dir, 'noise.png');
  // Larger than every model input, so that each resize is a downscale, where the fast and exact resamplers differ.
  const width = 500;
  const height = 420;
  const pixels = Buffer.alloc(width * height * 3);
  let state = 12345;
  for (let i = 0; i < pixels.length; i++) pixels[i] = (state = (state * 1103515245 + 12345) >>> 0) >>> 24;
  await sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toFile(image);
});

function tensor(out: string) {
  const npy = decodeNpy(readFileSync(out));
  return { shape: npy.shape, data: Array.from(npy.data as Float32Array) };
}

describe('inspect preprocess with the DINOv2 and CCIP encoders score takes', () => {
  it('writes the tensor the DINOv2 encoder receives, with either resampler', async () => {
    for (const resampler of ['fast', 'exact'] as const) {
      const out = join(dir, `dino-${resampler}.npy`);
      const run = cli(['inspect', 'preprocess', '--encoder', DINO, image, '--out', out, ...(resampler === 'exact' ? ['--exact-resize'] : [])]);
      expect(run.code, run.stderr).toBe(0);
      const model = await loadDinov2(DINO, { resampler });
      const expected = await model.preprocessor.preprocess(await decodeImage(image));
      await model.release();
      expect(tensor(out)).toEqual({ shape: [1, 3, 224, 224], data: Array.from(expected) });
    }
    expect(tensor(join(dir, 'dino-fast.npy')).data).not.toEqual(tensor(join(dir, 'dino-exact.npy')).data);
  });

  it('writes the tensor the CCIP model receives', async () => {
    const out = join(dir, 'ccip.npy');
    const run = cli(['inspect', 'preprocess', '--ccip', CCIP, image, '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    const model = await loadCcip(CCIP);
    const expected = await model.preprocessor.preprocess(await decodeImage(image));
    await model.release();
    expect(tensor(out)).toEqual({ shape: [1, 3, ...model.preprocessor.inputShape.slice(1)], data: Array.from(expected) });
  });

  it('resolves names as score does: a card of another kind and a model not pulled are refused with exit 2', () => {
    const wrongKind = cli(['inspect', 'preprocess', '--encoder', 'clip-vit-base-patch32', image, '--out', join(dir, 'x.npy')]);
    expect(wrongKind.code).toBe(2);
    expect(wrongKind.stderr).toContain('--encoder clip-vit-base-patch32: the card clip-vit-base-patch32 is a clip model');
    const notPulled = cli(['inspect', 'preprocess', '--ccip', 'ccip', image, '--out', join(dir, 'x.npy')], { HF_HOME: dir, HF_HUB_CACHE: '' });
    expect(notPulled.code).toBe(2);
    expect(notPulled.stderr).toContain('--ccip ccip: deepghs/ccip_onnx@main is not in the Hugging Face cache');
    expect(notPulled.stderr).toContain('download it with: lora-eval models pull ccip');
  });

  it('takes exactly one model, and sends DINOv2 and CCIP folders given to --model to their own options', () => {
    const out = join(dir, 'x.npy');
    const none = cli(['inspect', 'preprocess', image, '--out', out]);
    expect([none.code, none.stderr.trim()]).toEqual([2, 'error: inspect preprocess: name the model with one of --model, --clip, --tagger, --encoder, --ccip']);
    const two = cli(['inspect', 'preprocess', '--clip', CLIP, '--encoder', DINO, image, '--out', out]);
    expect([two.code, two.stderr.trim()]).toEqual([2, 'error: inspect preprocess: give one model, not --clip and --encoder']);
    const dino = cli(['inspect', 'preprocess', '--model', DINO, image, '--out', out]);
    expect(dino.code).toBe(2);
    expect(dino.stderr).toContain('pass this folder with --encoder (a DINOv2 model)');
    const ccip = cli(['inspect', 'preprocess', '--model', CCIP, image, '--out', out]);
    expect(ccip.code).toBe(2);
    expect(ccip.stderr).toContain('pass this folder with --ccip (a CCIP model)');
  });

  it('applies --max-pixels as score does, naming the option', () => {
    const limit = cli(['inspect', 'preprocess', '--ccip', CCIP, image, '--out', join(dir, 'x.npy'), '--max-pixels', '200000']);
    expect(limit.code).toBe(2);
    expect(limit.stderr).toContain('500×420 = 210,000 pixels exceeds the limit of 200,000; raise the limit with --max-pixels');
    const tags = cli(['inspect', 'tags', '--tagger', TAGGER, image, '--max-pixels', '200000']);
    expect(tags.code).toBe(2);
    expect(tags.stderr).toContain('raise the limit with --max-pixels');
    expect(cli(['inspect', 'tags', '--tagger', TAGGER, image, '--max-pixels', '210000', '--json']).code).toBe(0);
    const bad = cli(['inspect', 'preprocess', '--encoder', DINO, image, '--out', join(dir, 'x.npy'), '--max-pixels', '0']);
    expect([bad.code, bad.stderr.trim()]).toEqual([2, 'error: --max-pixels must be a positive integer, got "0"']);
  });

  it('describes each model option with the same words as score', () => {
    const help = (cmd: string[]) => cli([...cmd, '--help']).stdout.replace(/\s+/g, ' ');
    const score = help(['score']);
    const inspect = help(['inspect', 'preprocess']);
    for (const option of ['--clip <model>', '--tagger <model>', '--encoder <model>', '--ccip <model>', '--max-pixels <n>', '--exact-resize']) {
      const text = (h: string) =>
        h
          .split(option)[1]
          ?.split(/ --?[a-z]/)[0]
          .trim();
      expect(text(inspect), option).toBe(text(score));
      expect(text(inspect)?.length, option).toBeGreaterThan(20);
    }
  });
});
