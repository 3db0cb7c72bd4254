/**
 * What changes a run's scores besides the model files: the resize engine, tagger thresholds, CLIP variant, each
 * encoder's preprocessing, the tokenizer and tag-list files, and the reference images. Runs that differ in one are
 * not comparable (merge refuses them; check refuses them unless told otherwise).
 */
import { basename } from 'node:path';
import type { RunJson } from './run-json.js';

/** The tags detail_tags takes its largest probability over: another list is another metric. */
export const DETAIL_TAGS_SETTING = 'detail_tags tags (tagger.detail_tags)';

/**
 * Each setting as run.json records it. `unrecorded: 'default'` reads a field an older run lacks as the value runs had
 * before it was recorded; `'unknown'` leaves it undefined, so that it is compared only where both runs record it.
 */
export function scoringSettings(run: RunJson, unrecorded: 'default' | 'unknown'): Record<string, unknown> {
  const orDefault = <T>(value: T | undefined, fallback: T) => (value !== undefined || unrecorded === 'unknown' ? value : fallback);
  const encoder = run.encoder as { preprocessing?: string } | null | undefined;
  const ccip = run.ccip as { preprocessing?: string; threshold?: number } | null | undefined;
  return {
    'resize engine (--exact-resize)': orDefault(run.options?.resampler, 'fast'),
    'tagger thresholds (--mcut)': orDefault(run.options?.tag_thresholds, 'threshold'),
    'CLIP variant (--variant)': orDefault(run.options?.variant, null),
    'CLIP preprocessing': orDefault(run.clip?.preprocessing, null),
    'tagger preprocessing': run.tagger === null ? null : orDefault(run.tagger?.preprocessing, null),
    'DINOv2 preprocessing': encoder === null ? null : orDefault(encoder?.preprocessing, null),
    'CCIP preprocessing and threshold': ccip ? JSON.stringify([ccip.preprocessing, ccip.threshold]) : orDefault(ccip, null),
    'tokenizer, preprocessing and tag-list files': orDefault(run.model_files?.map((m) => m.sha256).join(','), ''),
    [DETAIL_TAGS_SETTING]: run.tagger === null ? null : run.tagger?.detail_tags?.join(','),
  };
}

/** The settings both runs record, with different values. */
export function differingSettings(mine: Record<string, unknown>, theirs: Record<string, unknown>): string[] {
  return Object.keys(mine).filter((name) => mine[name] !== undefined && theirs[name] !== undefined && mine[name] !== theirs[name]);
}

/**
 * Why two runs' reference images differ, or undefined when they are the same images (by content, wherever they lie:
 * runs on machines that mount the sweep at different paths). Concept and style scores are measured against them.
 */
export function referencesDiffer(
  label: string,
  mine: { file: string; sha256: string }[] | undefined,
  theirs: { file: string; sha256: string }[] | undefined,
): string | undefined {
  if (!mine || !theirs) return undefined;
  const key = (refs: { sha256: string }[]) =>
    refs
      .map((r) => r.sha256)
      .sort()
      .join(',');
  if (key(mine) === key(theirs)) return undefined;
  const theirShas = new Set(theirs.map((r) => r.sha256));
  const myShas = new Set(mine.map((r) => r.sha256));
  const onlyMine = mine.filter((r) => !theirShas.has(r.sha256));
  const onlyTheirs = theirs.filter((r) => !myShas.has(r.sha256));
  const example = onlyMine[0] ?? onlyTheirs[0];
  return (
    `${label}: ${mine.length} image(s) against ${theirs.length}, ${onlyMine.length} only in this run and ${onlyTheirs.length} only in the other` +
    (example ? ` (e.g. ${basename(example.file)}, sha256 ${example.sha256.slice(0, 12)}…)` : ' (the same images, a different number of times)')
  );
}
