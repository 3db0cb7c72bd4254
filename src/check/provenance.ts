import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScoreTable } from '../run/score-table.js';
import { UserError } from '../errors.js';
import { DETAIL_TAGS_SETTING, differingSettings, referencesDiffer, scoringSettings } from '../run/scoring-settings.js';
import type { ModelFile, SideModels } from './types.js';

/** The models a run was scored with: run.json's model files (when it has one) and the model column of scores.csv. */
export function modelsOf(table: ScoreTable, metrics: string[]): SideModels {
  let files: ModelFile[] = [];
  const runJson = table.runDir && join(table.runDir, 'run.json');
  if (runJson && existsSync(runJson)) {
    const parsed = JSON.parse(readFileSync(runJson, 'utf8')) as { models?: unknown };
    if (!Array.isArray(parsed.models) || !parsed.models.every((m) => typeof m?.file === 'string' && typeof m?.sha256 === 'string'))
      throw new UserError(`${runJson}: "models" must list { file, sha256 } for every model file`);
    files = parsed.models as ModelFile[];
  }
  const ids = [...new Set(table.rows.filter((r) => metrics.includes(r.metric)).map((r) => r.model))].sort();
  return { files, ids };
}

/** A model file as people recognise it: its last three path segments and the start of its hash. */
export function describeModelFile(m: ModelFile): string {
  return `${m.file.split(/[\\/]/).slice(-3).join('/')} (${m.sha256.slice(0, 12)}…)`;
}

/**
 * Why the two sides were scored with different models, or undefined when they were not: different model files in
 * run.json (compared by sha256, where both runs have one) or different model ids in the scores.
 */
export function modelChange(run: SideModels, baseline: SideModels): string | undefined {
  const list = (files: ModelFile[]) => (files.length ? files.map(describeModelFile).join(', ') : '(none)');
  if (run.files.length && baseline.files.length) {
    const hashes = (files: ModelFile[]) => files.map((m) => m.sha256).sort();
    const runOnly = run.files.filter((m) => !hashes(baseline.files).includes(m.sha256));
    const baseOnly = baseline.files.filter((m) => !hashes(run.files).includes(m.sha256));
    if (runOnly.length || baseOnly.length)
      return `the run was scored with other model files than the baseline: run ${list(runOnly)}; baseline ${list(baseOnly)}`;
  }
  if (run.ids.join(',') !== baseline.ids.join(','))
    return `the run was scored with other models than the baseline: run ${run.ids.join(', ') || '(none)'}; baseline ${baseline.ids.join(', ') || '(none)'} (scores.csv model column)`;
  return undefined;
}

/**
 * Why the two sides were scored with other settings than each other (resize engine, thresholds, preprocessing,
 * tokenizer and tag-list files, reference images, the tags of detail_tags when it is checked), or undefined when
 * every setting both run.json record agrees.
 */
export function settingsChange(run: ScoreTable, baseline: ScoreTable, metrics: string[]): string | undefined {
  if (!run.run || !baseline.run) return undefined;
  const [mine, theirs] = [scoringSettings(run.run, 'unknown'), scoringSettings(baseline.run, 'unknown')];
  const relevant = (name: string) => name !== DETAIL_TAGS_SETTING || metrics.includes('detail_tags');
  const differ = differingSettings(mine, theirs)
    .filter(relevant)
    .map((name) => `${name}: run ${JSON.stringify(mine[name])}, baseline ${JSON.stringify(theirs[name])}`);
  const references = [
    referencesDiffer('lora.references', run.run.references, baseline.run.references),
    referencesDiffer('lora.style_references', run.run.style_references, baseline.run.style_references),
  ].filter((r) => r !== undefined);
  const all = [...differ, ...references];
  return all.length ? `the run was scored with other settings than the baseline (run.json): ${all.join('; ')}` : undefined;
}
