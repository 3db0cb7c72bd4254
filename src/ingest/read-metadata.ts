/**
 * readImageMetadata: which tool made an image and with what settings, from the image file alone.
 * PNG: text chunks (A1111 `parameters`, ComfyUI `prompt`, sd-scripts keys, Fooocus, InvokeAI,
 * NovelAI), then eXIf, then A1111 "stealth" alpha-channel text. JPEG and WebP: EXIF UserComment.
 */
import { open, stat } from 'node:fs/promises';
import sharp from 'sharp';
import { IngestFileError } from './errors.js';
import { readExifComment } from './exif-user-comment.js';
import type { GenerationInfo } from './generation.js';
import { parseInfotext, type Infotext } from './infotext.js';
import { generationFromInfotext, isGridInfotext } from './read-a1111.js';
import { generationFromComfyPrompt } from './read-comfyui.js';
import {
  generationFromFooocus,
  generationFromInvokeAi,
  generationFromInvokeAiDream,
  generationFromInvokeAiLegacy,
  generationFromNovelAi,
} from './read-other-tools.js';
import { generationFromSdScripts, looksLikeSdScripts } from './read-sd-scripts.js';
import { isPng, scanPngChunks, type PngTextChunk } from './png-text.js';
import { readStealthText } from './stealth-png.js';

export type ImageFormat = 'png' | 'jpeg' | 'webp';

/** Images larger than this are refused before reading (a grid of 64 4K cells is ~200 MB as PNG). */
export const MAX_IMAGE_FILE_BYTES = 1024 * 1024 * 1024;

export interface ImageMetadata {
  file: string;
  format: ImageFormat;
  width?: number;
  height?: number;
  /** Where the generation data was found, e.g. "PNG tEXt parameters" or "EXIF UserComment (UNICODE-BE)". */
  carrier: string;
  generation: GenerationInfo;
  /** The A1111 infotext as parsed, when the data is one. */
  infotext?: Infotext;
  /** True for an A1111 X/Y/Z plot grid: many generations in one image. */
  isGrid: boolean;
  /** Every PNG text chunk, as found. */
  texts: PngTextChunk[];
  warnings: string[];
}

export function detectFormat(head: Uint8Array): ImageFormat | undefined {
  if (isPng(head)) return 'png';
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head.length >= 12 && Buffer.from(head.subarray(0, 4)).toString('latin1') === 'RIFF' && Buffer.from(head.subarray(8, 12)).toString('latin1') === 'WEBP')
    return 'webp';
  return undefined;
}

async function readBounded(file: string): Promise<Buffer> {
  let size: number;
  try {
    const s = await stat(file);
    if (!s.isFile()) throw new IngestFileError(file, 'not a regular file');
    size = s.size;
  } catch (e) {
    if (e instanceof IngestFileError) throw e;
    throw new IngestFileError(file, `cannot read: ${(e as Error).message}`);
  }
  if (size === 0) throw new IngestFileError(file, 'empty file (0 bytes)');
  if (size > MAX_IMAGE_FILE_BYTES) throw new IngestFileError(file, `file is ${size} bytes, over the ${MAX_IMAGE_FILE_BYTES}-byte limit for an image`);
  const handle = await open(file, 'r');
  try {
    const data = Buffer.alloc(size);
    const { bytesRead } = await handle.read(data, 0, size, 0);
    return data.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function fromInfotext(text: string, carrier: string): Pick<ImageMetadata, 'generation' | 'infotext' | 'isGrid' | 'carrier'> {
  const infotext = parseInfotext(text);
  return { generation: generationFromInfotext(infotext), infotext, isGrid: isGridInfotext(infotext), carrier };
}

function isJsonObject(text: string): boolean {
  return /^\s*\{/.test(text);
}

function fromPngTexts(
  texts: PngTextChunk[],
  warnings: string[],
  imageSize?: [number, number],
): Pick<ImageMetadata, 'generation' | 'infotext' | 'isGrid' | 'carrier'> | undefined {
  const byKey = new Map<string, string>();
  const chunkOf = new Map<string, PngTextChunk>();
  for (const t of texts) {
    if (byKey.has(t.keyword)) {
      warnings.push(`PNG has more than one "${t.keyword}" text chunk; the first is used`);
      continue;
    }
    byKey.set(t.keyword, t.text);
    chunkOf.set(t.keyword, t);
  }
  const where = (key: string) => `PNG ${chunkOf.get(key)!.type} ${key}${chunkOf.get(key)!.afterImageData ? ' (after the image data)' : ''}`;
  const parameters = byKey.get('parameters');
  if (parameters !== undefined) {
    if (isJsonObject(parameters) && (byKey.get('fooocus_scheme') === 'fooocus' || /"metadata_scheme"\s*:\s*"fooocus"/.test(parameters))) {
      return { generation: generationFromFooocus(parameters), isGrid: false, carrier: where('parameters') };
    }
    return fromInfotext(parameters, where('parameters'));
  }
  const prompt = byKey.get('prompt');
  if (prompt !== undefined && isJsonObject(prompt))
    return { generation: generationFromComfyPrompt(prompt, imageSize), isGrid: false, carrier: where('prompt') };
  if (looksLikeSdScripts(byKey)) return { generation: generationFromSdScripts(byKey), isGrid: false, carrier: 'PNG text (sd-scripts keys)' };
  const invoke = byKey.get('invokeai_metadata');
  if (invoke !== undefined) return { generation: generationFromInvokeAi(invoke), isGrid: false, carrier: where('invokeai_metadata') };
  const invokeLegacy = byKey.get('sd-metadata');
  if (invokeLegacy !== undefined) return { generation: generationFromInvokeAiLegacy(invokeLegacy), isGrid: false, carrier: where('sd-metadata') };
  const dream = byKey.get('Dream');
  if (dream !== undefined) return { generation: generationFromInvokeAiDream(dream), isGrid: false, carrier: where('Dream') };
  if (byKey.get('Software') === 'NovelAI' || (byKey.has('Description') && isJsonObject(byKey.get('Comment') ?? ''))) {
    return { generation: generationFromNovelAi(byKey), isGrid: false, carrier: 'PNG text (NovelAI Description/Comment)' };
  }
  return undefined;
}

function describeTexts(texts: PngTextChunk[]): string {
  return texts.length ? `text chunks found: ${[...new Set(texts.map((t) => t.keyword))].join(', ')}` : 'no text chunks';
}

/**
 * Reads the generation metadata of one PNG, JPEG or WebP file.
 * Throws IngestFileError naming the file and the reason when there is none or it cannot be read.
 */
export async function readImageMetadata(file: string): Promise<ImageMetadata> {
  const data = await readBounded(file);
  const format = detectFormat(data);
  if (!format) throw new IngestFileError(file, 'not a PNG, JPEG or WebP file (unknown signature)');
  const warnings: string[] = [];
  const fail = (reason: string): never => {
    throw new IngestFileError(file, reason);
  };
  try {
    if (format === 'png') {
      const scan = scanPngChunks(data);
      warnings.push(...scan.warnings);
      let found = fromPngTexts(scan.texts, warnings, scan.width && scan.height ? [scan.width, scan.height] : undefined);
      if (!found && scan.exif) {
        const comment = readExifComment(scan.exif);
        if (comment?.text) found = fromInfotext(comment.text, `PNG eXIf UserComment (${comment.charset})`);
      }
      if (!found && scan.width && scan.height) {
        const hidden = await readStealthText(data).catch((e: Error) => {
          warnings.push(`stealth text: ${e.message}`);
          return undefined;
        });
        if (hidden) found = fromInfotext(hidden, 'PNG alpha-channel stealth text');
      }
      if (!found) {
        if (scan.texts.some((t) => t.keyword === 'workflow'))
          fail('ComfyUI workflow (UI graph) without the "prompt" API graph: generation settings cannot be read from it');
        fail(`no generation metadata (${describeTexts(scan.texts)})`);
      }
      return { file, format, width: scan.width, height: scan.height, texts: scan.texts, warnings: [...warnings, ...found!.generation.warnings], ...found! };
    }
    const meta = await sharp(data).metadata();
    const comment = readExifComment(data);
    if (!comment?.text) fail(`no generation metadata (${meta.exif ? 'EXIF without UserComment' : 'no EXIF block'})`);
    const text = comment!.text;
    const found =
      isJsonObject(text) && /"metadata_scheme"\s*:\s*"fooocus"/.test(text)
        ? { generation: generationFromFooocus(text), isGrid: false, carrier: `EXIF UserComment (${comment!.charset})` }
        : fromInfotext(text, `EXIF UserComment (${comment!.charset})`);
    return { file, format, width: meta.width, height: meta.height, texts: [], warnings: [...warnings, ...found.generation.warnings], ...found };
  } catch (e) {
    if (e instanceof IngestFileError) throw e;
    fail(`unreadable ${format.toUpperCase()}: ${(e as Error).message}`);
    throw e;
  }
}
