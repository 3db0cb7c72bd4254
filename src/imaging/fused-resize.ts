/**
 * Decoding and a model's bicubic reduction as one sharp pipeline, straight from the file's bytes: the same pixels as
 * decoding (decodeImage) and then resizing the decoded image (resizeLikePil), without the full-size image ever
 * reaching JavaScript. The pipeline applies the EXIF orientation and the transpose that makes libvips reduce
 * horizontally first, as Pillow does, before reducing (which also rules out libjpeg's and libwebp's shrink-on-load,
 * which would change the pixels).
 *
 * Only images whose decoding is a plain 8-bit read qualify (fusable): PNG, JPEG or WebP, 8 bits per sample, gray,
 * RGB or palette without transparency, one frame, not CMYK. sharp premultiplies alpha before resizing, and CMYK and
 * 16-bit images need their own decoding steps, so those take the two-step path.
 */
import { decodeFailure, decodingPipeline, type ImageHeader } from './decode.js';
import type { ResizedRgb } from './resize.js';

const FUSABLE_FORMATS = new Set(['png', 'jpeg', 'webp']);

export function fusable(header: ImageHeader): boolean {
  const { meta } = header;
  return (
    FUSABLE_FORMATS.has(header.format) &&
    meta.depth === 'uchar' &&
    meta.hasAlpha !== true &&
    meta.space !== 'cmyk' &&
    (meta.channels === 1 || meta.channels === 3) &&
    (meta.pages ?? 1) === 1
  );
}

/** The oriented image reduced to outWidth × outHeight, returned transposed (RGB), as resizeLikePil returns it. */
export async function fusedResize(header: ImageHeader, outWidth: number, outHeight: number): Promise<ResizedRgb> {
  if (!fusable(header)) throw new Error(`${header.path}: not an image that decodes in one pipeline (${header.format}, ${header.meta.space})`);
  try {
    const { data, info } = await decodingPipeline(header)
      // flip then rotate(90) is a transpose; sharp applies both, after the EXIF orientation, before resizing.
      .flip()
      .rotate(90)
      .resize(outHeight, outWidth, { kernel: 'cubic', fit: 'fill' })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width !== outHeight || info.height !== outWidth) {
      throw new Error(`expected ${outHeight}×${outWidth} RGB from sharp, got ${info.width}×${info.height}×${info.channels}`);
    }
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: outWidth, height: outHeight, channels: 3, transposed: true };
  } catch (err) {
    throw decodeFailure(header, err);
  }
}
