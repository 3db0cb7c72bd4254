/**
 * A random-weight CLIP in the Hugging Face export layout that `lora-eval score --clip` and transformers.js load:
 * the real model's config.json, tokenizer and preprocessor files, and onnx/vision_model.onnx + onnx/text_model.onnx
 * built from that config. Written once under the cache folder, named by a hash of everything it is made from, so
 * that a run reuses it and a change to the generator or the source files makes a new one.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { architectureFromConfig, type ClipArchitecture } from './clip-architecture.js';
import { buildTextModel, buildVisionModel } from './clip-onnx.js';

/** The real model's files copied into the folder; the ONNX files are generated. */
export const SOURCE_FILES = ['config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'];

const here = dirname(fileURLToPath(import.meta.url));
const GENERATOR_SOURCES = ['clip-onnx.ts', 'clip-architecture.ts', 'clip-folder.ts', '../../fixtures/lib/onnx-graph.ts'].map((f) => join(here, f));

export interface ClipFolder {
  dir: string;
  architecture: ClipArchitecture;
  /** true when this call wrote it, false when it was found in the cache */
  generated: boolean;
}

/** Names the files of `sourceDir` that are missing, or undefined when all are there. */
export function missingSourceFiles(sourceDir: string): string[] {
  return SOURCE_FILES.filter((f) => !existsSync(join(sourceDir, f)));
}

export function ensureClipFolder(sourceDir: string, cacheDir: string, log: (line: string) => void = () => undefined): ClipFolder {
  const missing = missingSourceFiles(sourceDir);
  if (missing.length) throw new Error(`${sourceDir}: missing ${missing.join(', ')} (the real CLIP ViT-B/32 tokenizer and config files)`);
  const key = createHash('sha256');
  for (const file of [...SOURCE_FILES.map((f) => join(sourceDir, f)), ...GENERATOR_SOURCES]) key.update(readFileSync(file)).update('\0');
  const configText = readFileSync(join(sourceDir, 'config.json'), 'utf8');
  const architecture = architectureFromConfig(JSON.parse(configText), join(sourceDir, 'config.json'));
  const dir = join(cacheDir, `clip-random-${key.digest('hex').slice(0, 16)}`);
  if (existsSync(join(dir, 'onnx', 'text_model.onnx'))) return { dir, architecture, generated: false };

  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(join(partial, 'onnx'), { recursive: true });
  for (const f of SOURCE_FILES) writeFileSync(join(partial, f), readFileSync(join(sourceDir, f)));
  log(`generating a random-weight CLIP from ${join(sourceDir, 'config.json')} into ${dir}`);
  writeFileSync(join(partial, 'onnx', 'vision_model.onnx'), buildVisionModel(architecture));
  writeFileSync(join(partial, 'onnx', 'text_model.onnx'), buildTextModel(architecture));
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  return { dir, architecture, generated: true };
}
