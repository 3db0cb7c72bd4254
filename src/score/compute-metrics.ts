import type { ScoreRow } from '../run/scores-csv.js';
import type { LoadedSweep, SweepImage } from '../sweep/types.js';
import { metricRegistry, type MetricContext } from '../../metrics/registry.js';
import type { CcipInputs, ClipInputs, EmbeddingInputs, MetricDefinition, PixelInputs, TaggerInputs } from '../../metrics/types.js';

/** What the metrics of one image read: its vectors and those of its weight-0 counterpart. */
export interface ImageInputs {
  sha: string;
  clip: Omit<ClipInputs, 'model'>;
  /** The --encoder's embeddings (DINOv2), when the run has one and the image was encoded by it. */
  encoder?: Omit<EmbeddingInputs, 'model'>;
  tagger?: TaggerInputs;
  pixels?: Omit<PixelInputs, 'model'>;
  ccip?: Omit<CcipInputs, 'model'>;
}

/** Model ids of the run; optional models are absent when not given. */
export interface RunModels {
  clip: string;
  encoder?: string;
  tagger?: string;
  ccip?: string;
  /** The reference-free pixel measures (detail), when scored. */
  pixels?: string;
}

export interface MetricRows {
  rows: ScoreRow[];
  /** "metric: reason" → number of images it was unavailable for. */
  unavailable: Map<string, number>;
  scored: number;
}

/** The key shared by an image and its weight-0 counterpart: same levels but weight and the LoRA-only factors. */
export function nativeKey(image: SweepImage, loraFactors: string[]): string {
  const levels: Record<string, string> = { ...image.levels, weight: '' };
  for (const f of loraFactors) levels[f] = '';
  return JSON.stringify([levels, image.prompt, image.seed]);
}

/**
 * Runs every registered metric that applies to each image. `inputsOf` gives an image's vectors (undefined when it
 * could not be encoded) given its weight-0 counterpart; metrics that cannot be computed are counted with the reason.
 * `medianStyleAxisLength` is the sweep's (see style-axis.ts), whichever share of it `images` is.
 */
export function computeMetrics(
  loaded: LoadedSweep,
  images: SweepImage[],
  models: RunModels,
  inputsOf: (image: SweepImage, native: SweepImage | undefined) => ImageInputs | undefined,
  medianStyleAxisLength: number | undefined,
): MetricRows {
  const natives = new Map(loaded.images.filter((i) => i.native).map((n) => [nativeKey(n, loaded.loraFactors), n]));
  const rows: ScoreRow[] = [];
  const unavailable = new Map<string, number>();
  let scored = 0;
  const prepared = images.map((image) => {
    const native = image.native ? undefined : natives.get(nativeKey(image, loaded.loraFactors));
    return { image, native, inputs: inputsOf(image, native) };
  });
  for (const { image, inputs } of prepared) {
    if (!inputs) continue;
    scored++;
    const prompt = loaded.prompts.get(image.prompt)!;
    const ctx: MetricContext = {
      image,
      prompt,
      lora: loaded.sweep.lora,
      clip: { model: models.clip, ...inputs.clip, medianStyleAxisLength },
      tagger: inputs.tagger,
      pixels: models.pixels && inputs.pixels ? { model: models.pixels, ...inputs.pixels } : undefined,
      ccip: models.ccip && inputs.ccip ? { model: models.ccip, ...inputs.ccip } : undefined,
    };
    for (const metric of metricRegistry) {
      if (!metric.appliesTo(image, prompt)) continue;
      for (const { model, context } of computations(metric, models, ctx, inputs)) {
        const result = metric.compute(context);
        if ('unavailable' in result) {
          const reason = `${metric.name}${model === models.clip || metric.requires !== 'embedding' ? '' : ` (${model})`}: ${result.unavailable}`;
          unavailable.set(reason, (unavailable.get(reason) ?? 0) + 1);
          continue;
        }
        for (const v of result.values) {
          if (!Number.isFinite(v.value)) {
            // A NaN or infinite score is no measurement: counted with the others that could not be computed.
            const reason = `${v.metric}: not a finite number`;
            unavailable.set(reason, (unavailable.get(reason) ?? 0) + 1);
            continue;
          }
          rows.push({
            image: image.key,
            sha256: inputs.sha,
            levels: image.levels,
            prompt: image.prompt,
            seed: image.seed,
            metric: v.metric,
            model,
            value: v.value,
          });
        }
      }
    }
  }
  return { rows, unavailable, scored };
}

/** The model each computation of a metric is credited to and the context it reads; none when its model is absent. */
function computations(metric: MetricDefinition, models: RunModels, ctx: MetricContext, inputs: ImageInputs): { model: string; context: MetricContext }[] {
  switch (metric.requires) {
    case 'clip':
      return [{ model: models.clip, context: ctx }];
    case 'tagger':
      return models.tagger ? [{ model: models.tagger, context: ctx }] : [];
    case 'ccip':
      return models.ccip ? [{ model: models.ccip, context: ctx }] : [];
    case 'pixels':
      return models.pixels ? [{ model: models.pixels, context: ctx }] : [];
    case 'embedding': {
      const clip = inputs.clip;
      const withClip = {
        model: models.clip,
        context: { ...ctx, embedding: { model: models.clip, image: clip.image, native: clip.native, references: clip.references } },
      };
      if (!models.encoder) return [withClip];
      const encoder = inputs.encoder && { model: models.encoder, ...inputs.encoder };
      return [withClip, { model: models.encoder, context: { ...ctx, embedding: encoder } }];
    }
  }
}
