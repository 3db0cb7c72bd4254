import { UserError } from './errors.js';

/** Help of the model options, shared by every command that takes them so that each reads the same. */
export const MODEL_OPTION_HELP = {
  clip:
    'CLIP model: a folder in the Hugging Face export layout (onnx/vision_model.onnx + onnx/text_model.onnx, or onnx/model.onnx), ' +
    'or a card id / org/name[@revision] pulled with lora-eval models pull',
  tagger: 'WD14 tagger: a folder (model.onnx + selected_tags.csv) or a card id / org/name[@revision]; adds concept_detection and prompt_tag_fidelity',
  encoder:
    'DINOv2 image encoder: a folder (onnx/model.onnx + preprocessor_config.json) or a card id such as dinov2-small; adds concept_similarity with its CLS embedding (model column: the encoder)',
  ccip: 'CCIP character model: a folder in the deepghs/ccip_onnx layout (model_feat.onnx, model_metrics.onnx, metrics.json) or the card id ccip; adds character_similarity and character_match',
} as const;

export const MAX_PIXELS_HELP = 'largest width × height decoded; larger images fail (default: 50000000)';
export const EXACT_RESIZE_HELP = 'resize with the exact port of PIL (bit-identical to the reference preprocessing, 2–4× slower) instead of sharp';

/** --max-pixels as a number, or undefined for the default; anything but a positive integer is refused. */
export function parseMaxPixels(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`--max-pixels must be a positive integer, got "${value}"`);
  return n;
}
