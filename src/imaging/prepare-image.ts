/**
 * From an image file's bytes to the input tensor of every model that needs it, decoding the pixels once.
 */
import { decodeFromHeader, orientedSize, readImageHeader, type DecodeOptions } from './decode.js';
import { fusable, fusedResize } from './fused-resize.js';
import type { ImagePreprocessor } from './preprocess-spec.js';

export interface PrepareOptions extends Pick<DecodeOptions, 'path' | 'maxPixels'> {
  /** 'auto' (default): fuse decoding with the one reduction an image needs when it can; 'never': always decode first. */
  fuse?: 'auto' | 'never';
}

/**
 * The tensors of `preprocessors` for one image, at the same positions (undefined where no preprocessor is given).
 * Throws ImageDecodeError for files that cannot be decoded or are refused by their header.
 *
 * An image that only one preprocessor needs, when that one only reduces the whole image, is decoded and reduced in
 * one sharp pipeline (fusedResize). Otherwise it is decoded once and each preprocessor starts from the pixels:
 * decoding is the larger cost, so one decoding shared beats one fused pipeline per model.
 */
export async function preprocessImage(
  bytes: Buffer,
  preprocessors: (ImagePreprocessor | undefined)[],
  opts: PrepareOptions = {},
): Promise<(Float32Array | undefined)[]> {
  const header = await readImageHeader(bytes, opts);
  const wanted = preprocessors.filter((p) => p !== undefined);
  if (wanted.length === 1 && opts.fuse !== 'never' && fusable(header)) {
    const { width, height } = orientedSize(header);
    const target = wanted[0].resizeTarget(width, height);
    if (target) {
      const tensor = wanted[0].fromResized(await fusedResize(header, target.width, target.height));
      return preprocessors.map((p) => (p ? tensor : undefined));
    }
  }
  const decoded = await decodeFromHeader(header, { opaqueAsRgb: true });
  const tensors: (Float32Array | undefined)[] = [];
  for (const p of preprocessors) tensors.push(p ? await p.preprocess(decoded) : undefined);
  return tensors;
}
