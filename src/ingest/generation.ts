/** What ingest reads from one image, whatever tool wrote it. */

export type MetadataSource = 'a1111' | 'comfyui' | 'sd-scripts' | 'fooocus' | 'invokeai' | 'novelai';

export interface LoraUse {
  /** Name as the tool recorded it (a prompt alias or a file name). */
  name: string;
  /** UNet / model multiplier: the sweep's weight. */
  weight: number;
  /** Text-encoder / CLIP multiplier, when recorded apart. */
  clipWeight?: number;
  /** Hash the tool recorded (A1111 "Lora hashes": first 12 hex of the addnet hash). */
  hash?: string;
  /** Where it was found. */
  via: 'prompt-tag' | 'loader-node' | 'metadata-list';
}

export interface GenerationInfo {
  source: MetadataSource;
  /** Positive prompt as written (LoRA tags included). */
  prompt: string;
  negativePrompt?: string;
  /** Exact decimal seed; ComfyUI and Fooocus seeds can exceed 2^53. */
  seed?: string;
  steps?: number;
  cfg?: number;
  sampler?: string;
  scheduler?: string;
  width?: number;
  height?: number;
  /** Checkpoint (model) name as recorded, e.g. "anything-v4.5" or "Anything-V3.0.ckpt". */
  checkpoint?: string;
  checkpointHash?: string;
  clipSkip?: number;
  loras: LoraUse[];
  /** Every key/value read, for `inspect meta` and for extra factors. */
  params: Record<string, string>;
  /** Things a user should know (several samplers in a graph, a multiplier that is not a number…). */
  warnings: string[];
}

export function numberOrUndefined(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  return Number.isFinite(n) ? n : undefined;
}

/** A seed as an exact decimal string, or undefined when the value is not an integer. */
export function seedString(value: unknown): string | undefined {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isInteger(value) ? (Number.isSafeInteger(value) ? String(value) : BigInt(value).toString()) : undefined;
  if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return BigInt(value.trim()).toString();
  return undefined;
}
