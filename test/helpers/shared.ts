import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** The shared data folder beside the repository (absent in a user's fresh clone). */
export const SHARED_DATA = resolve(__dirname, '../../../shared/data');
export const CLIP_TOKENIZER_DIR = resolve(SHARED_DATA, 'clip-vit-b32-tokenizer');
export const REAL_METADATA_DIR = resolve(SHARED_DATA, 'real-metadata');

/** Whether a shared path is missing; tests that need it skip, naming it. In CI it must be present. */
export function missingShared(path: string): boolean {
  const missing = !existsSync(path);
  if (missing && process.env.CI) throw new Error(`${path} is required in CI but missing`);
  if (missing) console.warn(`skipping: ${path} not found (shared test data lives beside the repository)`);
  return missing;
}
