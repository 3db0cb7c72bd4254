import { isAbsolute, relative, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { Sweep } from '../sweep/schema.js';
import { sweepWithYamlSeeds } from '../sweep/yaml-seeds.js';
import type { Experiment } from './experiment-schema.js';
import { checkpointLevel, hasCheckpointFactor, imageTemplates, OUTPUTS_DIR, sampledEpochs, sweepWeights } from './layout.js';
import { hasResolutionFactor, resolutionLevel, trainingResolutions } from './resolution-factor.js';

/** A path of the experiment as seen from the run folder: relative when the experiment gave it relative. */
export function fromRunDir(experimentDir: string, outDir: string, path: string): string {
  if (isAbsolute(path)) return path;
  return relative(outDir, resolve(experimentDir, path)).split('\\').join('/') || '.';
}

/**
 * The sweep `lora-eval score` reads once the run has generated its images. With a resolution factor, each base's
 * runs live in "<base>-r<resolution>" folders; `costs` (GPU-hours per resolution level) is carried when known.
 */
export function sweepFor(exp: Experiment, experimentDir: string, outDir: string, costs?: Sweep['costs']): Sweep {
  const factors: Sweep['factors'] = { base: exp.bases.map((b) => b.name) };
  if (hasResolutionFactor(exp)) factors.resolution = trainingResolutions(exp).map((r) => (Array.isArray(r) ? resolutionLevel(r) : r));
  if (hasCheckpointFactor(exp)) factors.checkpoint = sampledEpochs(exp).map(checkpointLevel);
  factors.target = exp.targets.map((t) => t.name);
  factors.weight = sweepWeights(exp);
  const lora: Sweep['lora'] = {
    name: exp.lora.name ?? exp.name,
    trigger: exp.lora.trigger,
    description: exp.lora.description,
    concept_tags: exp.lora.concept_tags,
    references: fromRunDir(experimentDir, outDir, exp.lora.references ?? exp.dataset.images),
  };
  if (exp.lora.style_references) lora.style_references = fromRunDir(experimentDir, outDir, exp.lora.style_references);
  const templates = imageTemplates(exp);
  if (hasResolutionFactor(exp)) templates.template = templates.template.replace(/^\{base\}\//, '{base}-r{resolution}/');
  return {
    name: exp.name,
    root: OUTPUTS_DIR,
    lora,
    factors,
    prompts: exp.prompts,
    seeds: exp.seeds,
    images: templates,
    ...(exp.models ? { models: exp.models } : {}),
    ...(costs ? { costs } : {}),
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
