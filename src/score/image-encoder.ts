import type { DecodedImage } from '../imaging/decode.js';
import type { ImagePreprocessor, PreprocessSpec } from '../imaging/preprocess-spec.js';

/**
 * One image model in the scoring pipeline: how it preprocesses a decoded image and turns a batch of
 * preprocessed tensors into vectors (CLIP embeddings, tagger probabilities). Vectors are cached under
 * (image sha256, modelSha, prepHash).
 */
export interface ImageEncoder {
  kind: 'clip' | 'tagger' | 'dinov2' | 'ccip' | 'pixels';
  /** Model id written in the scores' model column. */
  model: string;
  modelSha: string;
  prepHash: string;
  maxBatch: number;
  /** The preprocessing as data, run in the preprocessing workers; `preprocess` is the same on this thread. */
  preprocessing: PreprocessSpec;
  preprocess(image: DecodedImage): Promise<Float32Array>;
  encode(batch: Float32Array[]): Promise<Float32Array[]>;
}

/** An image model seen as an encoder: its preprocessor and batch encoder, cached under its file's sha256. */
export function asImageEncoder(
  kind: ImageEncoder['kind'],
  model: { id: string; preprocessor: ImagePreprocessor },
  maxBatch: number,
  encode: (batch: Float32Array[]) => Promise<Float32Array[]>,
  modelSha: string,
): ImageEncoder {
  // Vectors are paired with images by position, so a batch must come back whole.
  const encodeChecked = async (batch: Float32Array[]) => {
    const vectors = await encode(batch);
    if (vectors.length !== batch.length) throw new Error(`${model.id}: ${vectors.length} vectors returned for a batch of ${batch.length} images`);
    return vectors;
  };
  return {
    kind,
    model: model.id,
    modelSha,
    prepHash: model.preprocessor.hash,
    maxBatch,
    preprocessing: model.preprocessor.spec,
    preprocess: (img) => model.preprocessor.preprocess(img),
    encode: encodeChecked,
  };
}
