import { copyFileSync, cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildClipVisionModel } from '../../fixtures/lib/clip-vision.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { smallDemoSweep } from '../helpers/small-sweep.js';

const DEMO = resolve('fixtures/demo');
const CLIP = resolve('fixtures/models/clip');

describe('bad input on the command line', () => {
  it('names each bad image in one line, scores the rest and exits non-zero', () => {
    const dir = smallDemoSweep();
    rmSync(join(dir, 'anylora/anything/w1/portrait-2.png'));
    const png = readFileSync(join(dir, 'anylora/anything/w1/outdoors-1.png'));
    writeFileSync(join(dir, 'anylora/anything/w1/outdoors-1.png'), png.subarray(0, Math.floor(png.length / 2)));
    writeFileSync(join(dir, 'anylora/anything/w1/outdoors-2.png'), 'this is a text file, not a picture\n');
    const out = join(dir, 'out');
    const run = runCli(['score', join(dir, 'sweep.yaml'), '--clip', CLIP, '--out', out, '--lock', join(dir, 'lock.json')]);
    expect(run.code).toBe(1);
    const failed = run.stderr.split('\n').filter((l) => l.startsWith('failed: '));
    expect(failed).toHaveLength(3);
    expect(failed[0]).toBe(
      `failed: ${join(dir, 'anylora/anything/w1/portrait-2.png')}: missing image for base=anylora target=anything weight=1 prompt=portrait seed=2`,
    );
    expect(failed.find((l) => l.includes('outdoors-1.png'))).toMatch(/outdoors-1\.png: .*(truncated|corrupt)/i);
    expect(failed.find((l) => l.includes('outdoors-2.png'))).toMatch(/outdoors-2\.png: .*not an image/i);
    // The rest of the sweep is scored: four weight-0 images and portrait-1 at weight 1.
    expect(run.stderr).toContain('scored 5 of 8 image(s)');
    const scores = readFileSync(join(out, 'scores.csv'), 'utf8');
    expect(scores).toContain('anylora/anything/w1/portrait-1.png');
    const runJson = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(runJson.failures).toHaveLength(3);
  }, 120_000);

  it('names the model file, what it expected and what it found when a model does not match', () => {
    const dir = tempDir();
    cpSync(CLIP, join(dir, 'clip'), { recursive: true });
    writeFileSync(join(dir, 'clip/onnx/vision_model.onnx'), buildClipVisionModel({ imageSize: 336 }));
    const sweep = smallDemoSweep();
    const run = runCli(['score', join(sweep, 'sweep.yaml'), '--clip', join(dir, 'clip'), '--out', join(sweep, 'out'), '--lock', join(dir, 'lock.json')]);
    expect(run.code).toBe(2);
    const errors = run.stderr.split('\n').filter((l) => l.startsWith('error: '));
    expect(errors).toEqual([
      `error: ${join(dir, 'clip/onnx/vision_model.onnx')}: input "pixel_values" expects float32 [batch_size,3,336,336] but preprocessor_config.json gives images of 3×224×224: expected float32 [batch,3,224,224]`,
    ]);
  }, 120_000);

  it('names a model whose input is called something else', () => {
    const dir = tempDir();
    cpSync(CLIP, join(dir, 'clip'), { recursive: true });
    writeFileSync(join(dir, 'clip/onnx/vision_model.onnx'), buildClipVisionModel({ inputName: 'images' }));
    const run = runCli(['inspect', 'preprocess', '--model', join(dir, 'clip'), join(DEMO, 'refs', 'ref-01.png'), '--out', join(dir, 'x.npy')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /vision_model\.onnx: expected an input "pixel_values" \(float32 images\); the model has images float32 \[batch_size,3,224,224\]/,
    );
  }, 120_000);

  it('refuses a model file whose sha256 changed since it was pinned', () => {
    const dir = tempDir();
    cpSync(CLIP, join(dir, 'clip'), { recursive: true });
    const sweep = smallDemoSweep();
    const args = ['score', join(sweep, 'sweep.yaml'), '--clip', join(dir, 'clip'), '--out', join(sweep, 'out'), '--lock', join(dir, 'lock.json')];
    expect(runCli(args).code).toBe(0);
    copyFileSync(join(dir, 'clip/onnx/vision_model_quantized.onnx'), join(dir, 'clip/onnx/vision_model.onnx'));
    const run = runCli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/vision_model\.onnx: sha256 [0-9a-f]{12}… differs from [0-9a-f]{12}… pinned in .*lock\.json/);
    expect(runCli([...args, '--relock']).code).toBe(0);
  }, 180_000);
});
