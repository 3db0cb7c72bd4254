import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { clipPreprocessorFromConfig, type ClipPreprocessor } from '../imaging/clip-preprocess.js';
import type { Resampler } from '../imaging/resize.js';
import { modelFolderId } from '../models/hf-cache.js';
import { ModelLoadError } from '../runtime/errors.js';
import { checkDeclaredRows, rowsOfOutput } from '../runtime/output-shape.js';
import { fixedBatch, formatShape, openSession, type Device, type LoadedSession, type TensorSignature } from '../runtime/session.js';
import { BatchBuffer } from './batch-buffer.js';
import { l2normalize } from './vector.js';
import { ClipTokenizer, type EncodedText } from './tokenizer.js';

export interface ClipLoadOptions {
  device?: Device;
  /** File variant suffix as in transformers.js exports: "quantized" picks vision_model_quantized.onnx etc. */
  variant?: string;
  threads?: number;
  /** 'fast' (sharp where it matches PIL closely) or 'exact' (bit-identical to PIL, slower). */
  resampler?: Resampler;
}

export interface ClipModel {
  id: string;
  dir: string;
  layout: 'split' | 'combined';
  /** Model files used, for hashing and pinning. */
  imageFile: string;
  textFile: string;
  preprocessor: ClipPreprocessor;
  tokenizer: ClipTokenizer;
  contextLength: number;
  /** Largest batch the image encoder takes at once (1 for exports with a fixed batch of 1). */
  maxImageBatch: number;
  /** Unit-norm image embeddings for a batch of preprocessed CHW tensors. */
  encodeImages(pixels: Float32Array[]): Promise<Float32Array[]>;
  /** Unit-norm text embeddings. */
  encodeTexts(texts: string[]): Promise<Float32Array[]>;
  release(): Promise<void>;
}

const DEFAULT_IMAGE_BATCH = 16;

export function modelFile(dir: string, stem: string, variant?: string): string | undefined {
  const name = variant ? `${stem}_${variant}.onnx` : `${stem}.onnx`;
  for (const candidate of [join(dir, 'onnx', name), join(dir, name)]) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

export function readJsonIfPresent(file: string): Record<string, unknown> | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ModelLoadError(file, `not valid JSON: ${(e as Error).message}`);
  }
}

export function findInput(s: LoadedSession, name: string, what: string): TensorSignature {
  const input = s.signature.inputs.find((i) => i.name === name);
  if (!input) {
    const found = s.signature.inputs.map((i) => `${i.name} ${i.type} ${formatShape(i.shape)}`).join(', ');
    throw new ModelLoadError(s.signature.file, `expected an input "${name}" (${what}); the model has ${found || 'no inputs'}`);
  }
  return input;
}

export function findOutput(s: LoadedSession, name: string): string {
  if (s.signature.outputs.some((o) => o.name === name)) return name;
  throw new ModelLoadError(
    s.signature.file,
    `expected an output "${name}"; the model has ${s.signature.outputs.map((o) => o.name).join(', ') || 'no outputs'}`,
  );
}

export function checkPixelInput(s: LoadedSession, input: TensorSignature, shape: [number, number, number]): void {
  const expected = `float32 [batch,${shape.join(',')}]`;
  const found = `${input.type} ${formatShape(input.shape)}`;
  if (input.type !== 'float32' || input.shape.length !== 4) {
    throw new ModelLoadError(s.signature.file, `input "${input.name}" should be ${expected} (NCHW), found ${found}`);
  }
  input.shape.slice(1).forEach((dim, i) => {
    if (typeof dim === 'number' && dim > 0 && dim !== shape[i]) {
      throw new ModelLoadError(
        s.signature.file,
        `input "${input.name}" expects ${found} but preprocessor_config.json gives images of ${shape.join('×')}: expected ${expected}`,
      );
    }
  });
}

function checkIdsInput(s: LoadedSession, input: TensorSignature): void {
  if ((input.type !== 'int64' && input.type !== 'int32') || input.shape.length !== 2) {
    throw new ModelLoadError(
      s.signature.file,
      `input "${input.name}" should be int64 or int32 [batch,sequence], found ${input.type} ${formatShape(input.shape)}`,
    );
  }
}

function contextLengthOf(idsInput: TensorSignature, config: Record<string, unknown> | undefined, tokenizerConfig: Record<string, unknown> | undefined): number {
  const fixed = idsInput.shape[1];
  if (typeof fixed === 'number' && fixed > 0) return fixed;
  const textConfig = config?.text_config as Record<string, unknown> | undefined;
  const fromConfig = textConfig?.max_position_embeddings;
  if (typeof fromConfig === 'number') return fromConfig;
  const fromTokenizer = tokenizerConfig?.model_max_length;
  if (typeof fromTokenizer === 'number' && fromTokenizer < 100_000) return fromTokenizer;
  return 77;
}

function idsTensor(type: string, rows: number[][], length: number): ort.Tensor {
  const flat = rows.flat();
  return type === 'int32'
    ? new ort.Tensor('int32', Int32Array.from(flat), [rows.length, length])
    : new ort.Tensor(
        'int64',
        BigInt64Array.from(flat, (v) => BigInt(v)),
        [rows.length, length],
      );
}

/** input_ids (and attention_mask, when the model takes one) for a batch of encoded texts, in the model's dtype. */
function textFeeds(idsInput: TensorSignature, maskInput: TensorSignature | undefined, texts: EncodedText[], contextLength: number): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {
    [idsInput.name]: idsTensor(
      idsInput.type,
      texts.map((t) => t.ids),
      contextLength,
    ),
  };
  if (maskInput) {
    feeds[maskInput.name] = idsTensor(
      maskInput.type,
      texts.map((t) => t.attentionMask),
      contextLength,
    );
  }
  return feeds;
}

/** The [N, ...shape] tensor of a batch, in `into`'s memory when given (reused from batch to batch). */
export function pixelTensor(pixels: Float32Array[], shape: [number, number, number], into?: BatchBuffer): ort.Tensor {
  const size = shape[0] * shape[1] * shape[2];
  const data = into ? into.take(pixels.length * size) : new Float32Array(pixels.length * size);
  pixels.forEach((p, i) => {
    if (p.length !== size) throw new Error(`pixel tensor has ${p.length} values, expected ${size}`);
    data.set(p, i * size);
  });
  return new ort.Tensor('float32', data, [pixels.length, ...shape]);
}

function projectionDim(config: Record<string, unknown> | undefined): number | undefined {
  const p = config?.projection_dim;
  return typeof p === 'number' && Number.isInteger(p) && p > 1 ? p : undefined;
}

/**
 * Image and text embeddings are compared with each other, so both outputs must be [batch, D] with one D:
 * config.json's projection_dim, else the first declared width, else the width of the first embeddings returned.
 */
function embeddingRows(config: Record<string, unknown> | undefined) {
  let width = projectionDim(config);
  let because = width === undefined ? undefined : `config.json gives projection_dim ${width}`;
  const expectation = (s: LoadedSession, output: string, what: string) => ({ file: s.signature.file, output, width, what, because });
  return {
    declared(s: LoadedSession, output: string, what: string): void {
      const signature = s.signature.outputs.find((o) => o.name === output)!;
      const declared = checkDeclaredRows(signature, expectation(s, output, what));
      if (width === undefined && declared !== undefined) {
        width = declared;
        because = `${basename(s.signature.file)} declares "${output}" ${declared} wide`;
      }
    },
    /** Unit-norm rows of a returned embedding tensor. */
    rows(s: LoadedSession, output: string, what: string, tensor: ort.Tensor, batch: number): Float32Array[] {
      const rows = rowsOfOutput(tensor, batch, expectation(s, output, what));
      if (width === undefined) {
        width = rows[0].length;
        because = `${basename(s.signature.file)} returned ${width}-wide embeddings in "${output}" before`;
      }
      return rows.map(l2normalize);
    },
  };
}

/**
 * Loads a CLIP model from a folder in the Hugging Face export layout: split
 * (onnx/vision_model.onnx + onnx/text_model.onnx) or combined (onnx/model.onnx).
 * Input names, dtypes and fixed sizes are read from the sessions and checked against the preprocessor.
 */
export async function loadClip(dir: string, options: ClipLoadOptions = {}): Promise<ClipModel> {
  if (!existsSync(dir)) throw new ModelLoadError(dir, 'CLIP model folder not found');
  const preprocessorFile = join(dir, 'preprocessor_config.json');
  const preprocessorConfig = readJsonIfPresent(preprocessorFile);
  if (!preprocessorConfig) throw new ModelLoadError(dir, 'preprocessor_config.json not found (CLIPImageProcessor settings are read from it)');
  let preprocessor: ClipPreprocessor;
  try {
    preprocessor = clipPreprocessorFromConfig(preprocessorConfig, { resampler: options.resampler, source: preprocessorFile });
  } catch (e) {
    throw new ModelLoadError(preprocessorFile, (e as Error).message);
  }
  const tokenizer = ClipTokenizer.fromFolder(dir);
  const config = readJsonIfPresent(join(dir, 'config.json'));
  const tokenizerConfig = readJsonIfPresent(join(dir, 'tokenizer_config.json'));
  const sessionOptions = { device: options.device, threads: options.threads };
  const variant = options.variant;
  const pixelShape = preprocessor.inputShape;

  const visionFile = modelFile(dir, 'vision_model', variant);
  const textFile = modelFile(dir, 'text_model', variant);
  const combinedFile = modelFile(dir, 'model', variant);
  const suffix = variant ? `_${variant}` : '';

  if (visionFile && textFile) {
    const batchBuffer = new BatchBuffer();
    const vision = await openSession(visionFile, sessionOptions);
    const text = await openSession(textFile, sessionOptions);
    const pixelInput = findInput(vision, 'pixel_values', 'float32 images');
    checkPixelInput(vision, pixelInput, pixelShape);
    const imageOutput = findOutput(vision, 'image_embeds');
    const idsInput = findInput(text, 'input_ids', 'token ids');
    checkIdsInput(text, idsInput);
    const maskInput = text.signature.inputs.find((i) => i.name === 'attention_mask');
    const textOutput = findOutput(text, 'text_embeds');
    const embeddings = embeddingRows(config);
    embeddings.declared(vision, imageOutput, 'image embedding');
    embeddings.declared(text, textOutput, 'text embedding');
    const contextLength = contextLengthOf(idsInput, config, tokenizerConfig);
    const textBatch = fixedBatch(idsInput) ?? 64;
    return {
      id: modelFolderId(dir),
      dir,
      layout: 'split',
      imageFile: visionFile,
      textFile,
      preprocessor,
      tokenizer,
      contextLength,
      maxImageBatch: fixedBatch(pixelInput) ?? DEFAULT_IMAGE_BATCH,
      async encodeImages(pixels) {
        const out = await vision.session.run({ [pixelInput.name]: pixelTensor(pixels, pixelShape, batchBuffer) }, [imageOutput]);
        return embeddings.rows(vision, imageOutput, 'image embedding', out[imageOutput] as ort.Tensor, pixels.length);
      },
      async encodeTexts(texts) {
        const result: Float32Array[] = [];
        for (let start = 0; start < texts.length; start += textBatch) {
          const encoded = texts.slice(start, start + textBatch).map((t) => tokenizer.encode(t, contextLength));
          const out = await text.session.run(textFeeds(idsInput, maskInput, encoded, contextLength), [textOutput]);
          result.push(...embeddings.rows(text, textOutput, 'text embedding', out[textOutput] as ort.Tensor, encoded.length));
        }
        return result;
      },
      async release() {
        await vision.session.release();
        await text.session.release();
      },
    };
  }

  if (combinedFile) {
    const model = await openSession(combinedFile, sessionOptions);
    const pixelInput = findInput(model, 'pixel_values', 'float32 images');
    checkPixelInput(model, pixelInput, pixelShape);
    const idsInput = findInput(model, 'input_ids', 'token ids');
    checkIdsInput(model, idsInput);
    const maskInput = model.signature.inputs.find((i) => i.name === 'attention_mask');
    const imageOutput = findOutput(model, 'image_embeds');
    const textOutput = findOutput(model, 'text_embeds');
    const embeddings = embeddingRows(config);
    embeddings.declared(model, imageOutput, 'image embedding');
    embeddings.declared(model, textOutput, 'text embedding');
    const contextLength = contextLengthOf(idsInput, config, tokenizerConfig);
    const blank = tokenizer.encode('', contextLength);
    const blankPixels = new Float32Array(pixelShape[0] * pixelShape[1] * pixelShape[2]);
    const batchBuffer = new BatchBuffer();
    const feedsFor = (pixels: Float32Array[], texts: EncodedText[]) => {
      return { [pixelInput.name]: pixelTensor(pixels, pixelShape, batchBuffer), ...textFeeds(idsInput, maskInput, texts, contextLength) };
    };
    return {
      id: modelFolderId(dir),
      dir,
      layout: 'combined',
      imageFile: combinedFile,
      textFile: combinedFile,
      preprocessor,
      tokenizer,
      contextLength,
      maxImageBatch: fixedBatch(pixelInput) ?? DEFAULT_IMAGE_BATCH,
      async encodeImages(pixels) {
        const out = await model.session.run(feedsFor(pixels, [blank]), [imageOutput]);
        return embeddings.rows(model, imageOutput, 'image embedding', out[imageOutput] as ort.Tensor, pixels.length);
      },
      async encodeTexts(texts) {
        const encoded = texts.map((t) => tokenizer.encode(t, contextLength));
        const out = await model.session.run(feedsFor([blankPixels], encoded), [textOutput]);
        return embeddings.rows(model, textOutput, 'text embedding', out[textOutput] as ort.Tensor, encoded.length);
      },
      async release() {
        await model.session.release();
      },
    };
  }

  throw new ModelLoadError(
    dir,
    `no CLIP model files: expected onnx/vision_model${suffix}.onnx with onnx/text_model${suffix}.onnx, or onnx/model${suffix}.onnx`,
  );
}
