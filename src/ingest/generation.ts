/** What ingest reads from one image, whatever tool wrote it. */
import { tryParseSeed, type Seed } from '../sweep/seed.js';

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

/** One sampler node of a ComfyUI graph: a first pass, a hires or refiner pass, a split-step stage. */
export interface SamplerPass {
  node: string;
  type: string;
  seed?: Seed;
  steps?: number;
  cfg?: number;
  sampler?: string;
  denoise?: number;
  checkpoint?: string;
  width?: number;
  height?: number;
}

export interface GenerationInfo {
  source: MetadataSource;
  /** Positive prompt as written (LoRA tags included). */
  prompt: string;
  negativePrompt?: string;
  /** Canonical decimal seed; ComfyUI and Fooocus seeds can exceed 2^53. */
  seed?: Seed;
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
  /** Every sampler of a multi-pass graph (ComfyUI), in node order; the fields above are the saved image's pass. */
  passes?: SamplerPass[];
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

/**
 * A recorded seed as its canonical decimal string, or undefined when the value is not an integer.
 * Metadata JSON is read with parseJsonExact, so seeds beyond 2^53 arrive as bigint or digits, never rounded.
 */
export function seedString(value: unknown): Seed | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value).toString();
  return tryParseSeed(typeof value === 'string' ? value.trim() : value);
}
