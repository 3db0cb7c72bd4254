/** Writes an ingested sweep as YAML: one image per line, comments on the fields the user must fill in. */
import { Document, isMap, isPair, isScalar, isSeq, type YAMLMap } from 'yaml';
import type { Sweep } from '../sweep/schema.js';
import { sweepWithYamlSeeds } from '../sweep/yaml-seeds.js';

export interface SweepYamlContext {
  /** Where the images came from, for the header comment. */
  sources: string[];
  placeholders: string[];
  referencesCreated: boolean;
}

function pairOf(map: YAMLMap, key: string) {
  return map.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key);
}

export function sweepToYaml(sweep: Sweep, context: SweepYamlContext): string {
  const doc = new Document(sweepWithYamlSeeds(sweep));
  doc.commentBefore = [
    ` Written by lora-eval ingest from ${context.sources.join(', ')}.`,
    " Factors, prompts and seeds come from the images' generation metadata.",
    ...(context.placeholders.length ? [` Fill in before scoring: ${context.placeholders.join(', ')}.`] : []),
  ].join('\n');
  const root = doc.contents;
  if (!isMap(root)) return doc.toString();
  const lora = pairOf(root, 'lora')?.value;
  if (isMap(lora)) {
    const note = (key: string, text: string) => {
      const pair = pairOf(lora, key);
      if (pair && isScalar(pair.key)) pair.key.commentBefore = ` ${text}`;
    };
    if (context.placeholders.includes('lora.trigger')) note('trigger', 'FILL IN: the trigger word the concept prompts use');
    if (context.placeholders.includes('lora.description'))
      note('description', 'FILL IN: plain words for the concept, e.g. "a girl with blonde hair and green eyes"');
    if (context.placeholders.includes('lora.concept_tags')) note('concept_tags', 'FILL IN: tagger tags that show the concept, e.g. [blonde_hair, green_eyes]');
    note(
      'references',
      context.referencesCreated
        ? "FILL IN: put the LoRA's training (reference) images in this folder; it was created empty, and loading fails until it holds images"
        : "folder of the LoRA's training (reference) images",
    );
  }
  for (const key of ['images', 'seeds']) {
    const value = pairOf(root, key)?.value;
    if (key === 'seeds' && isSeq(value)) value.flow = true;
    if (key === 'images' && isSeq(value)) for (const item of value.items) if (isMap(item)) item.flow = true;
  }
  const factors = pairOf(root, 'factors')?.value;
  if (isMap(factors)) for (const item of factors.items) if (isPair(item) && isSeq(item.value)) item.value.flow = true;
  const loraFactors = pairOf(root, 'lora_factors')?.value;
  if (isSeq(loraFactors)) loraFactors.flow = true;
  return doc.toString({ lineWidth: 0 });
}
