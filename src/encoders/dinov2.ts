import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type * as ort from 'onnxruntime-node';
import { clipPreprocessorFromConfig, type ClipPreprocessor } from '../imaging/clip-preprocess.js';
import type { Resampler } from '../imaging/resize.js';
import { modelFolderId } from '../models/hf-cache.js';
import { ModelLoadError } from '../runtime/errors.js';
import { checkDeclaredTokens, clsOfOutput, type TokensExpectation } from '../runtime/output-shape.js';
import { fixedBatch, openSession, type Device } from '../runtime/session.js';
import { checkPixelInput, findInput, findOutput, modelFile, pixelTensor, readJsonIfPresent } from './clip.js';
import { BatchBuffer } from './batch-buffer.js';
import { l2normalize } from './vector.js';

export interface Dinov2LoadOptions {
  device?: Device;
  /** File variant as in onnx-community exports: "quantized" picks onnx/model_quantized.onnx. */
  variant?: string;
  threads?: number;
  resampler?: Resampler;
}

export interface Dinov2Model {
  id: string;
  dir: string;
  modelFile: string;
  preprocessor: ClipPreprocessor;
  maxBatch: number;
  /** Unit-norm CLS embeddings (last_hidden_state[:, 0, :]) for a batch of preprocessed CHW tensors. */
  encode(pixels: Float32Array[]): Promise<Float32Array[]>;
  release(): Promise<void>;
}

const OUTPUT = 'last_hidden_state';
const DEFAULT_BATCH = 16;
/** Fields whose CLIPImageProcessor default differs from DINOv2's, so a config without them would be read wrongly. */
const REQUIRED_FIELDS = ['size', 'crop_size', 'image_mean', 'image_std'];

/**
 * Loads a DINOv2 image encoder in the onnx-community layout (onnx/model.onnx + preprocessor_config.json with
 * BitImageProcessor settings). Its embedding is the CLS token of last_hidden_state, as DreamBench's DINO score.
 */
export async function loadDinov2(dir: string, options: Dinov2LoadOptions = {}): Promise<Dinov2Model> {
  if (!existsSync(dir)) throw new ModelLoadError(dir, 'DINOv2 model folder not found');
  const preprocessorFile = join(dir, 'preprocessor_config.json');
  const preprocessorConfig = readJsonIfPresent(preprocessorFile);
  if (!preprocessorConfig) throw new ModelLoadError(dir, 'preprocessor_config.json not found (BitImageProcessor settings are read from it)');
  const missing = REQUIRED_FIELDS.filter((f) => preprocessorConfig[f] === undefined);
  if (missing.length) {
    throw new ModelLoadError(
      preprocessorFile,
      `missing ${missing.join(', ')}: DINOv2 preprocessing is read from the config, and CLIP's defaults would be wrong`,
    );
  }
  let preprocessor: ClipPreprocessor;
  try {
    preprocessor = clipPreprocessorFromConfig(preprocessorConfig, { resampler: options.resampler, source: preprocessorFile });
  } catch (e) {
    throw new ModelLoadError(preprocessorFile, (e as Error).message);
  }
  const file = modelFile(dir, 'model', options.variant);
  if (!file) throw new ModelLoadError(dir, `no DINOv2 model file: expected onnx/model${options.variant ? `_${options.variant}` : ''}.onnx`);
  const loaded = await openSession(file, { device: options.device, threads: options.threads });
  const pixelInput = findInput(loaded, 'pixel_values', 'float32 images');
  checkPixelInput(loaded, pixelInput, preprocessor.inputShape);
  findOutput(loaded, OUTPUT);

  const hidden = readJsonIfPresent(join(dir, 'config.json'))?.hidden_size;
  const expectation: TokensExpectation = {
    file,
    output: OUTPUT,
    what: 'one token per image patch',
    width: typeof hidden === 'number' ? hidden : undefined,
    because: typeof hidden === 'number' ? `config.json gives hidden_size ${hidden}` : undefined,
  };
  const declared = checkDeclaredTokens(
    loaded.signature.outputs.find((o) => o.name === OUTPUT)!,
    expectation,
  );
  if (expectation.width === undefined && declared !== undefined) {
    expectation.width = declared;
    expectation.because = `${basename(file)} declares "${OUTPUT}" ${declared} wide`;
  }
  const shape = preprocessor.inputShape;
  const batchBuffer = new BatchBuffer();
  return {
    id: modelFolderId(dir),
    dir,
    modelFile: file,
    preprocessor,
    maxBatch: fixedBatch(pixelInput) ?? DEFAULT_BATCH,
    async encode(pixels) {
      const out = await loaded.session.run({ [pixelInput.name]: pixelTensor(pixels, shape, batchBuffer) }, [OUTPUT]);
      const cls = clsOfOutput(out[OUTPUT] as ort.Tensor, pixels.length, expectation);
      if (expectation.width === undefined) {
        expectation.width = cls[0].length;
        expectation.because = `${basename(file)} returned ${cls[0].length}-wide tokens before`;
      }
      return cls.map(l2normalize);
    },
    release: () => loaded.session.release(),
  };
}
