import type { LoraSpec, SweepPrompt } from '../sweep/schema.js';

const loraTag = /<(?:lora|lyco):[^>]*>/gi;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The text an image is scored against: the prompt with `<lora:…>` tags removed and the trigger
 * replaced by the LoRA's description, so that CLIP, which never saw the trigger, reads what it means.
 */
export function scoringText(prompt: SweepPrompt, lora: LoraSpec): string {
  const trigger = new RegExp(`(?<![\\p{L}\\p{N}_])${escapeRegExp(lora.trigger)}(?![\\p{L}\\p{N}_])`, 'giu');
  return prompt.text
    .replace(loraTag, ' ')
    .replace(trigger, lora.description)
    .replace(/\s*,\s*(,\s*)+/g, ', ')
    .replace(/\s+/g, ' ')
    .replace(/^[\s,]+|[\s,]+$/g, '');
}
