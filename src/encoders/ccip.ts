import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { OPENAI_CLIP_MEAN, OPENAI_CLIP_STD, preprocessorFromParams, type ClipPreprocessor } from '../imaging/clip-preprocess.js';
import type { Resampler } from '../imaging/resize.js';
import { modelFolderId } from '../models/hf-cache.js';
import { ModelLoadError } from '../runtime/errors.js';
import { checkDeclaredRows, rowsOfOutput, type RowsExpectation } from '../runtime/output-shape.js';
import { fixedBatch, formatShape, openSession, type Device, type LoadedSession } from '../runtime/session.js';
import { BatchBuffer } from './batch-buffer.js';
import { checkPixelInput, findInput, findOutput, pixelTensor, readJsonIfPresent } from './clip.js';

export interface CcipLoadOptions {
  device?: Device;
  threads?: number;
  resampler?: Resampler;
}

export interface CcipModel {
  /** "<repository folder>/<model name>", e.g. ccip_onnx/ccip-caformer-24-randaug-pruned */
  id: string;
  /** The model's own folder (model_feat.onnx, model_metrics.onnx, metrics.json). */
  dir: string;
  featureFile: string;
  metricsFile: string;
  /** Difference at or below which two images show the same character (metrics.json "threshold"). */
  threshold: number;
  preprocessor: ClipPreprocessor;
  maxBatch: number;
  /** Character features (not normalized; only the metrics model compares them) for a batch of preprocessed CHW tensors. */
  encode(pixels: Float32Array[]): Promise<Float32Array[]>;
  /** Difference of each image's features to each reference's: [image][reference]. */
  differences(images: Float32Array[], references: Float32Array[]): Promise<Float64Array[]>;
  release(): Promise<void>;
}

/** deepghs imgutils' default CCIP model, chosen when a folder holds several. */
export const DEFAULT_CCIP_MODEL = 'ccip-caformer-24-randaug-pruned';
/** imgutils' ccip_batch_extract_features default size. */
const CCIP_SIZE = 384;
const FEATURE_FILE = 'model_feat.onnx';
const METRICS_MODEL_FILE = 'model_metrics.onnx';
const METRICS_JSON = 'metrics.json';
const DEFAULT_BATCH = 16;
/** Images compared in one run of the metrics model (with all references). */
const IMAGES_PER_COMPARISON = 32;

/** The model folder: `dir` itself when it holds model_feat.onnx, else its one model subfolder (or the default). */
export function ccipModelFolder(dir: string): string {
  if (!existsSync(dir)) throw new ModelLoadError(dir, 'CCIP model folder not found');
  if (existsSync(join(dir, FEATURE_FILE))) return dir;
  const models = readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory() && existsSync(join(dir, name, FEATURE_FILE)))
    .sort();
  if (models.length === 1) return join(dir, models[0]);
  if (models.includes(DEFAULT_CCIP_MODEL)) return join(dir, DEFAULT_CCIP_MODEL);
  if (models.length === 0)
    throw new ModelLoadError(dir, `no CCIP model: expected ${FEATURE_FILE} in the folder or in one model subfolder (deepghs/ccip_onnx layout)`);
  throw new ModelLoadError(dir, `several CCIP models (${models.join(', ')}): pass the folder of the one to use`);
}

function readThreshold(file: string): number {
  const metrics = readJsonIfPresent(file);
  if (!metrics) throw new ModelLoadError(file, `${METRICS_JSON} not found (the same-character threshold is read from it)`);
  const threshold = metrics.threshold;
  if (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold <= 0) {
    throw new ModelLoadError(file, `field "threshold": expected a positive number (the same-character difference), found ${JSON.stringify(threshold)}`);
  }
  return threshold;
}

/** The [n, n] difference matrix the metrics model returns for n features, refused in any other shape. */
async function differenceMatrix(metrics: LoadedSession, input: string, output: string, features: Float32Array[], width: number): Promise<Float32Array> {
  const n = features.length;
  const data = new Float32Array(n * width);
  features.forEach((f, i) => {
    if (f.length !== width) throw new ModelLoadError(metrics.signature.file, `features of ${f.length} values given, expected ${width}`);
    data.set(f, i * width);
  });
  const out = (await metrics.session.run({ [input]: new ort.Tensor('float32', data, [n, width]) }, [output]))[output] as ort.Tensor;
  const dims = out.dims as readonly number[];
  if (out.type !== 'float32' || dims.length !== 2 || dims[0] !== n || dims[1] !== n) {
    throw new ModelLoadError(
      metrics.signature.file,
      `output "${output}" returned ${out.type} ${formatShape([...dims])} for ${n} features; expected float32 [${n},${n}] (the difference of every pair)`,
    );
  }
  return out.data as Float32Array;
}

/**
 * Loads a CCIP model in the deepghs/ccip_onnx layout (model_feat.onnx, model_metrics.onnx, metrics.json), with
 * imgutils' preprocessing: RGBA pasted on white, RGB stretched to 384×384 with PIL's bilinear filter, /255,
 * CLIP mean and std.
 */
export async function loadCcip(dir: string, options: CcipLoadOptions = {}): Promise<CcipModel> {
  const folder = ccipModelFolder(dir);
  const threshold = readThreshold(join(folder, METRICS_JSON));
  const sessionOptions = { device: options.device, threads: options.threads };
  const feature = await openSession(join(folder, FEATURE_FILE), sessionOptions);
  const metrics = await openSession(join(folder, METRICS_MODEL_FILE), sessionOptions);
  const pixelInput = findInput(feature, 'input', 'float32 images');
  const side = pixelInput.shape[2];
  const size = typeof side === 'number' && side > 0 ? side : CCIP_SIZE;
  const preprocessor = preprocessorFromParams(
    {
      doResize: true,
      size: { height: size, width: size },
      resample: 2,
      doCenterCrop: false,
      cropSize: { height: size, width: size },
      doRescale: true,
      rescaleFactor: 1 / 255,
      doNormalize: true,
      imageMean: OPENAI_CLIP_MEAN,
      imageStd: OPENAI_CLIP_STD,
    },
    { resampler: options.resampler, source: feature.signature.file, convention: 'imgutils' },
  );
  checkPixelInput(feature, pixelInput, preprocessor.inputShape);
  const featureOutput = findOutput(feature, 'output');
  const metricsInput = findInput(metrics, 'input', 'float32 features [n, width]');
  const metricsOutput = findOutput(metrics, 'output');
  const expectation: RowsExpectation = { file: feature.signature.file, output: featureOutput, what: 'character feature vector' };
  const declared = checkDeclaredRows(
    feature.signature.outputs.find((o) => o.name === featureOutput)!,
    expectation,
  );
  const metricsWidth = metricsInput.shape[1];
  if (typeof metricsWidth === 'number' && metricsWidth > 0) {
    if (declared !== undefined && declared !== metricsWidth) {
      throw new ModelLoadError(
        metrics.signature.file,
        `input "${metricsInput.name}" takes ${metricsWidth}-wide features but ${basename(feature.signature.file)} gives ${declared}: the two files are of different models`,
      );
    }
    expectation.width = metricsWidth;
    expectation.because = `${basename(metrics.signature.file)} takes ${metricsWidth}-wide features`;
  } else if (declared !== undefined) {
    expectation.width = declared;
  }
  const parent = folder === dir ? undefined : dir;
  const batchBuffer = new BatchBuffer();
  return {
    id: parent ? `${modelFolderId(parent)}/${basename(folder)}` : `${modelFolderId(join(folder, '..'))}/${basename(folder)}`,
    dir: folder,
    featureFile: feature.signature.file,
    metricsFile: metrics.signature.file,
    threshold,
    preprocessor,
    maxBatch: fixedBatch(pixelInput) ?? DEFAULT_BATCH,
    async encode(pixels) {
      const out = await feature.session.run({ [pixelInput.name]: pixelTensor(pixels, preprocessor.inputShape, batchBuffer) }, [featureOutput]);
      const rows = rowsOfOutput(out[featureOutput] as ort.Tensor, pixels.length, expectation);
      expectation.width ??= rows[0].length;
      return rows;
    },
    async differences(images, references) {
      const result: Float64Array[] = [];
      const r = references.length;
      for (let start = 0; start < images.length; start += IMAGES_PER_COMPARISON) {
        const chunk = images.slice(start, start + IMAGES_PER_COMPARISON);
        const n = chunk.length + r;
        const width = expectation.width ?? chunk[0].length;
        const matrix = await differenceMatrix(metrics, metricsInput.name, metricsOutput, [...chunk, ...references], width);
        chunk.forEach((_, i) => result.push(Float64Array.from({ length: r }, (_, j) => matrix[i * n + chunk.length + j])));
      }
      return result;
    },
    async release() {
      await feature.session.release();
      await metrics.session.release();
    },
  };
}
