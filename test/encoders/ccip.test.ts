import { cpSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataType, GraphBuilder } from '../../fixtures/lib/onnx-graph.js';
import { DEFAULT_CCIP_MODEL, loadCcip } from '../../src/encoders/ccip.js';
import { decodeImage } from '../../src/imaging/decode.js';
import { ModelLoadError } from '../../src/runtime/errors.js';
import { tempDir } from '../helpers/tmp.js';

const CCIP = 'fixtures/models/ccip';
const MODEL = join(CCIP, 'ccip-fixture');

function copyOfFixture(): string {
  const dir = join(tempDir(), 'ccip_onnx');
  cpSync(CCIP, dir, { recursive: true });
  return join(dir, 'ccip-fixture');
}

async function loadError(dir: string): Promise<string> {
  const e = await loadCcip(dir).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ModelLoadError);
  return (e as Error).message;
}

/** A metrics model taking `width`-wide features and returning `output` shaped as asked. */
function metricsModel(width: number, output: 'matrix' | 'vector'): Uint8Array {
  const g = new GraphBuilder('metrics');
  const x = g.input('input', DataType.FLOAT, ['n', width]);
  const gram = g.op('MatMul', [x, g.op('Transpose', [x], { perm: [1, 0] })]);
  if (output === 'matrix') g.op('Identity', [gram], {}, 'output');
  else g.op('ReduceMean', [gram], { axes: [1], keepdims: 0 }, 'output');
  g.output('output', DataType.FLOAT, output === 'matrix' ? ['n', 'n'] : ['n']);
  return g.toBytes();
}

describe('CCIP encoder', () => {
  const images = ['fixtures/demo/refs/ref-01.png', 'fixtures/demo/refs/ref-02.png', 'fixtures/demo/native/nai/cafe-1.png'];

  it('gives imgutils-style differences: 0 to itself, symmetric, same character below the threshold', async () => {
    const ccip = await loadCcip(CCIP);
    expect(ccip.id).toBe('ccip/ccip-fixture');
    expect(ccip.threshold).toBe(JSON.parse(readFileSync(join(MODEL, 'metrics.json'), 'utf8')).threshold);
    const features = await ccip.encode(await Promise.all(images.map(async (f) => ccip.preprocessor.preprocess(await decodeImage(f)))));
    const d = await ccip.differences(features, features);
    for (let i = 0; i < 3; i++) {
      expect(d[i][i]).toBeLessThan(1e-5);
      for (let j = 0; j < 3; j++) expect(d[i][j]).toBeCloseTo(d[j][i], 6);
    }
    // two training images of the character; a cafe without anyone
    expect(d[0][1]).toBeLessThanOrEqual(ccip.threshold);
    expect(d[0][2]).toBeGreaterThan(ccip.threshold);
    // compared in chunks, each image against all references: the same numbers as one comparison
    const one = await ccip.differences([features[2]], features.slice(0, 2));
    expect([...one[0]]).toEqual([d[2][0], d[2][1]].map((v) => Math.fround(v)));
    await ccip.release();
  });

  it('takes the model folder itself, or the one model of a repository folder', async () => {
    const dir = copyOfFixture();
    for (const folder of [dir, join(dir, '..')]) {
      const ccip = await loadCcip(folder);
      expect(ccip.featureFile).toBe(join(dir, 'model_feat.onnx'));
      expect(ccip.id).toBe('ccip_onnx/ccip-fixture');
      await ccip.release();
    }
  });

  it('picks imgutils’ default among several models and refuses to guess otherwise', async () => {
    const dir = copyOfFixture();
    const repo = join(dir, '..');
    cpSync(dir, join(repo, 'ccip-other'), { recursive: true });
    expect(await loadError(repo)).toMatch(/several CCIP models \(ccip-fixture, ccip-other\): pass the folder of the one to use/);
    renameSync(dir, join(repo, DEFAULT_CCIP_MODEL));
    const ccip = await loadCcip(repo);
    expect(ccip.dir).toBe(join(repo, DEFAULT_CCIP_MODEL));
    await ccip.release();
  });

  it('refuses a metrics.json without a usable threshold, naming the field', async () => {
    const dir = copyOfFixture();
    writeFileSync(join(dir, 'metrics.json'), JSON.stringify({ precision: 0.9 }));
    expect(await loadError(dir)).toMatch(/metrics\.json: field "threshold": expected a positive number .*found undefined/);
    writeFileSync(join(dir, 'metrics.json'), JSON.stringify({ threshold: '0.17' }));
    expect(await loadError(dir)).toMatch(/found "0\.17"/);
  });

  it('refuses a metrics model of another feature width than the feature model', async () => {
    const dir = copyOfFixture();
    writeFileSync(join(dir, 'model_metrics.onnx'), metricsModel(32, 'matrix'));
    expect(await loadError(dir)).toMatch(/model_metrics\.onnx: input "input" takes 32-wide features but model_feat\.onnx gives 64/);
  });

  it('refuses differences that are not one per pair', async () => {
    const dir = copyOfFixture();
    writeFileSync(join(dir, 'model_metrics.onnx'), metricsModel(64, 'vector'));
    const ccip = await loadCcip(dir);
    const features = await ccip.encode([await ccip.preprocessor.preprocess(await decodeImage(images[0]))]);
    await expect(ccip.differences(features, features)).rejects.toThrow(/returned float32 \[2\] for 2 features; expected float32 \[2,2\]/);
    await ccip.release();
  });
});
