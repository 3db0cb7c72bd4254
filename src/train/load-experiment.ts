import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { parseYamlText } from '../sweep/load.js';
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
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ExperimentError([{ file, message: `cannot read: ${(e as Error).message}` }]);
  }
  return parseExperimentText(text, file);
}

export function parseExperimentText(text: string, file: string): LoadedExperiment {
  let experiment: Experiment;
  try {
    experiment = parseYamlText(text, file, ExperimentSchema);
  } catch (e) {
    if (e instanceof SweepError) throw new ExperimentError(e.problems);
    throw e;
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const lineOf = (path: (string | number)[]): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === 'object' && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  return { file, dir: dirname(file), experiment, lineOf };
}

/** A problem about one field of a loaded experiment. */
export function fieldProblem(loaded: LoadedExperiment, path: (string | number)[], message: string): SweepProblem {
  return { file: loaded.file, field: path.join('.'), line: loaded.lineOf(path), message };
}
