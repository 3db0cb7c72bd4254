/**
 * The model hashes users see in infotexts, streamed so that multi-gigabyte checkpoints never sit in memory.
 * - A1111 "Model hash": first 10 hex of the SHA-256 of the whole file.
 * - A1111 "Lora hashes" / sd-scripts ss_new_sd_model_hash for LoRAs: the "addnet" hash, SHA-256 of the
 *   bytes after the safetensors header (so editing metadata keeps it), shown as its first 12 hex.
 * - The legacy A1111 hash (8 hex): SHA-256 of the 64 KiB at offset 1 MiB.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { IngestFileError } from './errors.js';

const CHUNK = 1 << 20;

/** SHA-256 (hex) of a file from byte `start` to the end, streamed in 1 MiB reads. */
export async function sha256OfFile(file: string, start = 0): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file, { start, highWaterMark: CHUNK })) hash.update(chunk as Buffer);
  } catch (e) {
    throw new IngestFileError(file, `cannot read for hashing: ${(e as Error).message}`);
  }
  return hash.digest('hex');
}

/** A1111's checkpoint shorthash ("Model hash: c0d1994c73"). */
export async function a1111ModelHash(file: string): Promise<string> {
  return (await sha256OfFile(file)).slice(0, 10);
}

/** The full addnet hash of a safetensors file: SHA-256 of everything after the header. */
export async function addnetHash(file: string): Promise<string> {
  const handle = await open(file, 'r').catch((e: Error) => {
    throw new IngestFileError(file, `cannot read: ${e.message}`);
  });
  let offset: bigint;
  let size: number;
  try {
    size = (await handle.stat()).size;
    const head = Buffer.alloc(8);
    const { bytesRead } = await handle.read(head, 0, 8, 0);
    if (bytesRead < 8) throw new IngestFileError(file, 'not a safetensors file: shorter than the 8-byte header length');
    offset = head.readBigUInt64LE(0) + 8n;
  } finally {
    await handle.close();
  }
  if (offset > BigInt(size)) throw new IngestFileError(file, `safetensors header length runs past the end of the ${size}-byte file`);
  return sha256OfFile(file, Number(offset));
}

/** What A1111 writes in "Lora hashes" for a safetensors LoRA. */
export async function loraShortHash(file: string): Promise<string> {
  return (await addnetHash(file)).slice(0, 12);
}

/** The pre-2023 A1111 model hash ("Model hash: 45dee52b"). */
export async function legacyModelHash(file: string): Promise<string> {
  const handle = await open(file, 'r').catch((e: Error) => {
    throw new IngestFileError(file, `cannot read: ${e.message}`);
  });
  try {
    const buf = Buffer.alloc(0x10000);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0x100000);
    return createHash('sha256').update(buf.subarray(0, bytesRead)).digest('hex').slice(0, 8);
  } finally {
    await handle.close();
  }
}
