import type { Experiment } from './experiment-schema.js';
import type { GenerationJob } from './prompt-files.js';
import { hasResolutionFactor, resolutionLevel, trainingResolutions, trainingRuns } from './resolution-factor.js';

/**
 * Rough GPU rates for SD1.x at 512×512 on one data-centre GPU (A100/H100 class), fp16 with SDPA. They are
 * assumptions for planning, not measurements: time scales with pixel count, and real rates vary by a factor of 2
 * or more across GPUs, samplers and settings.
 */
export const ASSUMED_RATES = {
  /** seconds per training sample (one image through one optimizer step) */
  trainSecondsPerSample: 0.2,
  /** seconds per denoising step of one image */
  sampleSecondsPerStep: 0.04,
  /** loading models and caching latents, once per training run */
  trainOverheadSeconds: 90,
  /** loading the target and the LoRA, once per gen_img.py run */
  generateOverheadSeconds: 30,
};

export interface PlanStep {
  step: string;
  detail: string;
  /** Images the step writes (generation) */
  images: number;
  /** Training samples or denoising steps, in words */
  work: string;
  gpuSeconds: number | undefined;
}

export interface PlanSummary {
  steps: PlanStep[];
  totalImages: number;
  /** Training steps over all bases; undefined when the dataset could not be counted here. */
  trainSteps: number | undefined;
  samplerSteps: number;
  /** Estimated GPU seconds of the steps that could be estimated. */
  gpuSeconds: number;
  /** False when some step could not be estimated (the dataset was not found here): gpuSeconds is then a lower bound. */
  gpuSecondsComplete: boolean;
  assumptions: string;
}

const areaScale = (w: number, h: number) => (w * h) / (512 * 512);

/** Optimizer steps of one training run; sd-scripts repeats regularization images to match the training images. */
export function trainStepsPerRun(exp: Experiment, datasetImages: number | undefined): number | undefined {
  if (datasetImages === undefined) return undefined;
  const t = exp.training;
  const samplesPerEpoch = datasetImages * exp.dataset.repeats * (exp.dataset.regularization ? 2 : 1);
  return Math.ceil(samplesPerEpoch / t.batch_size) * t.epochs;
}

/** Estimated GPU seconds of one training run at a resolution; undefined when the dataset could not be counted. */
export function trainingGpuSeconds(exp: Experiment, datasetImages: number | undefined, resolution: number | [number, number]): number | undefined {
  const perRun = trainStepsPerRun(exp, datasetImages);
  if (perRun === undefined) return undefined;
  const res = Array.isArray(resolution) ? resolution : [resolution, resolution];
  return ASSUMED_RATES.trainOverheadSeconds + perRun * exp.training.batch_size * ASSUMED_RATES.trainSecondsPerSample * areaScale(res[0], res[1]);
}

/**
 * GPU-hours per level of the resolution factor: one training run at that resolution (generation costs the same at
 * every level, so it is left out). Undefined without a resolution factor or when the dataset could not be counted.
 */
export function resolutionCosts(exp: Experiment, datasetImages: number | undefined): Record<string, number> | undefined {
  if (!hasResolutionFactor(exp)) return undefined;
  const costs: Record<string, number> = {};
  for (const r of trainingResolutions(exp)) {
    const seconds = trainingGpuSeconds(exp, datasetImages, r);
    if (seconds === undefined) return undefined;
    costs[resolutionLevel(r)] = Number((seconds / 3600).toPrecision(4));
  }
  return costs;
}

export function summarize(exp: Experiment, jobs: GenerationJob[], datasetImages: number | undefined, imageTag: string): PlanSummary {
  const t = exp.training;
  const g = exp.generation;
  const steps: PlanStep[] = [{ step: 'build', detail: `docker image ${imageTag}`, images: 0, work: '-', gpuSeconds: 0 }];
  const perRun = trainStepsPerRun(exp, datasetImages);
  const runs = trainingRuns(exp);
  for (const run of runs) {
    const at = hasResolutionFactor(exp) ? `, resolution ${resolutionLevel(run.resolution)}` : '';
    steps.push({
      step: `train ${run.name}`,
      detail: `${t.epochs} epochs, ${datasetImages ?? '?'} images × ${exp.dataset.repeats} repeats${exp.dataset.regularization ? ' (+ regularization)' : ''}, batch ${t.batch_size}${at}`,
      images: 0,
      work: perRun === undefined ? '? steps (dataset not found here)' : `${perRun} steps`,
      gpuSeconds: trainingGpuSeconds(exp, datasetImages, run.resolution),
    });
  }
  let samplerSteps = 0;
  for (const job of jobs) {
    const n = job.lines.length;
    const denoise = n * g.steps;
    samplerSteps += denoise;
    const weights = job.lora ? `${n / (exp.prompts.length * exp.seeds.length)} weights` : 'weight 0';
    steps.push({
      step: job.id.replace(/^generate-/, 'generate '),
      detail: `${exp.prompts.length} prompts × ${exp.seeds.length} seeds × ${weights}`,
      images: n,
      work: `${denoise} sampler steps`,
      gpuSeconds: ASSUMED_RATES.generateOverheadSeconds + denoise * ASSUMED_RATES.sampleSecondsPerStep * areaScale(g.width, g.height),
    });
  }
  return {
    steps,
    totalImages: jobs.reduce((n, j) => n + j.lines.length, 0),
    trainSteps: perRun === undefined ? undefined : perRun * runs.length,
    samplerSteps,
    gpuSeconds: steps.reduce((s, x) => s + (x.gpuSeconds ?? 0), 0),
    gpuSecondsComplete: steps.every((s) => s.gpuSeconds !== undefined),
    assumptions:
      `GPU time assumes ${ASSUMED_RATES.trainSecondsPerSample} s per training sample and ${ASSUMED_RATES.sampleSecondsPerStep} s per sampler step ` +
      `at 512×512 (scaled by pixel count), plus ${ASSUMED_RATES.trainOverheadSeconds} s per training run and ${ASSUMED_RATES.generateOverheadSeconds} s per generation run ` +
      'for loading: rough A100/H100-class rates, not measurements.',
  };
}

function duration(seconds: number | undefined): string {
  if (seconds === undefined) return '?';
  if (seconds === 0) return '-';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(2)} h`;
}

/** The plan as a text table: one row per step, then totals and the assumptions behind the GPU estimate. */
export function formatPlanTable(summary: PlanSummary): string {
  const header = ['step', 'detail', 'images', 'GPU work', 'est. GPU time'];
  const rows = summary.steps.map((s) => [s.step, s.detail, s.images ? String(s.images) : '-', s.work, duration(s.gpuSeconds)]);
  rows.push([
    'total',
    `${summary.steps.length} steps`,
    String(summary.totalImages),
    `${summary.trainSteps ?? '?'} train steps, ${summary.samplerSteps} sampler steps`,
    `${summary.gpuSecondsComplete ? '' : '≥ '}${duration(summary.gpuSeconds)}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.slice(0, -1).map(line), rule, line(rows[rows.length - 1]), '', summary.assumptions, ''].join('\n');
}
