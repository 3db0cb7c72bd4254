import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Files of a CLIP folder, besides the ONNX weights, whose bytes change the scores: tokenization and preprocessing. */
export const CLIP_SCORING_FILES = ['tokenizer.json', 'tokenizer_config.json', 'preprocessor_config.json', 'config.json'];
/** Files of a WD14 tagger folder, besides model.onnx, whose bytes change the scores: the tag list and its categories. */
export const TAGGER_SCORING_FILES = ['selected_tags.csv'];
/** Files of a DINOv2 folder, besides onnx/model.onnx: its preprocessing and hidden size. */
export const DINOV2_SCORING_FILES = ['preprocessor_config.json', 'config.json'];
/** Files of a CCIP model folder, besides its two ONNX files: the same-character threshold of character_match. */
export const CCIP_SCORING_FILES = ['metrics.json'];

/** The scoring files present in a model folder, to be pinned in models.lock.json beside the weights. */
export function scoringFilesIn(dir: string, names: string[]): string[] {
  return names.map((n) => join(dir, n)).filter((f) => existsSync(f));
}

/**
 * Where models.lock.json is when --lock is not given: beside the CLIP model folder (models/models.lock.json for
 * --clip models/clip-vit-b32), so the pins do not depend on the folder lora-eval is run from.
 */
export function defaultLockFile(clipDir: string): string {
  return join(clipDir, '..', 'models.lock.json');
}
