/**
 * Safetensors header: 8 bytes little-endian header length N, then N bytes of JSON
 * { "__metadata__": { string: string }, "<tensor>": { dtype, shape, data_offsets: [begin, end] } },
 * then the tensor data. Only the header is read; tensors never are.
 */
import { open } from 'node:fs/promises';
import { IngestFileError } from './errors.js';

/** The format allows 100 MB headers; real LoRA and checkpoint headers are well under 10 MB. */
export const DEFAULT_MAX_HEADER_BYTES = 100 * 1024 * 1024;

export interface TensorInfo {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export interface SafetensorsHeader {
  file: string;
  fileBytes: number;
  /** Length of the JSON header (N); tensor data starts at byte 8 + N. */
  headerBytes: number;
  /** `__metadata__`: training settings written by sd-scripts (ss_*) and modelspec.* keys. */
  metadata: Record<string, string>;
  tensors: Record<string, TensorInfo>;
}

export async function readSafetensorsHeader(file: string, options: { maxHeaderBytes?: number } = {}): Promise<SafetensorsHeader> {
  const maxHeaderBytes = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  const bad = (reason: string): never => {
    throw new IngestFileError(file, reason);
  };
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (e) {
    return bad(`cannot read: ${(e as Error).message}`);
  }
  try {
    const { size } = await handle.stat();
    if (size < 8) bad(`not a safetensors file: ${size} bytes, too short for the 8-byte header length`);
    const lengthBytes = Buffer.alloc(8);
    await handle.read(lengthBytes, 0, 8, 0);
    const length = lengthBytes.readBigUInt64LE(0);
    if (length > BigInt(maxHeaderBytes))
      bad(`safetensors header length ${length} bytes exceeds the limit of ${maxHeaderBytes} bytes (corrupt file or not safetensors)`);
    const headerBytes = Number(length);
    if (headerBytes < 2) bad(`safetensors header length ${headerBytes} is too small for a JSON object`);
    if (8 + headerBytes > size) bad(`safetensors header length ${headerBytes} runs past the end of the ${size}-byte file (truncated?)`);
    const header = Buffer.alloc(headerBytes);
    await handle.read(header, 0, headerBytes, 8);
    let json: unknown;
    try {
      json = JSON.parse(header.toString('utf8'));
    } catch (e) {
      return bad(`safetensors header is not valid JSON: ${(e as Error).message}`);
    }
    if (!json || typeof json !== 'object' || Array.isArray(json)) return bad('safetensors header must be a JSON object');
    const dataBytes = size - 8 - headerBytes;
    const metadata: Record<string, string> = {};
    const tensors: Record<string, TensorInfo> = {};
    for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
      if (key === '__metadata__') {
        if (!value || typeof value !== 'object' || Array.isArray(value)) bad('"__metadata__" must be an object of strings');
        for (const [mk, mv] of Object.entries(value as Record<string, unknown>)) {
          if (typeof mv !== 'string') bad(`"__metadata__.${mk}" must be a string, got ${typeof mv}`);
          metadata[mk] = mv as string;
        }
        continue;
      }
      const t = value as Partial<TensorInfo> | null;
      const offsets = t?.data_offsets;
      if (!t || typeof t.dtype !== 'string' || !Array.isArray(t.shape) || !Array.isArray(offsets) || offsets.length !== 2) {
        bad(`tensor "${key}" must have dtype, shape and data_offsets [begin, end]`);
      }
      const [begin, end] = offsets as [number, number];
      if (!(Number.isInteger(begin) && Number.isInteger(end) && 0 <= begin && begin <= end && end <= dataBytes)) {
        bad(`tensor "${key}" data_offsets [${begin}, ${end}] fall outside the ${dataBytes} bytes of tensor data`);
      }
      tensors[key] = { dtype: t!.dtype!, shape: t!.shape!, data_offsets: [begin, end] };
    }
    return { file, fileBytes: size, headerBytes, metadata, tensors };
  } finally {
    await handle.close();
  }
}
