import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { DataType, GraphBuilder, type Dim } from '../../fixtures/lib/onnx-graph.js';
import { loadDinov2 } from '../../src/encoders/dinov2.js';
import { l2normalize } from '../../src/encoders/vector.js';
import { decodeImage } from '../../src/imaging/decode.js';
import { ModelLoadError } from '../../src/runtime/errors.js';
import { clsOfOutput } from '../../src/runtime/output-shape.js';
import { tempDir } from '../helpers/tmp.js';

const DINO = 'fixtures/models/dinov2-small';
const IMAGE = 'fixtures/demo/refs/ref-01.png';

function copyOfFixture(): string {
  const dir = join(tempDir(), 'dinov2');
  cpSync(DINO, dir, { recursive: true });
  return dir;
}

/** A model mapping the channel means of the image to `width` values, returned in `returned` layout, declared as `declared`. */
function tokenModel(opts: { width: number; returned: 'tokens' | 'rows'; declared: Dim[]; size?: number }): Uint8Array {
  const g = new GraphBuilder('tokens');
  const size = opts.size ?? 224;
  const x = g.input('pixel_values', DataType.FLOAT, ['batch', 3, size, size]);
  const means = g.op('ReduceMean', [x], { axes: [2, 3], keepdims: 0 });
  const rows = g.op('MatMul', [
    means,
    g.floats(
      'w',
      [3, opts.width],
      Array.from({ length: 3 * opts.width }, (_, i) => Math.sin(i + 1)),
    ),
  ]);
  if (opts.returned === 'rows') g.op('Identity', [rows], {}, 'last_hidden_state');
  else {
    const cls = g.op('Unsqueeze', [rows, g.ints64('axis', [1])]);
    g.op('Concat', [cls, g.op('Neg', [cls])], { axis: 1 }, 'last_hidden_state');
  }
  g.output('last_hidden_state', DataType.FLOAT, opts.declared);
  return g.toBytes();
}

function editJson(file: string, edit: (c: Record<string, unknown>) => void): void {
  const c = JSON.parse(readFileSync(file, 'utf8'));
  edit(c);
  writeFileSync(file, JSON.stringify(c));
}

async function loadError(dir: string): Promise<string> {
  const e = await loadDinov2(dir).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ModelLoadError);
  return (e as Error).message;
}

describe('DINOv2 encoder', () => {
  it('embeds an image by its CLS token, last_hidden_state[:, 0, :], not the pooled or mean token', async () => {
    const dino = await loadDinov2(DINO);
    const pixels = await dino.preprocessor.preprocess(await decodeImage(IMAGE));
    const [ours] = await dino.encode([pixels]);
    const session = await ort.InferenceSession.create(join(DINO, 'onnx/model.onnx'));
    const out = await session.run({ pixel_values: new ort.Tensor('float32', pixels, [1, 3, 224, 224]) });
    const hidden = out.last_hidden_state;
    const [, tokens, width] = hidden.dims as number[];
    const data = hidden.data as Float32Array;
    expect(tokens).toBeGreaterThan(1);
    expect([...ours]).toEqual([...l2normalize(data.slice(0, width))]);
    const meanToken = new Float32Array(width).map((_, d) => Array.from({ length: tokens }, (_, t) => data[t * width + d]).reduce((a, b) => a + b) / tokens);
    expect(Math.abs(ours.reduce((s, v, i) => s + v * l2normalize(meanToken)[i], 0))).toBeLessThan(0.99);
    await session.release();
    await dino.release();
  });

  it('refuses a preprocessor_config.json without the mean, std or sizes, which CLIP defaults would silently replace', async () => {
    const dir = copyOfFixture();
    editJson(join(dir, 'preprocessor_config.json'), (c) => delete c.image_mean);
    expect(await loadError(dir)).toMatch(/preprocessor_config\.json.*missing image_mean/);
  });

  it('refuses a last_hidden_state declared as rows instead of tokens', async () => {
    const dir = copyOfFixture();
    writeFileSync(join(dir, 'onnx/model.onnx'), tokenModel({ width: 48, returned: 'rows', declared: ['batch', 48] }));
    expect(await loadError(dir)).toMatch(/output "last_hidden_state" is declared float32 \[batch,48\]; expected float32 \[batch,tokens,48\]/);
  });

  it('refuses tokens of another width than config.json hidden_size', async () => {
    const dir = copyOfFixture();
    writeFileSync(join(dir, 'onnx/model.onnx'), tokenModel({ width: 16, returned: 'tokens', declared: ['batch', 2, 16] }));
    expect(await loadError(dir)).toMatch(/hidden_size 48/);
  });

  it('refuses an output that comes back as rows although declared as tokens', async () => {
    const dir = copyOfFixture();
    writeFileSync(join(dir, 'onnx/model.onnx'), tokenModel({ width: 48, returned: 'rows', declared: ['batch', 'tokens', 48] }));
    // onnxruntime's own shape inference already reports the rows it will return
    expect(await loadError(dir)).toMatch(/declared float32 \[batch,48\]; expected float32 \[batch,tokens,48\]/);
    const e = { file: 'model.onnx', output: 'last_hidden_state', what: 'one token per image patch', width: 4 };
    expect(() => clsOfOutput(new ort.Tensor('float32', new Float32Array(8), [2, 4]), 2, e)).toThrow(
      /returned float32 \[2,4\] for 2 inputs; expected float32 \[2,tokens,4\]/,
    );
    expect(() => clsOfOutput(new ort.Tensor('float32', new Float32Array(24), [2, 3, 4]), 3, e)).toThrow(/for 3 inputs/);
    const tokens = new ort.Tensor(
      'float32',
      Float32Array.from({ length: 24 }, (_, i) => i),
      [2, 3, 4],
    );
    expect(clsOfOutput(tokens, 2, e).map((r) => [...r])).toEqual([
      [0, 1, 2, 3],
      [12, 13, 14, 15],
    ]);
  });

  it('refuses a model whose fixed input size is not the crop of the config', async () => {
    const dir = copyOfFixture();
    writeFileSync(join(dir, 'onnx/model.onnx'), tokenModel({ width: 48, returned: 'tokens', declared: ['batch', 2, 48], size: 256 }));
    expect(await loadError(dir)).toMatch(/preprocessor_config\.json gives images of 3×224×224/);
  });
});
