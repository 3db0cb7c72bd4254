import { isAbsolute, relative, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { Sweep } from '../sweep/schema.js';
import { sweepWithYamlSeeds } from '../sweep/yaml-seeds.js';
import type { Experiment } from './experiment-schema.js';
import { checkpointLevel, hasCheckpointFactor, imageTemplates, OUTPUTS_DIR, sampledEpochs, sweepWeights } from './layout.js';

/** A path of the experiment as seen from the run folder: relative when the experiment gave it relative. */
export function fromRunDir(experimentDir: string, outDir: string, path: string): string {
  if (isAbsolute(path)) return path;
  return relative(outDir, resolve(experimentDir, path)).split('\\').join('/') || '.';
}

/**
 * Folders of the run that hold copies of the reference images: a sweep's references stay inside it, so the
 * plan copies them from the experiment (by default the training images) instead of pointing outside.
 */
export const REFERENCES_DIR = 'references';
export const STYLE_REFERENCES_DIR = 'style-references';

/** Where each reference folder of the sweep is copied from (absolute) to (relative to the run folder). */
export function referenceSources(exp: Experiment, experimentDir: string): { from: string; to: string }[] {
  const sources = [{ from: resolve(experimentDir, exp.lora.references ?? exp.dataset.images), to: REFERENCES_DIR }];
  if (exp.lora.style_references) sources.push({ from: resolve(experimentDir, exp.lora.style_references), to: STYLE_REFERENCES_DIR });
  return sources;
}

/** The sweep `lora-eval score` reads once the run has generated its images. */
export function sweepFor(exp: Experiment): Sweep {
  const factors: Sweep['factors'] = { base: exp.bases.map((b) => b.name) };
  if (hasCheckpointFactor(exp)) factors.checkpoint = sampledEpochs(exp).map(checkpointLevel);
  factors.target = exp.targets.map((t) => t.name);
  factors.weight = sweepWeights(exp);
  const lora: Sweep['lora'] = {
    name: exp.lora.name ?? exp.name,
    trigger: exp.lora.trigger,
    description: exp.lora.description,
    concept_tags: exp.lora.concept_tags,
    references: REFERENCES_DIR,
  };
  if (exp.lora.style_references) lora.style_references = STYLE_REFERENCES_DIR;
  return {
    name: exp.name,
    root: OUTPUTS_DIR,
    lora,
    factors,
    prompts: exp.prompts,
    seeds: exp.seeds,
    images: imageTemplates(exp),
  };
}

export function sweepYamlText(sweep: Sweep, experimentName: string): string {
  const header = [
    `# Written by \`lora-eval plan\` for experiment "${experimentName}"; re-run the plan instead of editing.`,
    '# Score the generated images with: lora-eval score sweep.yaml',
    '',
  ].join('\n');
  return header + stringify(sweepWithYamlSeeds(sweep), { lineWidth: 0 });
}
