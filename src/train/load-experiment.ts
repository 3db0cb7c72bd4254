import { dirname, resolve } from 'node:path';
import { parseYamlSource, readYamlText, validateYaml } from '../sweep/yaml-file.js';
import { SweepError, type SweepProblem } from '../sweep/types.js';
import { ExperimentSchema, type Experiment } from './experiment-schema.js';

/** Problems with an experiment file or with what it asks for; each names the file, field and, where known, line. */
export class ExperimentError extends SweepError {
  constructor(problems: SweepProblem[]) {
    super(problems);
    this.name = 'ExperimentError';
  }
}

export interface LoadedExperiment {
  /** Absolute path of experiment.yaml. */
  file: string;
  /** Folder relative paths in the experiment are resolved from. */
  dir: string;
  experiment: Experiment;
  /** Line of a field, for messages about it. */
  lineOf(path: (string | number)[]): number | undefined;
}

/** Reads and validates experiment.yaml; throws an ExperimentError naming each field (and line) that is wrong. */
export function loadExperiment(experimentFile: string): LoadedExperiment {
  const file = resolve(experimentFile);
  try {
    return parseExperimentText(readYamlText(file), file);
  } catch (e) {
    if (e instanceof SweepError && !(e instanceof ExperimentError)) throw new ExperimentError(e.problems);
    throw e;
  }
}

export function parseExperimentText(text: string, file: string): LoadedExperiment {
  try {
    const source = parseYamlSource(text, file);
    return { file, dir: dirname(file), experiment: validateYaml(source, ExperimentSchema), lineOf: source.lineOf };
  } catch (e) {
    if (e instanceof SweepError) throw new ExperimentError(e.problems);
    throw e;
  }
}

/** A problem about one field of a loaded experiment. */
export function fieldProblem(loaded: LoadedExperiment, path: (string | number)[], message: string): SweepProblem {
  return { file: loaded.file, field: path.join('.'), line: loaded.lineOf(path), message };
}
