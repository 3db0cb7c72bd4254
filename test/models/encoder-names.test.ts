import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loaderFiles } from '../../src/models/model-name.js';
import { resolveModelOption } from '../../src/models/resolve-model.js';
import { scoreSweep } from '../../src/score/score-sweep.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { smallDemoSweep } from '../helpers/small-sweep.js';

const OFFLINE = { HF_HOME: '/nowhere' };

describe('DINOv2 and CCIP by name', () => {
  it('reads the files of a DINOv2 export and of a CCIP repository from a bare repository listing', () => {
    const dino = ['onnx/model.onnx', 'onnx/model_quantized.onnx', 'onnx/model_fp16.onnx', 'preprocessor_config.json', 'config.json', 'README.md'];
    expect(loaderFiles(dino)).toEqual({ kind: 'image-encoder', files: ['onnx/model.onnx', 'preprocessor_config.json', 'config.json'] });
    expect(loaderFiles(dino, 'quantized')?.files[0]).toBe('onnx/model_quantized.onnx');
    const ccip = (m: string) => [`${m}/model_feat.onnx`, `${m}/model_metrics.onnx`, `${m}/metrics.json`, `${m}/cluster.json`];
    expect(loaderFiles([...ccip('ccip-caformer-5_fp32'), 'README.md'])).toEqual({
      kind: 'ccip',
      files: ['ccip-caformer-5_fp32/model_feat.onnx', 'ccip-caformer-5_fp32/model_metrics.onnx', 'ccip-caformer-5_fp32/metrics.json'],
    });
    // several models: imgutils' default, as ccip_extract_feature picks it
    expect(loaderFiles([...ccip('ccip-caformer-5_fp32'), ...ccip('ccip-caformer-24-randaug-pruned')])?.files[0]).toBe(
      'ccip-caformer-24-randaug-pruned/model_feat.onnx',
    );
    expect(loaderFiles([...ccip('a'), ...ccip('b')])).toBeUndefined();
  });

  it('finds the fixture encoders by their card ids and refuses a card of the other kind', () => {
    expect(resolveModelOption('fixture-dinov2', '--encoder', undefined, OFFLINE)).toBe(resolve('fixtures/models/dinov2-small'));
    expect(resolveModelOption('fixture-ccip', '--ccip', undefined, OFFLINE)).toBe(resolve('fixtures/models/ccip'));
    expect(() => resolveModelOption('fixture-ccip', '--encoder', undefined, OFFLINE)).toThrow(
      '--encoder fixture-ccip: the card fixture-ccip is a ccip model, not a image-encoder model',
    );
    expect(() => resolveModelOption('dinov2-small', '--ccip', undefined, OFFLINE)).toThrow(/is a image-encoder model, not a ccip model/);
  });

  it('names the pull command when a card is not in the cache', () => {
    const env = { HF_HUB_CACHE: tempDir() };
    expect(() => resolveModelOption('dinov2-small', '--encoder', undefined, env)).toThrow(/download it with: lora-eval models pull dinov2-small$/);
    expect(() => resolveModelOption('ccip', '--ccip', undefined, env)).toThrow(/download it with: lora-eval models pull ccip$/);
  });

  it('scores with both fixture encoders named on the command line', () => {
    const sweep = smallDemoSweep();
    const out = join(sweep, 'out');
    const run = runCli([
      'score',
      join(sweep, 'sweep.yaml'),
      '--clip',
      'fixture-clip',
      '--encoder',
      'fixture-dinov2',
      '--ccip',
      'fixture-ccip',
      '--out',
      out,
      '--lock',
      join(out, 'lock.json'),
    ]);
    expect(run.stderr).toContain('models: clip (split), dinov2-small, ccip/ccip-fixture (threshold 0.15)');
    expect(run.code).toBe(0);
    const rows = readFileSync(join(out, 'scores.csv'), 'utf8').split('\n');
    const models = (metric: string) => new Set(rows.filter((r) => r.includes(`,${metric},`)).map((r) => r.split(',').at(-2)));
    expect(models('concept_similarity')).toEqual(new Set(['clip', 'dinov2-small']));
    expect(models('character_match')).toEqual(new Set(['ccip/ccip-fixture']));
  }, 240_000);

  it('pins metrics.json with the CCIP models: a changed threshold is refused, not silently used', async () => {
    const sweep = smallDemoSweep();
    const ccip = join(tempDir(), 'ccip');
    cpSync('fixtures/models/ccip', ccip, { recursive: true });
    const options = { sweep: join(sweep, 'sweep.yaml'), clip: 'fixtures/models/clip', ccip, out: join(sweep, 'out'), lock: join(sweep, 'lock.json') };
    const first = await scoreSweep(options);
    expect(first.exitCode).toBe(0);
    writeFileSync(join(ccip, 'ccip-fixture/metrics.json'), JSON.stringify({ threshold: 0.3 }));
    await expect(scoreSweep(options)).rejects.toThrow(/metrics\.json: sha256 .* differs from .* pinned in/);
  }, 120_000);

  it('refuses a CCIP card given as --encoder before any work, with exit code 2', () => {
    const run = runCli(['score', 'fixtures/demo/sweep.yaml', '--clip', 'fixture-clip', '--encoder', 'fixture-ccip']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--encoder fixture-ccip: the card fixture-ccip is a ccip model, not a image-encoder model');
  });
});
