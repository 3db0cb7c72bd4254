/**
 * Writes the image files the generators write, byte by byte: PNG text chunks (tEXt, zTXt, iTXt,
 * before or after IDAT), JPEG APP1 EXIF and WebP EXIF chunks holding a UserComment.
 */
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { crc32 } from '../../../src/ingest/crc32.js';

/** Deterministic pseudo-random RGB pixels (xorshift), so every test image differs and compares exactly. */
export function noisePixels(width: number, height: number, seed: number, channels = 3): Buffer {
  const out = Buffer.alloc(width * height * channels);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < out.length; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s & 0xff;
  }
  return out;
}

export async function noisePng(width: number, height: number, seed: number): Promise<Buffer> {
  return sharp(noisePixels(width, height, seed), { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

export function pngChunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
  return Buffer.concat([head, body, crc]);
}

export type TextChunkSpec = { keyword: string; text: string; type?: 'tEXt' | 'zTXt' | 'iTXt' | 'iTXt-compressed'; afterImageData?: boolean };

export function textChunk(spec: TextChunkSpec): Buffer {
  const key = Buffer.from(spec.keyword, 'latin1');
  switch (spec.type ?? 'tEXt') {
    case 'tEXt':
      return pngChunk('tEXt', Buffer.concat([key, Buffer.from([0]), Buffer.from(spec.text, 'latin1')]));
    case 'zTXt':
      return pngChunk('zTXt', Buffer.concat([key, Buffer.from([0, 0]), deflateSync(Buffer.from(spec.text, 'latin1'))]));
    case 'iTXt':
      return pngChunk('iTXt', Buffer.concat([key, Buffer.from([0, 0, 0]), Buffer.from('en', 'latin1'), Buffer.from([0, 0]), Buffer.from(spec.text, 'utf8')]));
    case 'iTXt-compressed':
      return pngChunk('iTXt', Buffer.concat([key, Buffer.from([0, 1, 0, 0, 0]), deflateSync(Buffer.from(spec.text, 'utf8'))]));
  }
}

/** Splices text chunks into a PNG: after IHDR, or before IEND for `afterImageData`. */
export function withTextChunks(png: Buffer, chunks: TextChunkSpec[]): Buffer {
  const afterIhdr = 8 + 8 + png.readUInt32BE(8) + 4;
  const iend = png.length - 12;
  const before = chunks.filter((c) => !c.afterImageData).map(textChunk);
  const after = chunks.filter((c) => c.afterImageData).map(textChunk);
  return Buffer.concat([png.subarray(0, afterIhdr), ...before, png.subarray(afterIhdr, iend), ...after, png.subarray(iend)]);
}

export async function pngWithText(width: number, height: number, seed: number, chunks: TextChunkSpec[]): Promise<Buffer> {
  return withTextChunks(await noisePng(width, height, seed), chunks);
}

export type CommentCharset = 'ASCII' | 'UNICODE-BE' | 'UNICODE-LE' | 'UNICODE-BE-BOM' | 'JIS' | 'UNDEFINED';

/** EXIF UserComment bytes: 8-byte character code, then the text (JIS: bytes given as Shift_JIS). */
export function userCommentBytes(text: string | Buffer, charset: CommentCharset): Buffer {
  const body = typeof text === 'string' ? text : text;
  switch (charset) {
    case 'ASCII':
      return Buffer.concat([Buffer.from('ASCII\0\0\0', 'latin1'), Buffer.from(body as string, 'utf8')]);
    case 'UNDEFINED':
      return Buffer.concat([Buffer.alloc(8), Buffer.from(body as string, 'utf8')]);
    case 'JIS':
      return Buffer.concat([Buffer.from('JIS\0\0\0\0\0', 'latin1'), body as Buffer]);
    default: {
      const le = Buffer.from(body as string, 'utf16le');
      const bytes = charset === 'UNICODE-LE' ? le : Buffer.from(le).swap16();
      const bom = charset === 'UNICODE-BE-BOM' ? Buffer.from([0xfe, 0xff]) : Buffer.alloc(0);
      return Buffer.concat([Buffer.from('UNICODE\0', 'latin1'), bom, bytes]);
    }
  }
}

/** A TIFF/EXIF block (IFD0 → Exif IFD → UserComment, type UNDEFINED) in either byte order. */
export function exifBlock(userComment: Buffer, bigEndian = true): Buffer {
  const u16 = (v: number) => {
    const b = Buffer.alloc(2);
    if (bigEndian) b.writeUInt16BE(v);
    else b.writeUInt16LE(v);
    return b;
  };
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    if (bigEndian) b.writeUInt32BE(v);
    else b.writeUInt32LE(v);
    return b;
  };
  const header = Buffer.concat([Buffer.from(bigEndian ? 'MM' : 'II', 'latin1'), u16(42), u32(8)]);
  // IFD0 at 8: one entry (ExifIFD pointer 0x8769, LONG) → Exif IFD at 26.
  const ifd0 = Buffer.concat([u16(1), u16(0x8769), u16(4), u32(1), u32(26), u32(0)]);
  // Exif IFD at 26: one entry (UserComment 0x9286, UNDEFINED) → data at 44.
  const exifIfd = Buffer.concat([u16(1), u16(0x9286), u16(7), u32(userComment.length), u32(44), u32(0)]);
  return Buffer.concat([header, ifd0, exifIfd, userComment]);
}

export async function jpegWithUserComment(width: number, height: number, seed: number, userComment: Buffer, bigEndian = true): Promise<Buffer> {
  const jpeg = await sharp(noisePixels(width, height, seed), { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), exifBlock(userComment, bigEndian)]);
  const app1 = Buffer.concat([Buffer.from([0xff, 0xe1]), Buffer.from([(payload.length + 2) >> 8, (payload.length + 2) & 0xff]), payload]);
  return Buffer.concat([jpeg.subarray(0, 2), app1, jpeg.subarray(2)]);
}

function riffChunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.write(type, 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body, body.length % 2 ? Buffer.from([0]) : Buffer.alloc(0)]);
}

/** A WebP in the extended (VP8X) layout with an EXIF chunk, as piexif.insert writes A1111's WebP files. */
export async function webpWithUserComment(width: number, height: number, seed: number, userComment: Buffer, bigEndian = true): Promise<Buffer> {
  const simple = await sharp(noisePixels(width, height, seed), { raw: { width, height, channels: 3 } })
    .webp({ lossless: true })
    .toBuffer();
  const imageChunks = simple.subarray(12);
  const vp8x = Buffer.alloc(10);
  vp8x[0] = 0x08; // EXIF present
  vp8x.writeUIntLE(width - 1, 4, 3);
  vp8x.writeUIntLE(height - 1, 7, 3);
  const body = Buffer.concat([Buffer.from('WEBP', 'latin1'), riffChunk('VP8X', vp8x), imageChunks, riffChunk('EXIF', exifBlock(userComment, bigEndian))]);
  const head = Buffer.alloc(8);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body]);
}

/** A1111's infotext for one image, written out literally. */
export function a1111Infotext(o: {
  prompt: string;
  negative?: string;
  seed: number | string;
  model: string;
  modelHash?: string;
  size?: string;
  steps?: number;
  cfg?: number;
  clipSkip?: number;
  extra?: string;
}): string {
  const params = [
    `Steps: ${o.steps ?? 20}`,
    'Sampler: DPM++ 2M',
    'Schedule type: Karras',
    `CFG scale: ${o.cfg ?? 7}`,
    `Seed: ${o.seed}`,
    `Size: ${o.size ?? '64x48'}`,
    `Model hash: ${o.modelHash ?? '0123456789'}`,
    `Model: ${o.model}`,
    ...(o.clipSkip && o.clipSkip !== 1 ? [`Clip skip: ${o.clipSkip}`] : []),
    ...(o.extra ? [o.extra] : []),
    'Version: v1.10.1',
  ].join(', ');
  return `${o.prompt}\n${o.negative !== undefined ? `Negative prompt: ${o.negative}\n` : ''}${params}`;
}
