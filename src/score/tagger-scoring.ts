import { loadTagger, type TaggerModel } from '../encoders/tagger.js';
import { DEFAULT_THRESHOLDS, detectionThresholds, sharedThresholds, type ThresholdSettings } from '../encoders/tag-thresholds.js';
import type { Resampler } from '../imaging/resize.js';
import { ModelLoadError } from '../runtime/errors.js';
import type { Device } from '../runtime/session.js';
import type { LoraSpec, SweepPrompt } from '../sweep/schema.js';
import type { TaggerInputs } from '../../metrics/types.js';
import { asImageEncoder, type ImageEncoder } from './image-encoder.js';

export interface TaggerScoring {
  model: string;
  modelFile: string;
  tagger: TaggerModel;
  encoder(modelSha: string): ImageEncoder;
  inputsFor(probabilities: Float32Array | undefined, native: Float32Array | undefined): TaggerInputs | undefined;
  release(): Promise<void>;
}

function closest(name: string, names: string[]): string[] {
  const stem = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  return names.filter((n) => n.replace(/[^a-z0-9]/g, '').includes(stem) || stem.includes(n.replace(/[^a-z0-9]/g, ''))).slice(0, 5);
}

/** Loads a tagger for scoring and checks that the LoRA's concept tags and threshold overrides are tags it knows. */
export async function loadTaggerScoring(
  dir: string,
  options: { device?: Device; threads?: number; lora: LoraSpec; prompts?: SweepPrompt[]; thresholds?: Partial<ThresholdSettings>; resampler?: Resampler },
): Promise<TaggerScoring> {
  const tagger = await loadTagger(dir, { device: options.device, threads: options.threads, resampler: options.resampler });
  const names = tagger.tags.map((t) => t.name);
  const known = new Set(names);
  const overrides = { ...(options.lora.tag_thresholds ?? {}), ...(options.thresholds?.overrides ?? {}) };
  for (const tag of [...options.lora.concept_tags, ...Object.keys(overrides)]) {
    if (!known.has(tag)) {
      const near = closest(tag, names);
      throw new ModelLoadError(
        `${dir}/selected_tags.csv`,
        `the sweep names tag "${tag}", which this tagger does not have${near.length ? `; similar tags: ${near.join(', ')}` : ''}`,
      );
    }
  }
  // Tags read from a prompt's text may be plain words the tagger lacks; tags listed in a prompt's tags: are meant as
  // tags, and one the tagger lacks would silently drop out of prompt_tag_fidelity.
  const taggable = names.filter((_, i) => tagger.tags[i].category !== 9);
  const trigger = options.lora.trigger.toLowerCase();
  for (const prompt of options.prompts ?? []) {
    for (const tag of prompt.tags ?? []) {
      if (tag === trigger || taggable.includes(tag)) continue;
      const near = closest(tag, taggable);
      throw new ModelLoadError(
        `${dir}/selected_tags.csv`,
        `prompt "${prompt.id}" lists tag "${tag}", which this tagger does not have${near.length ? `; similar tags: ${near.join(', ')}` : ''} (prompt_tag_fidelity would leave it out)`,
      );
    }
  }
  const settings: ThresholdSettings = { ...DEFAULT_THRESHOLDS, ...options.thresholds, overrides };
  // Computed once: a real tagger has ten thousand tags, and a sweep as many images.
  const shared = sharedThresholds(tagger.tags, settings);
  return {
    model: tagger.id,
    modelFile: tagger.modelFile,
    tagger,
    encoder: (modelSha) => asImageEncoder('tagger', tagger, tagger.maxBatch, (batch) => tagger.encode(batch), modelSha),
    inputsFor(probabilities, native) {
      if (!probabilities) return undefined;
      const cache = new Map<Float32Array, Float64Array>();
      const thresholdsOf = (p: Float32Array) => {
        if (shared) return shared;
        let t = cache.get(p);
        if (!t) cache.set(p, (t = detectionThresholds(tagger.tags, p, settings)));
        return t;
      };
      return {
        model: tagger.id,
        probabilities,
        native,
        tags: tagger.tags,
        detected: (i, p) => p[i] > thresholdsOf(p)[i],
      };
    },
    release: () => tagger.release(),
  };
}
