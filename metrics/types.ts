import type { LoraSpec, SweepPrompt } from '../src/sweep/schema.js';
import type { SweepImage } from '../src/sweep/types.js';

/** CLIP vectors a metric may use; every embedding is unit norm. */
export interface ClipInputs {
  model: string;
  image: Float32Array;
  /** Weight-0 image of the same target, prompt and seed (x0), when scored. */
  native?: Float32Array;
  /** Text embedding of the prompt with the LoRA tag removed and the trigger replaced by the description. */
  promptText: Float32Array;
  /** Concept reference (training) images. */
  references: Float32Array[];
  /** Centroid of the style reference embeddings (μ_S), not re-normalized; absent when none could be encoded. */
  styleCentroid?: Float64Array;
  /** Median length ‖μ_S − E(x0)‖ of the style axis over the sweep's weight-0 images (whichever shard is scored); set by computeMetrics. */
  medianStyleAxisLength?: number;
}

/** Image embeddings of one model (CLIP's, or an --encoder's such as DINOv2's CLS token), each unit norm. */
export interface EmbeddingInputs {
  model: string;
  image: Float32Array;
  /** Weight-0 image of the same key (x0), when scored. */
  native?: Float32Array;
  /** Concept reference (training) images. */
  references: Float32Array[];
}

/** CCIP's comparison of the image with each reference image. */
export interface CcipInputs {
  model: string;
  /** CCIP difference to each reference image (0 = the same picture; lower = more alike). */
  differences: Float64Array;
  /** The model's same-character threshold (metrics.json): same character when difference ≤ threshold. */
  threshold: number;
}

/** Tagger outputs a metric may use. */
export interface TaggerInputs {
  model: string;
  /** Probabilities, one per tag of selected_tags.csv. */
  probabilities: Float32Array;
  /** Probabilities for the weight-0 image (x0), when scored. */
  native?: Float32Array;
  tags: { name: string; category: number; count: number }[];
  /** Whether a tag counts as detected at probability p (threshold or MCut, per image). */
  detected(tagIndex: number, probabilities: Float32Array): boolean;
}

/** Measures computed from the decoded pixels themselves. */
export interface PixelInputs {
  model: string;
  /** RMS luminance Laplacian at the analysis scale (src/imaging/detail.ts). */
  detail?: number;
}

export interface MetricContext {
  image: SweepImage;
  prompt: SweepPrompt;
  lora: LoraSpec;
  clip?: ClipInputs;
  /** For metrics that require 'embedding': the embeddings of the model this computation uses. */
  embedding?: EmbeddingInputs;
  tagger?: TaggerInputs;
  pixels?: PixelInputs;
  ccip?: CcipInputs;
}

export interface MetricValue {
  metric: string;
  value: number;
}

export type MetricResult = { values: MetricValue[] } | { unavailable: string };

export interface MetricDefinition {
  name: string;
  description: string;
  unit: string;
  higherIsBetter: boolean;
  /** How much worse a run may score than its baseline before `lora-eval check` calls it a regression (in the metric's unit). */
  regressionMargin: number;
  /** How cell estimates aggregate per-image values. */
  aggregation: 'mean';
  /**
   * The model the metric reads. 'embedding' metrics are computed once with every image embedding model of the
   * run (CLIP, and the --encoder when given), each in rows carrying that model's id.
   */
  requires: 'clip' | 'embedding' | 'tagger' | 'ccip' | 'pixels';
  /** Names of the rows this metric writes (the metric itself and any companions such as deltas). */
  emits: (lora: LoraSpec) => string[];
  /** Whether the metric is defined for this image at all (e.g. style retention is not, at weight 0). */
  appliesTo(image: SweepImage, prompt: SweepPrompt): boolean;
  compute(ctx: MetricContext): MetricResult;
}
