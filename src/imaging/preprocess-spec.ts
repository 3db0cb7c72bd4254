/**
 * A model's image preprocessing as plain data, so that a worker thread can build the same preprocessor from it:
 * every preprocessor the scoring pipeline runs is one of these.
 */
import { preprocessorFromParams, type ClipPreprocessSpec } from './clip-preprocess.js';
import type { DecodedImage } from './decode.js';
import { detailHash, detailOf, detailOfResized, detailResizeTarget } from './detail.js';
import type { ResizedRgb, Resampler } from './resize.js';
import { taggerPreprocessor } from './tagger-preprocess.js';

export type PreprocessSpec = ClipPreprocessSpec | { kind: 'wd-tagger'; size: number; resampler: Resampler } | { kind: 'detail'; resampler: Resampler };

export interface ImagePreprocessor {
  readonly spec: PreprocessSpec;
  /** sha256 of the preprocessing definition; vectors are cached under it */
  readonly hash: string;
  preprocess(img: DecodedImage): Promise<Float32Array>;
  /**
   * When this preprocessor's input is the whole image reduced by sharp's bicubic: the size it is reduced to, so that
   * decoding and the reduction can run as one pipeline (fusedResize). Undefined when it needs the decoded image.
   */
  resizeTarget(width: number, height: number): { width: number; height: number } | undefined;
  /** The tensor from the image already reduced to resizeTarget's size (images without alpha only). */
  fromResized(resized: ResizedRgb): Float32Array;
}

/** The detail measure as a one-value "tensor". */
export function detailPreprocessor(resampler: Resampler): ImagePreprocessor {
  return {
    spec: { kind: 'detail', resampler },
    hash: detailHash(resampler),
    preprocess: async (image) => Float32Array.of(await detailOf(image, resampler)),
    resizeTarget: (width, height) => detailResizeTarget(width, height, resampler),
    fromResized: (resized) => Float32Array.of(detailOfResized(resized)),
  };
}

export function preprocessorFromSpec(spec: PreprocessSpec): ImagePreprocessor {
  switch (spec.kind) {
    case 'clip':
      return preprocessorFromParams(spec.params, spec);
    case 'wd-tagger':
      return taggerPreprocessor(spec.size, spec);
    case 'detail':
      return detailPreprocessor(spec.resampler);
  }
}

/** Bytes of one image's float32 tensor under this preprocessing. */
export function tensorBytes(spec: PreprocessSpec): number {
  switch (spec.kind) {
    case 'clip':
      return preprocessorFromParams(spec.params, spec).inputShape.reduce((a, b) => a * b, 4);
    case 'wd-tagger':
      return spec.size * spec.size * 3 * 4;
    case 'detail':
      return 4;
  }
}
