import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { cardFiles, loaderFiles, type ModelName } from './model-name.js';

// Kept apart from the Hub client, so that scoring with a model already in the cache does not load it.

function listTree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((rel) => existsSync(join(dir, rel)) && statSync(join(dir, rel)).isFile())
    .map((rel) => rel.split(sep).join('/'));
}

/** Files of a model in a cache snapshot, or what is missing. */
export function filesInSnapshot(model: ModelName, snapshot: string, variant?: string): { files?: string[]; missing: string[] } {
  const wanted = model.card ? cardFiles(model.card, variant) : loaderFiles(listTree(snapshot), variant)?.files;
  if (!wanted) return { missing: ['the files lora-eval reads'] };
  return { files: wanted, missing: wanted.filter((f) => !existsSync(join(snapshot, f))) };
}
