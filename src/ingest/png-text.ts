/**
 * PNG text chunks (tEXt, zTXt, iTXt), read straight from the chunk stream.
 *
 * libvips (and so sharp's `metadata().comments`) only reports text chunks that come before the
 * image data and skips zTXt in that position, but generators also write them after IDAT; reading
 * the chunks ourselves sees every one of them.
 */
import { inflateSync } from 'node:zlib';
import { crc32 } from './crc32.js';

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Upper bound for one decompressed text chunk; infotexts and ComfyUI graphs are far smaller. */
export const MAX_TEXT_CHUNK_BYTES = 32 * 1024 * 1024;

export type PngTextChunkType = 'tEXt' | 'zTXt' | 'iTXt';

export interface PngTextChunk {
  type: PngTextChunkType;
  keyword: string;
  text: string;
  /** true when the chunk comes after the image data (IDAT). */
  afterImageData: boolean;
}

export interface PngChunkScan {
  width?: number;
  height?: number;
  texts: PngTextChunk[];
  /** Raw payload of an eXIf chunk, when present. */
  exif?: Buffer;
  /** Problems that did not stop the scan (bad CRC, truncated file, undecodable chunk). */
  warnings: string[];
}

export function isPng(data: Uint8Array): boolean {
  return data.length >= 8 && PNG_SIGNATURE.equals(Buffer.from(data.buffer, data.byteOffset, 8));
}

function latin1(bytes: Buffer): string {
  return bytes.toString('latin1');
}

function inflateBounded(data: Buffer): Buffer {
  return inflateSync(data, { maxOutputLength: MAX_TEXT_CHUNK_BYTES });
}

function decodeTextChunk(type: PngTextChunkType, data: Buffer): { keyword: string; text: string } {
  const nul = data.indexOf(0);
  if (nul < 1 || nul > 79) throw new Error('keyword must be 1-79 bytes followed by a NUL byte');
  const keyword = latin1(data.subarray(0, nul));
  if (type === 'tEXt') return { keyword, text: latin1(data.subarray(nul + 1)) };
  if (type === 'zTXt') {
    const method = data[nul + 1];
    if (method !== 0) throw new Error(`unknown compression method ${method}`);
    return { keyword, text: latin1(inflateBounded(data.subarray(nul + 2))) };
  }
  // iTXt: keyword \0 compression-flag compression-method language \0 translated-keyword \0 text
  const compressed = data[nul + 1] === 1;
  const method = data[nul + 2];
  const langEnd = data.indexOf(0, nul + 3);
  if (langEnd < 0) throw new Error('language tag is not NUL-terminated');
  const translatedEnd = data.indexOf(0, langEnd + 1);
  if (translatedEnd < 0) throw new Error('translated keyword is not NUL-terminated');
  let body = data.subarray(translatedEnd + 1);
  if (compressed) {
    if (method !== 0) throw new Error(`unknown compression method ${method}`);
    body = inflateBounded(body);
  }
  return { keyword, text: body.toString('utf8') };
}

/**
 * Lists the text chunks of a PNG held in memory. Damaged chunks are reported in `warnings`
 * and skipped; a file that is not a PNG throws.
 */
export function scanPngChunks(data: Buffer): PngChunkScan {
  if (!isPng(data)) throw new Error('not a PNG file (bad signature)');
  const scan: PngChunkScan = { texts: [], warnings: [] };
  let pos = 8;
  let seenImageData = false;
  while (pos < data.length) {
    if (pos + 8 > data.length) {
      scan.warnings.push(`truncated chunk header at byte ${pos}`);
      break;
    }
    const length = data.readUInt32BE(pos);
    const type = data.toString('latin1', pos + 4, pos + 8);
    const start = pos + 8;
    const end = start + length;
    if (end + 4 > data.length) {
      scan.warnings.push(`chunk ${JSON.stringify(type)} at byte ${pos} runs past the end of the file (truncated)`);
      break;
    }
    const body = data.subarray(start, end);
    const storedCrc = data.readUInt32BE(end);
    if (crc32(data.subarray(pos + 4, end)) !== storedCrc) scan.warnings.push(`chunk ${type} at byte ${pos} has a bad CRC`);
    if (type === 'IHDR' && length >= 8) {
      scan.width = body.readUInt32BE(0);
      scan.height = body.readUInt32BE(4);
    } else if (type === 'IDAT') {
      seenImageData = true;
    } else if (type === 'eXIf') {
      scan.exif = Buffer.from(body);
    } else if (type === 'tEXt' || type === 'zTXt' || type === 'iTXt') {
      try {
        const { keyword, text } = decodeTextChunk(type, body);
        scan.texts.push({ type, keyword, text, afterImageData: seenImageData });
      } catch (e) {
        scan.warnings.push(`${type} chunk at byte ${pos}: ${(e as Error).message}`);
      }
    }
    pos = end + 4;
    if (type === 'IEND') break;
  }
  return scan;
}

function chunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
  return Buffer.concat([head, body, crc]);
}

/** A text chunk as A1111 (Pillow) writes it: tEXt when the text is Latin-1, else uncompressed iTXt. */
export function encodeTextChunk(keyword: string, text: string): Buffer {
  if (!/^[\x20-\x7e\xa1-\xff]{1,79}$/.test(keyword)) throw new Error(`invalid PNG text keyword ${JSON.stringify(keyword)}`);
  const isLatin1 = /^[\x00-\xff]*$/.test(text);
  if (isLatin1) return chunk('tEXt', Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0]), Buffer.from(text, 'latin1')]));
  return chunk('iTXt', Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0, 0, 0, 0, 0]), Buffer.from(text, 'utf8')]));
}

/** Returns a copy of `png` with the given text chunks inserted right after IHDR. */
export function insertPngTextChunks(png: Buffer, entries: { keyword: string; text: string }[]): Buffer {
  if (!isPng(png)) throw new Error('not a PNG file (bad signature)');
  const ihdrLength = png.readUInt32BE(8);
  const afterIhdr = 8 + 8 + ihdrLength + 4;
  return Buffer.concat([png.subarray(0, afterIhdr), ...entries.map((e) => encodeTextChunk(e.keyword, e.text)), png.subarray(afterIhdr)]);
}
