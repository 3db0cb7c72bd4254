import { detailPreprocessor } from '../imaging/preprocess-spec.js';
import type { Resampler } from '../imaging/resize.js';
import type { ImageEncoder } from './image-encoder.js';

/** Model column of the detail metric's rows. */
export const DETAIL_MODEL = `detail-v1`;

/**
 * The detail measure as a pipeline stage: computed from the image decoded once for every model, and cached in
 * the store under a hash of its definition like any model's vectors.
 */
export function detailEncoder(resampler: Resampler = 'fast'): ImageEncoder {
  const preprocessor = detailPreprocessor(resampler);
  return {
    kind: 'pixels',
    model: DETAIL_MODEL,
    modelSha: preprocessor.hash,
    prepHash: preprocessor.hash,
    maxBatch: 256,
    preprocessing: preprocessor.spec,
    preprocess: (image) => preprocessor.preprocess(image),
    encode: async (batch) => batch,
  };
}
