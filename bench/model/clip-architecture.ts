/**
 * The shape of a CLIP model (towers, widths, depths), read from a Hugging Face config.json, and its parameter count
 * computed from the shape alone, independently of the ONNX graphs built from it.
 */

export interface VisionShape {
  imageSize: number;
  patchSize: number;
  hiddenSize: number;
  layers: number;
  heads: number;
  intermediateSize: number;
  layerNormEps: number;
}

export interface TextShape {
  vocabSize: number;
  contextLength: number;
  hiddenSize: number;
  layers: number;
  heads: number;
  intermediateSize: number;
  layerNormEps: number;
}

export interface ClipArchitecture {
  vision: VisionShape;
  text: TextShape;
  projectionDim: number;
}

function field(config: Record<string, unknown>, name: string, where: string): number {
  const value = config[name];
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new Error(`${where}: field "${name}" should be a positive number, found ${JSON.stringify(value)}`);
  return value;
}

function section(config: Record<string, unknown>, name: string, where: string): Record<string, unknown> {
  const value = config[name];
  if (!value || typeof value !== 'object') throw new Error(`${where}: missing object "${name}"`);
  return value as Record<string, unknown>;
}

/** The architecture a CLIPModel config.json describes; only quick_gelu models (OpenAI's CLIP) are built. */
export function architectureFromConfig(config: Record<string, unknown>, where = 'config.json'): ClipArchitecture {
  const v = section(config, 'vision_config', where);
  const t = section(config, 'text_config', where);
  for (const [name, tower] of [
    ['vision_config', v],
    ['text_config', t],
  ] as const) {
    if (tower.hidden_act !== undefined && tower.hidden_act !== 'quick_gelu')
      throw new Error(`${where}: ${name}.hidden_act is ${JSON.stringify(tower.hidden_act)}; only quick_gelu is built`);
  }
  const arch: ClipArchitecture = {
    vision: {
      imageSize: field(v, 'image_size', `${where} vision_config`),
      patchSize: field(v, 'patch_size', `${where} vision_config`),
      hiddenSize: field(v, 'hidden_size', `${where} vision_config`),
      layers: field(v, 'num_hidden_layers', `${where} vision_config`),
      heads: field(v, 'num_attention_heads', `${where} vision_config`),
      intermediateSize: field(v, 'intermediate_size', `${where} vision_config`),
      layerNormEps: typeof v.layer_norm_eps === 'number' ? v.layer_norm_eps : 1e-5,
    },
    text: {
      vocabSize: field(t, 'vocab_size', `${where} text_config`),
      contextLength: field(t, 'max_position_embeddings', `${where} text_config`),
      hiddenSize: field(t, 'hidden_size', `${where} text_config`),
      layers: field(t, 'num_hidden_layers', `${where} text_config`),
      heads: field(t, 'num_attention_heads', `${where} text_config`),
      intermediateSize: field(t, 'intermediate_size', `${where} text_config`),
      layerNormEps: typeof t.layer_norm_eps === 'number' ? t.layer_norm_eps : 1e-5,
    },
    projectionDim: field(config, 'projection_dim', where),
  };
  checkArchitecture(arch, where);
  return arch;
}

export function checkArchitecture(arch: ClipArchitecture, where = 'architecture'): void {
  const { vision, text } = arch;
  if (vision.imageSize % vision.patchSize !== 0)
    throw new Error(`${where}: image_size ${vision.imageSize} is not a multiple of patch_size ${vision.patchSize}`);
  if (vision.hiddenSize % vision.heads !== 0) throw new Error(`${where}: vision hidden_size ${vision.hiddenSize} is not divisible by ${vision.heads} heads`);
  if (text.hiddenSize % text.heads !== 0) throw new Error(`${where}: text hidden_size ${text.hiddenSize} is not divisible by ${text.heads} heads`);
}

/** Tokens the vision transformer sees: one per patch plus the class token. */
export function visionTokens(v: VisionShape): number {
  return (v.imageSize / v.patchSize) ** 2 + 1;
}

const linear = (inputs: number, outputs: number, bias = true) => inputs * outputs + (bias ? outputs : 0);
const layerNorm = (width: number) => 2 * width;

function encoderLayerParameters(width: number, intermediate: number): number {
  return 4 * linear(width, width) + linear(width, intermediate) + linear(intermediate, width) + 2 * layerNorm(width);
}

/** Parameters of CLIPVisionModelWithProjection: patch embedding, class and position embeddings, layers, norms, projection. */
export function visionParameterCount(arch: ClipArchitecture): number {
  const v = arch.vision;
  return (
    3 * v.patchSize * v.patchSize * v.hiddenSize +
    v.hiddenSize +
    visionTokens(v) * v.hiddenSize +
    2 * layerNorm(v.hiddenSize) +
    v.layers * encoderLayerParameters(v.hiddenSize, v.intermediateSize) +
    linear(v.hiddenSize, arch.projectionDim, false)
  );
}

/** Parameters of CLIPTextModelWithProjection: token and position embeddings, layers, final norm, projection. */
export function textParameterCount(arch: ClipArchitecture): number {
  const t = arch.text;
  return (
    t.vocabSize * t.hiddenSize +
    t.contextLength * t.hiddenSize +
    layerNorm(t.hiddenSize) +
    t.layers * encoderLayerParameters(t.hiddenSize, t.intermediateSize) +
    linear(t.hiddenSize, arch.projectionDim, false)
  );
}
