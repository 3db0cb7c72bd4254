/**
 * ONNX graphs of a CLIP model with random weights and the real architecture's operators, in the layout of the
 * Hugging Face (Optimum) export: vision_model.onnx (pixel_values → image_embeds, last_hidden_state) and
 * text_model.onnx (input_ids → text_embeds, last_hidden_state). Pre-norm transformer layers with separate q/k/v
 * projections, quick_gelu MLPs, a class token and learned position embeddings, a causal mask and end-token pooling
 * in the text tower. The weights are noise: the model has the cost of the real one, not its meaning.
 */
import { DataType, GraphBuilder } from '../../fixtures/lib/onnx-graph.js';
import { visionTokens, type ClipArchitecture, type TextShape, type VisionShape } from './clip-architecture.js';

/** Initializers that are not parameters (shapes, scales, masks) have names starting with this. */
export const AUXILIARY_PREFIX = 'const/';

/** Deterministic uniform noise with the given standard deviation (mulberry32; the model need not be good, only fixed). */
class WeightNoise {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }
  fill(values: Float32Array, std: number): Float32Array {
    const half = std * Math.sqrt(3);
    for (let i = 0; i < values.length; i++) {
      this.state = (this.state + 0x6d2b79f5) >>> 0;
      let t = this.state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      values[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 * half - half;
    }
    return values;
  }
}

class ClipGraph {
  readonly g: GraphBuilder;
  constructor(
    name: string,
    private readonly noise: WeightNoise,
  ) {
    this.g = new GraphBuilder(name);
  }

  param(name: string, dims: number[], init: 'noise' | 'ones' | 'zeros', std = 0.02): string {
    const values = new Float32Array(dims.reduce((a, b) => a * b, 1));
    if (init === 'noise') this.noise.fill(values, std);
    else if (init === 'ones') values.fill(1);
    return this.g.floats(name, dims, values);
  }

  ints(name: string, values: number[]): string {
    return this.g.ints64(AUXILIARY_PREFIX + name, values);
  }

  scalar(name: string, value: number): string {
    return this.g.scalar(AUXILIARY_PREFIX + name, value);
  }

  layerNorm(x: string, prefix: string, width: number, eps: number): string {
    return this.g.op('LayerNormalization', [x, this.param(`${prefix}.weight`, [width], 'ones'), this.param(`${prefix}.bias`, [width], 'zeros')], {
      axis: -1,
      epsilon: { float: eps },
    });
  }

  /** x @ Wᵀ + b with W stored transposed ([in, out]) as the export does after folding. */
  linear(x: string, prefix: string, inputs: number, outputs: number, bias = true): string {
    const product = this.g.op('MatMul', [x, this.param(`${prefix}.weight`, [inputs, outputs], 'noise')]);
    return bias ? this.g.op('Add', [product, this.param(`${prefix}.bias`, [outputs], 'zeros')]) : product;
  }

  /** One pre-norm transformer layer over [B, L, width]; `mask` ([L, L], added to the scores) makes it causal. */
  encoderLayer(x: string, prefix: string, shape: { hiddenSize: number; heads: number; intermediateSize: number; layerNormEps: number }, mask?: string): string {
    const { g } = this;
    const width = shape.hiddenSize;
    const headDim = width / shape.heads;
    const h = this.layerNorm(x, `${prefix}.layer_norm1`, width, shape.layerNormEps);
    const split = this.ints(`${prefix}.split_heads`, [0, 0, shape.heads, headDim]);
    const heads = (projection: string, perm: number[]) =>
      g.op('Transpose', [g.op('Reshape', [this.linear(h, `${prefix}.self_attn.${projection}`, width, width), split])], { perm });
    const q = g.op('Mul', [heads('q_proj', [0, 2, 1, 3]), this.scalar(`${prefix}.scale`, 1 / Math.sqrt(headDim))]);
    const kT = heads('k_proj', [0, 2, 3, 1]);
    const v = heads('v_proj', [0, 2, 1, 3]);
    let scores = g.op('MatMul', [q, kT]);
    if (mask) scores = g.op('Add', [scores, mask]);
    const context = g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), v]);
    const merged = g.op('Reshape', [g.op('Transpose', [context], { perm: [0, 2, 1, 3] }), this.ints(`${prefix}.merge_heads`, [0, 0, width])]);
    const attended = g.op('Add', [x, this.linear(merged, `${prefix}.self_attn.out_proj`, width, width)]);
    const m = this.layerNorm(attended, `${prefix}.layer_norm2`, width, shape.layerNormEps);
    const up = this.linear(m, `${prefix}.mlp.fc1`, width, shape.intermediateSize);
    const quickGelu = g.op('Mul', [up, g.op('Sigmoid', [g.op('Mul', [up, this.scalar(`${prefix}.quick_gelu`, 1.702)])])]);
    return g.op('Add', [attended, this.linear(quickGelu, `${prefix}.mlp.fc2`, shape.intermediateSize, width)]);
  }
}

/** vision_model.onnx: pixel_values [batch_size, 3, S, S] → image_embeds [batch_size, P], last_hidden_state. */
export function buildVisionModel(arch: ClipArchitecture, seed = 1): Uint8Array {
  const v: VisionShape = arch.vision;
  const c = new ClipGraph('clip_vision', new WeightNoise(seed));
  const { g } = c;
  const W = v.hiddenSize;
  const tokens = visionTokens(v);
  const pixels = g.input('pixel_values', DataType.FLOAT, ['batch_size', 3, v.imageSize, v.imageSize]);
  const patches = g.op('Conv', [pixels, c.param('vision_model.embeddings.patch_embedding.weight', [W, 3, v.patchSize, v.patchSize], 'noise')], {
    kernel_shape: [v.patchSize, v.patchSize],
    strides: [v.patchSize, v.patchSize],
  });
  const sequence = g.op('Transpose', [g.op('Reshape', [patches, c.ints('patch_rows', [0, W, -1])])], { perm: [0, 2, 1] });
  const batch = g.op('Slice', [g.op('Shape', [pixels]), c.ints('zero', [0]), c.ints('one', [1])]);
  const classShape = g.op('Concat', [batch, c.ints('class_rows', [1, W])], { axis: 0 });
  const classToken = g.op('Expand', [
    g.op('Reshape', [c.param('vision_model.embeddings.class_embedding', [W], 'noise'), c.ints('class_shape', [1, 1, W])]),
    classShape,
  ]);
  let x = g.op('Add', [
    g.op('Concat', [classToken, sequence], { axis: 1 }),
    c.param('vision_model.embeddings.position_embedding.weight', [tokens, W], 'noise'),
  ]);
  x = c.layerNorm(x, 'vision_model.pre_layrnorm', W, v.layerNormEps);
  for (let i = 0; i < v.layers; i++) x = c.encoderLayer(x, `vision_model.encoder.layers.${i}`, v);
  g.output(g.op('Identity', [x], {}, 'last_hidden_state'), DataType.FLOAT, ['batch_size', tokens, W]);
  const pooled = c.layerNorm(
    g.op('Gather', [x, g.constant(`${AUXILIARY_PREFIX}class_index`, DataType.INT64, [], [0])], { axis: 1 }),
    'vision_model.post_layernorm',
    W,
    v.layerNormEps,
  );
  const embeds = c.linear(pooled, 'visual_projection', W, arch.projectionDim, false);
  g.output(g.op('Identity', [embeds], {}, 'image_embeds'), DataType.FLOAT, ['batch_size', arch.projectionDim]);
  return g.toBytes('Random-weight CLIP vision tower with the architecture of its config.json, for benchmarks (not a trained model).');
}

/** text_model.onnx: input_ids [batch_size, sequence_length] int64 → text_embeds [batch_size, P], last_hidden_state. */
export function buildTextModel(arch: ClipArchitecture, seed = 2): Uint8Array {
  const t: TextShape = arch.text;
  const c = new ClipGraph('clip_text', new WeightNoise(seed));
  const { g } = c;
  const W = t.hiddenSize;
  const L = t.contextLength;
  const ids = g.input('input_ids', DataType.INT64, ['batch_size', 'sequence_length']);
  const length = g.op('Slice', [g.op('Shape', [ids]), c.ints('one', [1]), c.ints('two', [2])]);
  const positions = g.op('Slice', [
    c.param('text_model.embeddings.position_embedding.weight', [L, W], 'noise', 0.01),
    c.ints('zero', [0]),
    length,
    c.ints('axis0', [0]),
  ]);
  let x = g.op('Add', [g.op('Gather', [c.param('text_model.embeddings.token_embedding.weight', [t.vocabSize, W], 'noise'), ids], { axis: 0 }), positions]);
  // scores of a token for later tokens get the lowest float, as the reference implementation's causal mask does
  const causal = new Float32Array(L * L);
  for (let i = 0; i < L; i++) for (let j = i + 1; j < L; j++) causal[i * L + j] = -3.4028234663852886e38;
  const mask = g.op('Slice', [
    g.floats(`${AUXILIARY_PREFIX}causal_mask`, [L, L], causal),
    c.ints('mask_starts', [0, 0]),
    g.op('Concat', [length, length], { axis: 0 }),
    c.ints('mask_axes', [0, 1]),
  ]);
  for (let i = 0; i < t.layers; i++) x = c.encoderLayer(x, `text_model.encoder.layers.${i}`, t, mask);
  x = c.layerNorm(x, 'text_model.final_layer_norm', W, t.layerNormEps);
  g.output(g.op('Identity', [x], {}, 'last_hidden_state'), DataType.FLOAT, ['batch_size', 'sequence_length', W]);
  // pooled at the end token, the largest id, as CLIP's reference implementation does
  const end = g.op('ArgMax', [ids], { axis: -1, keepdims: 1 });
  const pooled = g.op('GatherND', [x, end], { batch_dims: 1 });
  const embeds = c.linear(pooled, 'text_projection', W, arch.projectionDim, false);
  g.output(g.op('Identity', [embeds], {}, 'text_embeds'), DataType.FLOAT, ['batch_size', arch.projectionDim]);
  return g.toBytes('Random-weight CLIP text tower with the architecture of its config.json, for benchmarks (not a trained model).');
}
