/**
 * From an image file's bytes to the input tensor of every model that needs it, decoding the pixels once.
 */
import { decodeFromHeader, readImageHeader, type DecodeOptions } from './decode.js';
import type { ImagePreprocessor } from './preprocess-spec.js';

/**
 * The tensors of `preprocessors` for one image, at the same positions (undefined where no preprocessor is given).
 * Throws ImageDecodeError for files that cannot be decoded or are refused by their header.
 */
export async function preprocessImage(
  bytes: Buffer,
  preprocessors: (ImagePreprocessor | undefined)[],
  opts: Pick<DecodeOptions, 'path' | 'maxPixels'> = {},
): Promise<(Float32Array | undefined)[]> {
  const header = await readImageHeader(bytes, opts);
  const decoded = await decodeFromHeader(header, { opaqueAsRgb: true });
  const tensors: (Float32Array | undefined)[] = [];
  for (const p of preprocessors) tensors.push(p ? await p.preprocess(decoded) : undefined);
  return tensors;
}
