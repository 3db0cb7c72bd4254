import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';

export interface ModelCard {
  id: string;
  kind: string;
  source: string;
  license: string;
  files: string[];
  variants?: string[];
  status?: string;
}

const HUB_PAGE = 'https://huggingface.co/';

/** models/registry.json of the installed package. */
export function registryFile(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'models', 'registry.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new UserError('models/registry.json not found beside the installed package');
    dir = parent;
  }
  return join(dir, 'models', 'registry.json');
}

export function readCards(file = registryFile()): ModelCard[] {
  return (JSON.parse(readFileSync(file, 'utf8')) as { models: ModelCard[] }).models;
}

/** "org/name" of a card whose source is a Hugging Face repository; undefined for models made locally. */
export function cardRepo(card: ModelCard): string | undefined {
  return card.source.startsWith(HUB_PAGE) ? card.source.slice(HUB_PAGE.length).replace(/\/+$/, '') : undefined;
}
