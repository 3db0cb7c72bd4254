export type CheckStatus = 'pass' | 'regression' | 'inconclusive';

/** What an inconclusive group does to the gate. */
export type InconclusivePolicy = 'fail' | 'pass';

/** One metric in one group of cells, the run against its baseline (statistical mode). */
export interface CheckResult {
  metric: string;
  group: string;
  /** Image pairs compared. */
  n: number;
  /** Prompts with at least one image pair: the units of the test. */
  prompts: number;
  /** mean(run − baseline) over the image pairs. */
  difference: number;
  margin: number;
  higherIsBetter: boolean;
  /** Holm-corrected p of "the run is worse by at least the margin" (small = shown non-inferior); NaN when not tested. */
  pNonInferior: number;
  /** Holm-corrected p of "the run is worse by no more than the margin" (small = shown to regress); NaN when not tested. */
  pRegression: number;
  status: CheckStatus;
  reason: string;
}

/** One metric of an exact re-score check (tolerance mode). */
export interface RescoreResult {
  metric: string;
  tolerance: number;
  /** Images (rows) scored in both runs. */
  compared: number;
  /** Images whose score moved by more than the tolerance. */
  moved: number;
  /** Largest |run − baseline|. */
  largestMove: number;
  status: 'pass' | 'moved';
}

export interface MovedImage {
  image: string;
  metric: string;
  baseline: number;
  run: number;
}

export interface ModelFile {
  file: string;
  sha256: string;
}

/** The models one side was scored with: run.json's files (when the run has one) and the scores.csv model ids. */
export interface SideModels {
  files: ModelFile[];
  ids: string[];
}

export interface CheckReport {
  mode: 'statistical' | 'tolerance';
  run: string;
  baseline: string;
  models: { run: SideModels; baseline: SideModels; changed: boolean };
  inconclusive: InconclusivePolicy;
  results: CheckResult[];
  rescore: RescoreResult[];
  /** The images that moved most (tolerance mode), largest move first. */
  moved: MovedImage[];
  /** Things the check could not compare that the user asked for: each fails the gate. */
  problems: string[];
  /** Reported, not failing: what was left out on purpose (--allow-missing, run-only groups). */
  notes: string[];
  passed: boolean;
}
