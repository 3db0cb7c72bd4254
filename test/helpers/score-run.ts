import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScoreTable } from '../../src/run/score-table.js';
import { formatScoresCsv, type ScoreRow } from '../../src/run/scores-csv.js';
import type { PromptKind } from '../../src/sweep/schema.js';
import { tempDir } from './tmp.js';

/** Writes one file into dir and returns its path. */
export function writeFile(dir: string, name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

/** One scores.csv row of an image named after its levels, prompt and seed. */
export function scoreRow(levels: Record<string, string>, prompt: string, seed: string, metric: string, model: string, value: number): ScoreRow {
  return { image: `${Object.values(levels).join('/')}/${prompt}-${seed}.png`, sha256: 'x', levels, prompt, seed, metric, model, value };
}

/**
 * A fresh folder (or dir) holding the rows as scores.csv with these factor columns; returns the folder. With kinds,
 * a run.json beside it records the prompts' kinds as score does (sweep.prompt_kinds) and nothing else.
 */
export function scoresRun(rows: ScoreRow[], factors: string[], dir = tempDir(), kinds?: Record<string, PromptKind>): string {
  writeFileSync(join(dir, 'scores.csv'), formatScoresCsv(rows, factors));
  if (kinds) writeFileSync(join(dir, 'run.json'), JSON.stringify({ sweep: { prompt_kinds: kinds } }));
  return dir;
}

/** Every prompt of the rows as a concept prompt. */
export function conceptKinds(rows: ScoreRow[]): Record<string, PromptKind> {
  return Object.fromEntries(rows.map((r) => [r.prompt, 'concept' as const]));
}

/** A table written as scores.csv with its prompt kinds in run.json (see scoresRun); returns the scores.csv path. */
export function scoresCsvOf(table: ScoreTable, dir = tempDir()): string {
  if (!table.promptKinds) throw new Error('scoresCsvOf: the table has no promptKinds');
  return join(scoresRun(table.rows, table.factors, dir, table.promptKinds), 'scores.csv');
}

/**
 * A minimal sweep.yaml describing a scored run's design, for the models: and costs: that analyze --sweep lends to
 * claims; `extra` holds those sections (YAML lines).
 */
export function sweepYaml(factors: string, images: string, extra = ''): string {
  return `name: s
lora: { trigger: x, description: a girl, references: refs }
factors: ${factors}
prompts: [{ id: p1, kind: concept, text: x }]
seeds: [1]
images: "${images}"
${extra}
`;
}
