/**
 * Training resolution as a factor of the sweep. With `resolutions: [512, 768]` every base is trained once per
 * resolution: each (base, resolution) is a training run of its own, named "<base>-r<resolution>", with its own
 * dataset.toml (sd-scripts sets the resolution per dataset). The rest of the plan (run.sh, prompt files, model
 * folders) sees these runs as bases, so it needs no change; sweep.yaml splits them back into base and resolution.
 */
import type { Experiment, ModelRef } from './experiment-schema.js';

export interface TrainingRun {
  /** Folder and file name of the run: the base name, or "<base>-r<resolution>" when resolution is a factor. */
  name: string;
  base: ModelRef;
  /** Training resolution (square side, or [width, height]). */
  resolution: number | [number, number];
  /** dataset.toml of the run's resolution, relative to the run folder. */
  datasetFile: string;
}

export function hasResolutionFactor(exp: Experiment): boolean {
  return exp.resolutions !== undefined && exp.resolutions.length > 1;
}

/** The resolutions trained at: the resolutions: list, or the one training.resolution. */
export function trainingResolutions(exp: Experiment): (number | [number, number])[] {
  return exp.resolutions ?? [exp.training.resolution];
}

export const resolutionLevel = (r: number | [number, number]): string => (Array.isArray(r) ? `${r[0]}x${r[1]}` : String(r));

export function datasetFileFor(exp: Experiment, r: number | [number, number]): string {
  return hasResolutionFactor(exp) ? `dataset-r${resolutionLevel(r)}.toml` : 'dataset.toml';
}

/** Every training run: one per base, or one per base × resolution. */
export function trainingRuns(exp: Experiment): TrainingRun[] {
  if (!hasResolutionFactor(exp)) return exp.bases.map((base) => ({ name: base.name, base, resolution: exp.training.resolution, datasetFile: 'dataset.toml' }));
  return exp.bases.flatMap((base) =>
    exp.resolutions!.map((resolution) => ({
      name: `${base.name}-r${resolutionLevel(resolution)}`,
      base,
      resolution,
      datasetFile: datasetFileFor(exp, resolution),
    })),
  );
}

/** The experiment at one training resolution. */
export function atResolution(exp: Experiment, resolution: number | [number, number]): Experiment {
  return { ...exp, training: { ...exp.training, resolution } };
}

/** The experiment with its training runs in place of its bases: what run.sh and the prompt files are written for. */
export function withRunsAsBases(exp: Experiment): Experiment {
  if (!hasResolutionFactor(exp)) return exp;
  return { ...exp, bases: trainingRuns(exp).map((run) => ({ ...run.base, name: run.name })) };
}
