import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { IMAGE_EXTENSIONS, listImages } from '../sweep/load.js';
import { SweepSchema } from '../sweep/schema.js';
import type { SweepProblem } from '../sweep/types.js';
import { checkCliArgs, checkDatasetConfig, checkTrainConfig, type ArgProblem } from './arg-check.js';
import { containerFiles } from './container.js';
import { datasetConfig } from './dataset-config.js';
import { summarize, formatPlanTable, type PlanSummary } from './estimate.js';
import { trainingExtra } from './experiment-checks.js';
import { howToPin, resolveImageDigest, systemRunner, type CommandRunner } from './image-digest.js';
import { OUTPUTS_DIR, MODELS_DIR } from './layout.js';
import { ExperimentError, fieldProblem, type LoadedExperiment } from './load-experiment.js';
import { generationJobs, jobArgs, type GenerationJob } from './prompt-files.js';
import { inputMounts, runScript } from './run-script.js';
import { sdScriptsVersion } from './sd-scripts-args/index.js';
import { fromRunDir, referenceSources, sweepFor, sweepYamlText } from './sweep-file.js';
import { checkTomlRoundTrip, tomlText, type TomlTable } from './toml.js';
import { trainingConfig } from './training-config.js';

export interface PlanOptions {
  /** The run folder the plan is for (written by writePlan); relative paths in the plan are taken from it. */
  outDir: string;
  /** Runs the Docker client to resolve an image tag to its digest (default: the system's `docker`). */
  docker?: CommandRunner;
}

export interface PlanFile {
  /** Relative to the run folder, "/"-separated. */
  path: string;
  content: string;
  executable?: boolean;
}

export interface Plan {
  name: string;
  outDir: string;
  files: PlanFile[];
  /** Folders run.sh fills (created empty by writePlan, so that sweep.yaml's root exists). */
  directories: string[];
  /** Reference images writePlan copies into the run folder: from (absolute) → to (relative to the run folder). */
  copies: { from: string; to: string }[];
  baseImage: { image: string; via: string };
  imageTag: string;
  jobs: GenerationJob[];
  /** The TOML files' tables, for reading the written files back. */
  toml: { path: string; table: TomlTable }[];
  summary: PlanSummary;
  /** Inputs not found on this machine and similar things worth a look before running. */
  warnings: string[];
}

/** Image extensions sd-scripts trains on (train_util.IMAGE_EXTENSIONS, without optional plugins). */
const TRAIN_IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.bmp'];

function countTrainingImages(folder: string): number | undefined {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) return undefined;
  return readdirSync(folder).filter((f) => TRAIN_IMAGE_EXTENSIONS.some((ext) => f.toLowerCase().endsWith(ext))).length;
}

function toProblems(problems: ArgProblem[], outDir: string): SweepProblem[] {
  return problems.map((p) => ({ file: join(outDir, p.file), field: p.field, message: p.message }));
}

/**
 * Plans training and generation for an experiment: every file of the run folder as { path, content }, checked
 * against the pinned sd-scripts' argument lists, with a summary of the work. Writes nothing.
 */
export function planExperiment(loaded: LoadedExperiment, options: PlanOptions): Plan {
  const exp = loaded.experiment;
  const outDir = resolve(options.outDir);
  const version = sdScriptsVersion(exp.pins.sd_scripts.commit);
  if (!version) throw new ExperimentError([fieldProblem(loaded, ['pins', 'sd_scripts', 'commit'], 'no committed argument list for this commit')]);

  const resolved = resolveImageDigest(exp.pins.base_image, options.docker ?? systemRunner);
  if (!resolved.ok) {
    throw new ExperimentError([
      fieldProblem(loaded, ['pins', 'base_image'], `"${exp.pins.base_image}" is not pinned by digest and ${resolved.reason}; ${howToPin(exp.pins.base_image)}`),
    ]);
  }

  const relative = (p: string) => fromRunDir(loaded.dir, outDir, p);
  const extra = trainingExtra(exp, version);
  if (extra.issues.length) throw new ExperimentError(extra.issues.map((i) => fieldProblem(loaded, i.path, i.message)));

  const container = containerFiles(exp, version, resolved.image);
  const jobs = generationJobs(exp);
  const mounts = inputMounts(exp, relative);
  const dataset = datasetConfig(exp);
  const trainConfigs = exp.bases.map((b) => ({ path: `train/${b.name}.toml`, table: trainingConfig(exp, b, extra.values) }));
  const sweep = sweepFor(exp);
  const referenceFolders = referenceSources(exp, loaded.dir);
  const copies = referenceFolders.flatMap(({ from, to }) =>
    existsSync(from) && statSync(from).isDirectory() ? listImages(from).map((file) => ({ from: file, to: `${to}/${basename(file)}` })) : [],
  );
  const sweepText = sweepYamlText(sweep, exp.name);
  const datasetImages = countTrainingImages(resolve(loaded.dir, exp.dataset.images));
  const summary = summarize(exp, jobs, datasetImages, container.imageTag);

  const pinsNote = `sd-scripts ${exp.pins.sd_scripts.commit}`;
  const tomlFiles: { path: string; table: TomlTable }[] = [{ path: 'dataset.toml', table: dataset }, ...trainConfigs];
  const tomlComment = (path: string) =>
    path === 'dataset.toml'
      ? [
          `Written by \`lora-eval plan\` for experiment "${exp.name}"; re-run the plan instead of editing.`,
          `sd-scripts dataset config (--dataset_config), ${pinsNote}. Paths are inside the container.`,
        ]
      : [
          `Written by \`lora-eval plan\` for experiment "${exp.name}"; re-run the plan instead of editing.`,
          `train_network.py --config_file, ${pinsNote}. Sections only group the keys; paths are inside the container.`,
        ];

  const files: PlanFile[] = [
    { path: 'container/Dockerfile', content: container.dockerfile },
    { path: 'container/requirements.txt', content: container.requirements },
    { path: 'container/constraints.txt', content: container.constraints },
    ...tomlFiles.map((f) => ({ path: f.path, content: tomlText(f.table, tomlComment(f.path)) })),
    ...jobs.map((j) => ({ path: j.promptFile, content: j.lines.join('\n') + '\n' })),
    { path: 'run.sh', content: runScript(exp, container.imageTag, mounts, jobs), executable: true },
    { path: 'sweep.yaml', content: sweepText },
    { path: 'plan.txt', content: formatPlanTable(summary) },
  ];

  // Everything written for sd-scripts is checked against the pinned commit's argument lists.
  const problems: ArgProblem[] = [];
  problems.push(...checkDatasetConfig(dataset, version, 'dataset.toml'));
  for (const c of trainConfigs) problems.push(...checkTrainConfig(c.table, version, c.path));
  for (const job of jobs) {
    problems.push(...checkCliArgs([...jobArgs(job), ['--from_file', job.promptFile]], version.genImg, 'run.sh', 'gen_img.py'));
    for (const option of job.lineOptions) {
      if (!version.genImgPromptOptions.has(option))
        problems.push({ file: job.promptFile, field: `--${option}`, message: 'gen_img.py reads no such prompt option' });
    }
  }
  if (problems.length) throw new ExperimentError(toProblems(problems, outDir));
  for (const f of tomlFiles) checkTomlRoundTrip(files.find((x) => x.path === f.path)!.content, f.table, join(outDir, f.path));
  const reread = SweepSchema.safeParse(parseYaml(sweepText));
  if (!reread.success)
    throw new Error(`internal: the planned sweep.yaml does not validate: ${reread.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);

  const warnings: string[] = [];
  if (datasetImages === undefined) warnings.push(`dataset.images: folder not found here: ${resolve(loaded.dir, exp.dataset.images)}`);
  else if (datasetImages === 0)
    warnings.push(`dataset.images: no training images (${TRAIN_IMAGE_EXTENSIONS.join(', ')}) in ${resolve(loaded.dir, exp.dataset.images)}`);
  for (const { from, to } of referenceFolders) {
    if (!copies.some((c) => c.to.startsWith(`${to}/`))) warnings.push(`${to}: no reference images (${IMAGE_EXTENSIONS.join(', ')}) in ${from} to copy`);
  }
  for (const m of mounts) {
    if (m.container === '/data/images') continue;
    const host = resolve(outDir, m.host);
    if (!existsSync(host)) warnings.push(`${m.label}: not found here: ${host}`);
  }

  return {
    name: exp.name,
    outDir,
    files,
    directories: [OUTPUTS_DIR, MODELS_DIR, 'logs', ...referenceFolders.map((r) => r.to)],
    copies,
    baseImage: { image: resolved.image, via: resolved.via },
    imageTag: container.imageTag,
    jobs,
    toml: tomlFiles,
    summary,
    warnings,
  };
}

/** Writes a plan's files under outDir (default: the folder it was planned for), then reads the TOML back. */
export function writePlan(plan: Plan, outDir: string = plan.outDir): string[] {
  const root = resolve(outDir);
  const written: string[] = [];
  for (const dir of plan.directories) mkdirSync(join(root, dir), { recursive: true });
  for (const file of plan.files) {
    const target = join(root, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
    if (file.executable) chmodSync(target, 0o755);
    written.push(target);
  }
  for (const { from, to } of plan.copies) {
    copyFileSync(from, join(root, to));
    written.push(join(root, to));
  }
  for (const { path, table } of plan.toml) checkTomlRoundTrip(readFileSync(join(root, path), 'utf8'), table, join(root, path));
  return written;
}
