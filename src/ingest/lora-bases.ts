/** The base model of each LoRA in a sweep: --base-of first, then the LoRA file's training metadata, else the LoRA's own name. */
import type { LoraLibrary } from './lora-library.js';
import { sameLoraName } from './lora-tags.js';

export async function resolveBases(
  placed: { lora?: string; loraHash?: string }[],
  baseOf: [string, string][],
  library: LoraLibrary | undefined,
): Promise<{ baseOfLora: Map<string, string>; notes: string[] }> {
  const baseOfLora = new Map<string, string>();
  const notes: string[] = [];
  const unknown: string[] = [];
  for (const name of [...new Set(placed.filter((p) => p.lora).map((p) => p.lora!))]) {
    const given = baseOf.find(([lora]) => sameLoraName(lora, name));
    if (given) {
      baseOfLora.set(name, given[1]);
      continue;
    }
    const hash = placed.find((p) => p.lora === name && p.loraHash)?.loraHash;
    const file = library ? await library.find(name, hash) : undefined;
    const base = file?.baseModel ?? file?.baseModelVersion;
    if (file && base) {
      baseOfLora.set(name, base);
      notes.push(`base of LoRA ${name}: ${base} (from ${file.baseModel ? 'ss_sd_model_name' : 'ss_base_model_version'} in ${library!.describe(file)})`);
    } else {
      baseOfLora.set(name, name);
      unknown.push(name);
    }
  }
  if (unknown.length) {
    notes.push(
      `base model unknown for LoRA ${unknown.join(', ')}: the LoRA name is used as its base level; give --base-of ${unknown[0]}=<base> or --loras <folder with the .safetensors files>`,
    );
  }
  return { baseOfLora, notes };
}
