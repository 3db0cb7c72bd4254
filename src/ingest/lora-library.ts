/**
 * A folder of LoRA files (`--loras`): which base model each was trained on, read from the
 * sd-scripts training metadata in the safetensors header, and the hashes A1111 records for them.
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { UserError } from '../errors.js';
import { errorMessage, type IngestProblem } from './errors.js';
import { modelStem, sameLoraName } from './lora-tags.js';
import { loraShortHash } from './model-hashes.js';
import { readSafetensorsHeader } from './safetensors.js';

export interface LoraFile {
  path: string;
  /** File name without folder and extension: what `<lora:…>` and ComfyUI use. */
  name: string;
  /** ss_output_name, which A1111 can show as the alias. */
  alias?: string;
  /** Base model name from the training metadata (ss_sd_model_name, without folder and extension). */
  baseModel?: string;
  /** ss_base_model_version, e.g. "sd_v1" or "sdxl_base_v1-0". */
  baseModelVersion?: string;
  metadata: Record<string, string>;
}

/** The base a LoRA was trained on, as a factor level: the model name, else the architecture version. */
export function baseFromMetadata(metadata: Record<string, string>): { baseModel?: string; baseModelVersion?: string } {
  const name = metadata.ss_sd_model_name?.trim();
  const version = metadata.ss_base_model_version?.trim() || metadata['modelspec.architecture']?.trim();
  return { baseModel: name ? modelStem(name) : undefined, baseModelVersion: version || undefined };
}

function listSafetensors(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile() && entry.name.toLowerCase().endsWith('.safetensors')) out.push(p);
    }
  };
  walk(folder);
  return out.sort();
}

export class LoraLibrary {
  private readonly hashes = new Map<string, string>();

  private constructor(
    readonly folder: string,
    readonly files: LoraFile[],
    readonly problems: IngestProblem[],
  ) {}

  /** Reads the header of every .safetensors file under `folder`; unreadable files become problems. */
  static async scan(folder: string): Promise<LoraLibrary> {
    const files: LoraFile[] = [];
    const problems: IngestProblem[] = [];
    let paths: string[];
    try {
      paths = listSafetensors(folder);
    } catch (e) {
      throw new UserError(`--loras ${folder}: ${(e as Error).message}`);
    }
    for (const path of paths) {
      try {
        const header = await readSafetensorsHeader(path);
        const meta = header.metadata;
        files.push({ path, name: modelStem(path), alias: meta.ss_output_name || undefined, ...baseFromMetadata(meta), metadata: meta });
      } catch (e) {
        problems.push({ file: path, reason: errorMessage(e) });
      }
    }
    return new LoraLibrary(folder, files, problems);
  }

  /** Finds the file for a LoRA as an image names it: by file name, then alias, then (hashing lazily) by hash. */
  async find(name: string, hash?: string): Promise<LoraFile | undefined> {
    const byName = this.files.find((f) => sameLoraName(f.name, name)) ?? this.files.find((f) => f.alias && sameLoraName(f.alias, name));
    if (byName || !hash) return byName;
    const wanted = hash.toLowerCase();
    for (const f of this.files) {
      if ((await this.shortHash(f)).startsWith(wanted) || wanted.startsWith(await this.shortHash(f))) return f;
    }
    return undefined;
  }

  async shortHash(file: LoraFile): Promise<string> {
    let h = this.hashes.get(file.path);
    if (!h) {
      h = await loraShortHash(file.path);
      this.hashes.set(file.path, h);
    }
    return h;
  }

  describe(file: LoraFile): string {
    return relative(this.folder, file.path) || file.path;
  }
}
