/**
 * Decode an image file once into 8-bit RGBA, the way the reference Python code sees it:
 * `ImageOps.exif_transpose(Image.open(p)).convert('RGBA')` with Pillow, except where Pillow's
 * convert() does not give the picture the file shows. Both model preprocessors (CLIP, WD tagger)
 * start from the DecodedImage this returns.
 *
 * Pillow semantics reproduced (checked byte for byte against Pillow in test/imaging):
 *  - EXIF orientation is applied; embedded ICC profiles of RGB and gray images are ignored
 *    (Pillow does not colour-manage them).
 *  - Grayscale, palette (with tRNS transparency), gray+alpha and 1-bit images expand to RGBA.
 *  - 16-bit RGB, RGBA and gray+alpha PNGs keep the high byte of each sample (Pillow's raw modes
 *    RGB;16B, RGBA;16B, LA;16B; libvips does the same).
 *  - Multi-frame GIF/WebP/TIFF: the first frame, as Image.open does.
 *  - Truncated data is an error (Pillow raises "image file is truncated"); libjpeg warnings that
 *    Pillow tolerates are tolerated too (failOn 'error').
 *
 * Deliberate differences from Pillow's convert(), where it would feed a model a different picture:
 *  - 16-bit grayscale: Pillow opens it as mode "I" and convert('RGB') clips each value at 255, so a
 *    full-range scan turns almost white. Here each sample keeps its high byte (v >> 8), like the
 *    other 16-bit layouts.
 *  - CMYK (JPEG or TIFF): Pillow's convert('RGB') ignores the profile and uses a naive formula
 *    (mean error 21 levels on the test images). Here CMYK is converted to sRGB through the embedded
 *    profile, or libvips' standard CMYK profile when there is none (or the embedded one is not a CMYK
 *    profile), with the perceptual intent: what `ImageCms.profileToProfile(im, profile, sRGB)` gives,
 *    within about one level on average. An embedded CMYK profile that lcms cannot use is refused
 *    rather than replaced. Adobe-style inverted CMYK JPEGs (APP14 marker) are read as Pillow reads them.
 */
import { readFile } from 'node:fs/promises';
import sharp, { type Metadata, type Sharp } from 'sharp';
import { ImageDecodeError } from './decode-error.js';

export interface DecodedImage {
  width: number;
  height: number;
  /**
   * RGBA, 8 bits per channel, row-major, width*height*4 bytes; alpha is 255 when hasAlpha is false.
   * With `channels: 3` (opaque images decoded with `opaqueAsRgb`): RGB, width*height*3 bytes.
   */
  data: Uint8Array;
  /** 4 (RGBA) when absent */
  channels?: 3 | 4;
  /** the source has an alpha channel or palette transparency */
  hasAlpha: boolean;
  /** container format as detected from the content: png, jpeg, webp, gif, tiff, heif */
  format: string;
}

export { ImageDecodeError, type ImageDecodeErrorCode } from './decode-error.js';

export interface DecodeOptions {
  /** Largest accepted width*height, checked from the header before decoding. Default 50 megapixels. */
  maxPixels?: number;
  /** Name used in errors when the input is a Buffer (for example the file it was read from). */
  path?: string;
  /**
   * How strict to be with damaged data: 'error' (default) rejects truncated and undecodable data
   * like Pillow does; 'warning' also rejects files that only trigger decoder warnings.
   */
  failOn?: 'error' | 'warning';
  /**
   * Decode images without transparency to packed RGB (`channels: 3`) instead of RGBA with an opaque alpha:
   * a quarter less memory, and resizing needs no premultiplication. The pixels are the same.
   */
  opaqueAsRgb?: boolean;
}

export const DEFAULT_MAX_PIXELS = 50_000_000;

/** Formats accepted: what Pillow opens by default and sharp decodes. heif only with AV1 (AVIF). */
const ACCEPTED_FORMATS = new Set(['png', 'jpeg', 'webp', 'gif', 'tiff', 'heif']);

/**
 * Version of the decoding semantics above. Preprocessing hashes include it, so cached
 * embeddings are invalidated when the pixels fed to a model would change.
 */
export const DECODE_SEMANTICS_VERSION = 2;

/** Throws a RangeError when `img` is not a well-formed DecodedImage (preprocessors call this). */
export function assertDecodedImage(img: DecodedImage): void {
  const channels = img?.channels ?? 4;
  const ok =
    img !== null &&
    typeof img === 'object' &&
    Number.isInteger(img.width) &&
    Number.isInteger(img.height) &&
    img.width > 0 &&
    img.height > 0 &&
    (channels === 4 || (channels === 3 && !img.hasAlpha)) &&
    img.data instanceof Uint8Array &&
    img.data.length === img.width * img.height * channels;
  if (!ok) {
    const size = img && typeof img === 'object' ? `${img.width}×${img.height}×${channels} with ${img.data?.length ?? 'no'} bytes` : String(img);
    throw new RangeError(`expected a decoded RGBA image (width*height*4 bytes) or opaque RGB image (width*height*3 bytes), got ${size}`);
  }
}

/** Channels per pixel of a DecodedImage's data. */
export function channelsOf(img: DecodedImage): 3 | 4 {
  return img.channels ?? 4;
}

export async function decodeImage(input: string | Buffer, opts: DecodeOptions = {}): Promise<DecodedImage> {
  checkMaxPixels(opts.maxPixels);
  const path = typeof input === 'string' ? input : (opts.path ?? '<buffer>');
  const header = await readImageHeader(typeof input === 'string' ? await readInput(input) : input, { ...opts, path });
  return decodeFromHeader(header, opts);
}

function checkMaxPixels(value: number | undefined): number {
  const maxPixels = value ?? DEFAULT_MAX_PIXELS;
  if (!(Number.isFinite(maxPixels) && maxPixels > 0)) {
    throw new RangeError(`decodeImage: maxPixels must be a positive number, got ${maxPixels}`);
  }
  return maxPixels;
}

/** What the header of an accepted image says, read without decoding pixels. */
export interface ImageHeader {
  path: string;
  bytes: Buffer;
  meta: Metadata;
  /** container format: png, jpeg, webp, gif, tiff, heif */
  format: string;
  /** width and height as stored (before EXIF orientation) */
  width: number;
  height: number;
  maxPixels: number;
  sniffed: string | undefined;
}

/**
 * Reads and checks an image's header: refuses empty files, unknown and unsupported formats, images over the pixel
 * limit and unsupported depths with the same errors decodeImage gives, before any pixel is decoded.
 */
export async function readImageHeader(bytes: Buffer, opts: DecodeOptions = {}): Promise<ImageHeader> {
  const maxPixels = checkMaxPixels(opts.maxPixels);
  const path = opts.path ?? '<buffer>';
  if (bytes.length === 0) throw new ImageDecodeError(path, 'not-an-image', 'not an image: the file is empty');

  // The header alone gives format, size and depth, so refusals cost no pixel decoding.
  const sniffed = sniffFormat(bytes);
  let meta: Metadata;
  try {
    meta = await sharp(bytes).metadata();
  } catch (err) {
    throw classifySharpError(path, err, sniffed, bytes);
  }

  const format = meta.format as string;
  if (!ACCEPTED_FORMATS.has(format) || (format === 'heif' && meta.compression !== 'av1')) {
    const name = format === 'heif' ? `heif (${meta.compression ?? 'unknown'} compression)` : format;
    throw new ImageDecodeError(path, 'unsupported-format', `unsupported image format: ${name}`);
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (!(width > 0 && height > 0)) throw new ImageDecodeError(path, 'corrupt', 'corrupt image header: no dimensions');
  if (width * height > maxPixels) {
    throw new ImageDecodeError(
      path,
      'too-large',
      `too large: ${width}×${height} = ${(width * height).toLocaleString('en-US')} pixels exceeds the limit of ${maxPixels.toLocaleString('en-US')}`,
    );
  }
  if (meta.depth !== 'uchar' && meta.depth !== 'ushort') {
    throw new ImageDecodeError(path, 'unsupported-format', `unsupported pixel depth: ${meta.depth} (8- and 16-bit images only)`);
  }
  return { path, bytes, meta, format, width, height, maxPixels, sniffed };
}

/** Width and height of the picture once EXIF orientation is applied. */
export function orientedSize(header: ImageHeader): { width: number; height: number } {
  const swap = (header.meta.orientation ?? 1) >= 5;
  return swap ? { width: header.height, height: header.width } : { width: header.width, height: header.height };
}

/** The sharp pipeline every decoding of an accepted image starts from (EXIF orientation applied). */
export function decodingPipeline(header: ImageHeader, opts: Pick<DecodeOptions, 'failOn'> = {}): Sharp {
  // sharp converts CMYK through the embedded profile, or its standard one when there is none or
  // when told to ignore it; other images keep their samples as they are, as Pillow does.
  const cmyk = header.meta.space === 'cmyk';
  return sharp(header.bytes, {
    failOn: opts.failOn ?? 'error',
    limitInputPixels: Math.max(1, Math.floor(header.maxPixels)),
    ignoreIcc: !cmyk,
    autoOrient: true,
  });
}

/** Turns a sharp failure while decoding pixels into the ImageDecodeError decodeImage would throw. */
export function decodeFailure(header: ImageHeader, err: unknown): ImageDecodeError {
  if (err instanceof ImageDecodeError) return err;
  return classifySharpError(header.path, err, header.sniffed, header.bytes);
}

/** Decodes the pixels of an image whose header readImageHeader accepted. */
export async function decodeFromHeader(header: ImageHeader, opts: DecodeOptions = {}): Promise<DecodedImage> {
  const { meta, format, path } = header;
  const pipeline = () => decodingPipeline(header, opts);
  const gray16 = meta.depth === 'ushort' && meta.channels === 1;
  const rgb = opts.opaqueAsRgb === true && meta.hasAlpha !== true;
  try {
    if (gray16) return await decodeGray16HighByte(pipeline(), format, rgb ? 3 : 4);
    const srgb = pipeline().toColourspace('srgb');
    const { data, info } = await (rgb ? srgb : srgb.ensureAlpha()).raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== (rgb ? 3 : 4)) {
      throw new ImageDecodeError(path, 'unsupported-format', `unsupported colour layout: ${meta.space} with ${meta.channels} channels`);
    }
    return { width: info.width, height: info.height, data: asUint8(data), hasAlpha: meta.hasAlpha === true, format, channels: rgb ? 3 : 4 };
  } catch (err) {
    throw decodeFailure(header, err);
  }
}

async function readInput(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ImageDecodeError(path, 'not-found', 'file not found', { cause: err });
    if (code === 'EISDIR') throw new ImageDecodeError(path, 'unreadable', 'is a directory, not an image file', { cause: err });
    if (code === 'EACCES' || code === 'EPERM') throw new ImageDecodeError(path, 'unreadable', 'permission denied', { cause: err });
    throw new ImageDecodeError(path, 'unreadable', `cannot read file (${code ?? (err as Error).message})`, { cause: err });
  }
}

/** 16-bit gray to RGBA (or RGB): each sample keeps its high byte, alpha is opaque. */
async function decodeGray16HighByte(pipeline: Sharp, format: string, channels: 3 | 4): Promise<DecodedImage> {
  // grey16 output keeps the 16-bit samples (the default sRGB output would first reduce them to 8 bits).
  const { data, info } = await pipeline.toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
  if (info.channels !== 1) throw new Error(`expected one 16-bit gray channel, got ${info.channels}`);
  const samples = new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2);
  const out = new Uint8Array(info.width * info.height * channels);
  for (let i = 0, o = 0; i < samples.length; i++, o += channels) {
    const v = samples[i] >> 8;
    out[o] = v;
    out[o + 1] = v;
    out[o + 2] = v;
    if (channels === 4) out[o + 3] = 255;
  }
  return { width: info.width, height: info.height, data: out, hasAlpha: false, format, channels };
}

function asUint8(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

function classifySharpError(path: string, err: unknown, sniffed: string | undefined, bytes: Buffer): ImageDecodeError {
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0].trim();
  if (/unsupported image format/i.test(message)) {
    if (sniffed && ACCEPTED_FORMATS.has(sniffed)) {
      return new ImageDecodeError(path, 'corrupt', `corrupt ${sniffed} file: the signature is there but the content cannot be read`, { cause: err });
    }
    if (sniffed) return new ImageDecodeError(path, 'unsupported-format', `unsupported image format: ${sniffed}`, { cause: err });
    return new ImageDecodeError(path, 'not-an-image', `not an image: unrecognised content ${describeStart(bytes)}`, { cause: err });
  }
  if (/pixel limit/i.test(message)) {
    return new ImageDecodeError(path, 'too-large', 'too large: exceeds the pixel limit', { cause: err });
  }
  if (/^VipsIcc/i.test(message)) {
    return new ImageDecodeError(path, 'corrupt', `unusable embedded ICC colour profile${detail(message)}`, { cause: err });
  }
  if (/corrupt header/i.test(message)) {
    return new ImageDecodeError(path, 'corrupt', `corrupt or truncated image header${detail(message)}`, { cause: err });
  }
  return new ImageDecodeError(path, 'corrupt', `truncated or corrupt image data${detail(message)}`, { cause: err });
}

function detail(message: string): string {
  const cleaned = message
    .replace(/^Input (file|buffer) (has|contains) /i, '')
    .replace(/^corrupt header:?\s*/i, '')
    .replace(/^VipsIcc:\s*/i, '')
    .replace(/:\s*$/, '');
  return cleaned ? ` (${cleaned})` : '';
}

function describeStart(bytes: Buffer): string {
  const head = bytes.subarray(0, 16);
  const printable = head.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127));
  if (printable) return `(starts with text "${head.toString('latin1').replace(/\s+/g, ' ').trim()}")`;
  return `(starts with bytes ${head.subarray(0, 8).toString('hex')})`;
}

/** Recognise image containers sharp may not decode, so the error can name them. */
function sniffFormat(b: Buffer): string | undefined {
  const ascii = (start: number, text: string) => b.length >= start + text.length && b.toString('latin1', start, start + text.length) === text;
  if (b.length >= 8 && b[0] === 0x89 && ascii(1, 'PNG')) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (ascii(0, 'GIF8')) return 'gif';
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'webp';
  if (ascii(0, 'II*\u0000') || ascii(0, 'MM\u0000*')) return 'tiff';
  if (ascii(0, 'BM') && b.length >= 26) return 'bmp';
  if (b.length >= 4 && b[0] === 0 && b[1] === 0 && (b[2] === 1 || b[2] === 2) && b[3] === 0) return b[2] === 1 ? 'ico' : 'cur';
  if (ascii(0, '8BPS')) return 'psd';
  if (ascii(0, 'qoif')) return 'qoi';
  if (ascii(4, 'ftyp')) return `heif/avif (${b.toString('latin1', 8, 12).trim()})`;
  if (ascii(0, '\u0000\u0000\u0000\u000cjP  ') || (b[0] === 0xff && b[1] === 0x4f && b[2] === 0xff && b[3] === 0x51)) return 'jpeg2000';
  if ((b[0] === 0xff && b[1] === 0x0a) || ascii(0, '\u0000\u0000\u0000\u000cJXL ')) return 'jpeg-xl';
  if (ascii(0, '%PDF')) return 'pdf';
  if (ascii(0, 'DDS ')) return 'dds';
  if (ascii(0, 'v/1\u0001')) return 'openexr';
  if (ascii(0, '#?RADIANCE') || ascii(0, '#?RGBE')) return 'radiance-hdr';
  if (/^P[1-7]\s/.test(b.toString('latin1', 0, 3))) return 'netpbm';
  return undefined;
}
