/** Checks of experiment.yaml that need more than one field, or the pinned sd-scripts' argument lists. */
import { toArgValue } from './arg-check.js';
import type { Experiment } from './experiment-schema.js';
import { NATIVE_DIR } from './layout.js';
import { lineageCycle } from '../sweep/lineage.js';
import { SD_SCRIPTS_VERSIONS, sdScriptsVersion, type SdScriptsVersion } from './sd-scripts-args/index.js';
import type { TomlValue } from './toml.js';
import { PLAN_MANAGED_TRAIN_ARGS } from './training-config.js';

export interface ExperimentIssue {
  path: (string | number)[];
  message: string;
}

/** training.extra converted to the types train_network.py takes, with a message for each entry that does not fit. */
export function trainingExtra(exp: Experiment, version: SdScriptsVersion): { values: Record<string, TomlValue>; issues: ExperimentIssue[] } {
  const values: Record<string, TomlValue> = {};
  const issues: ExperimentIssue[] = [];
  for (const [key, raw] of Object.entries(exp.training.extra)) {
    const path = ['training', 'extra', key];
    const spec = version.trainNetwork.get(key);
    if (!spec) {
      issues.push({ path, message: `train_network.py has no argument "${key}" at the pinned sd-scripts commit ${version.commit.slice(0, 10)}` });
    } else if (PLAN_MANAGED_TRAIN_ARGS.includes(key)) {
      issues.push({ path, message: `"${key}" is set by the plan from the experiment's own fields; set it there instead` });
    } else {
      const converted = toArgValue(spec, raw);
      if ('error' in converted) issues.push({ path, message: `${key} ${converted.error}` });
      else values[key] = converted.value;
    }
  }
  return { values, issues };
}

/** Requirements of sd-scripts with no version (`numpy`, `tensorboard`…), by package name. */
export function unpinnedRequirements(version: SdScriptsVersion): string[] {
  return version.requirements.filter((r) => !r.startsWith('-') && !r.includes('==')).map((r) => r.replace(/\[.*\]$/, ''));
}

/** gen_img.py splits a prompt line at " --", reads {a|b} as variants and skips lines starting with "#". */
function promptTextProblem(text: string): string | undefined {
  if (/[\r\n]/.test(text)) return 'must be one line';
  if (text.includes(' --')) return 'may not contain " --" (gen_img.py starts an option there)';
  if (/[{}]/.test(text)) return 'may not contain "{" or "}" (gen_img.py reads {a|b} as prompt variants)';
  if (text.trimStart().startsWith('#')) return 'may not start with "#" (gen_img.py skips such lines)';
  if (text.trim() !== text) return 'may not start or end with spaces (gen_img.py strips them)';
  return undefined;
}

function duplicates<T>(items: T[], key: (t: T) => string, path: (i: number) => (string | number)[], what: string): ExperimentIssue[] {
  const seen = new Set<string>();
  const issues: ExperimentIssue[] = [];
  items.forEach((item, i) => {
    const k = key(item);
    if (seen.has(k)) issues.push({ path: path(i), message: `duplicate ${what} "${k}"` });
    seen.add(k);
  });
  return issues;
}

export function checkExperiment(exp: Experiment): ExperimentIssue[] {
  const issues: ExperimentIssue[] = [];
  const add = (path: (string | number)[], message: string) => issues.push({ path, message });
  const t = exp.training;

  issues.push(
    ...duplicates(
      exp.bases,
      (b) => b.name,
      (i) => ['bases', i, 'name'],
      'base name',
    ),
  );
  issues.push(
    ...duplicates(
      exp.targets,
      (b) => b.name,
      (i) => ['targets', i, 'name'],
      'target name',
    ),
  );
  exp.bases.forEach((b, i) => {
    if (b.name === NATIVE_DIR) add(['bases', i, 'name'], `"${NATIVE_DIR}" is reserved for the weight-0 images' folder`);
  });
  issues.push(...duplicates(exp.weights, String, (i) => ['weights', i], 'weight'));
  issues.push(...duplicates(exp.seeds, String, (i) => ['seeds', i], 'seed'));
  issues.push(
    ...duplicates(
      exp.prompts,
      (p) => p.id,
      (i) => ['prompts', i, 'id'],
      'prompt id',
    ),
  );
  const texts = new Map<string, string>();
  exp.prompts.forEach((p, i) => {
    const wrong = promptTextProblem(p.text);
    if (wrong) add(['prompts', i, 'text'], `prompt text ${wrong}`);
    // Prompts are the independent units of every test: one text under two ids would be counted twice.
    const earlier = texts.get(p.text.trim());
    if (earlier !== undefined)
      add(['prompts', i, 'text'], `prompt "${p.id}" has the same text as prompt "${earlier}"; add seeds instead of a second id for one prompt`);
    else texts.set(p.text.trim(), p.id);
  });
  if (exp.generation.negative_prompt) {
    const wrong = promptTextProblem(exp.generation.negative_prompt);
    if (wrong) add(['generation', 'negative_prompt'], `negative prompt ${wrong}`);
  }

  (exp.checkpoints ?? []).forEach((epoch, i) => {
    if (epoch > t.epochs) add(['checkpoints', i], `epoch ${epoch} is after the last training epoch (training.epochs = ${t.epochs})`);
    else if (t.save_every_n_epochs !== undefined && epoch < t.epochs && epoch % t.save_every_n_epochs !== 0) {
      add(['checkpoints', i], `epoch ${epoch} is not saved: training.save_every_n_epochs is ${t.save_every_n_epochs}`);
    }
  });
  issues.push(...duplicates(exp.checkpoints ?? [], String, (i) => ['checkpoints', i], 'checkpoint epoch'));

  if (t.network === 'lycoris' && !t.algo) add(['training', 'algo'], `training.network "lycoris" needs training.algo (one of locon, loha, lokr, …)`);
  if (t.network === 'lora' && t.algo) add(['training', 'algo'], 'training.algo is a LyCORIS setting: set training.network to "lycoris" or remove it');
  if (t.conv_alpha !== undefined && t.conv_dim === undefined) add(['training', 'conv_alpha'], 'training.conv_alpha needs training.conv_dim');
  if (t.network === 'lycoris' && !exp.pins.lycoris_lora)
    add(['pins', 'lycoris_lora'], 'training.network "lycoris" needs pins.lycoris_lora (the lycoris_lora version to install)');
  const resolution = Array.isArray(t.resolution) ? t.resolution : [t.resolution];
  if (resolution.some((r) => r < 64 || r % 64 !== 0)) add(['training', 'resolution'], 'training resolution must be a multiple of 64');
  const cycle = exp.models && lineageCycle(exp.models);
  if (cycle) add(['models'], cycle);
  (exp.resolutions ?? []).forEach((r, i) => {
    if (r < 64 || r % 64 !== 0) add(['resolutions', i], `training resolution ${r} must be a multiple of 64`);
  });
  issues.push(...duplicates(exp.resolutions ?? [], String, (i) => ['resolutions', i], 'resolution'));
  // training.resolution defaults to 512; any other value beside resolutions: would be silently ignored.
  if (exp.resolutions && (Array.isArray(t.resolution) || t.resolution !== 512))
    add(['training', 'resolution'], 'training.resolution and resolutions both given: resolutions makes resolution a factor; remove training.resolution');
  if (exp.resolutions && exp.resolutions.length > 1) {
    const runs = new Set(exp.bases.flatMap((b) => exp.resolutions!.map((r) => `${b.name}-r${r}`)));
    exp.bases.forEach((b, i) => {
      if (runs.has(b.name)) add(['bases', i, 'name'], `base name "${b.name}" is also the name of a training run of another base at a resolution`);
    });
  }
  if (t.cache_latents && (exp.dataset.color_aug || exp.dataset.random_crop)) {
    add(['training', 'cache_latents'], 'sd-scripts cannot cache latents with dataset.color_aug or dataset.random_crop; set cache_latents: false');
  }
  for (const dim of ['width', 'height'] as const) {
    if (exp.generation[dim] % 8 !== 0) add(['generation', dim], `generation.${dim} must be a multiple of 8`);
  }

  const version = sdScriptsVersion(exp.pins.sd_scripts.commit);
  if (!version) {
    add(
      ['pins', 'sd_scripts', 'commit'],
      `no committed argument list for sd-scripts ${exp.pins.sd_scripts.commit}, so the plan cannot check what it writes; lists exist for ${SD_SCRIPTS_VERSIONS.map((v) => v.commit).join(', ')} (see src/train/sd-scripts-args/SOURCE.md to add one)`,
    );
    return issues;
  }
  issues.push(...trainingExtra(exp, version).issues);
  const samplers = version.genImg.get('sampler')?.choices ?? [];
  if (!samplers.includes(exp.generation.sampler))
    add(['generation', 'sampler'], `gen_img.py has no sampler "${exp.generation.sampler}"; choices: ${samplers.join(', ')}`);
  for (const name of unpinnedRequirements(version)) {
    if (!exp.pins.python_packages[name]) {
      add(
        ['pins', 'python_packages'],
        `sd-scripts requires "${name}" without a version at ${version.commit.slice(0, 10)}: pin it, e.g. python_packages: { ${name}: "<version>" }`,
      );
    }
  }
  return issues;
}
