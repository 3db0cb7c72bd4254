/**
 * The certain-theory example as a new user runs it: the example design rendered in the fixture world
 * (fixtures/lib/certain-theory-world.ts, planted or null), scored with the fixture CLIP and tagger through `score`,
 * analyzed with examples/certain-theory/hypotheses.yaml (its choose: section included) and reported.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { writeCertainTheoryWorld } from '../../fixtures/lib/certain-theory-world.js';
import { runCli } from './cli.js';
import { tempDir } from './tmp.js';

export const CERTAIN_THEORY_HYPOTHESES = 'examples/certain-theory/hypotheses.yaml';
/** One seed: 1,968 images of epoch 10 and 192 of the intermediate epochs of one LoRA. */
export const CERTAIN_THEORY_IMAGES = 2160;

export interface CertainTheorySummary {
  hypotheses: { id: string; claim?: string; verdict: string; tests: number; supported: number; parts?: { id: string; verdict: string }[] }[];
  choose: {
    id?: string;
    claim?: string;
    factors: string[];
    within: string[];
    floors: { metric: string; kind: string; value: number }[];
    groups: {
      group: Record<string, string>;
      chosen: Record<string, string> | null;
      status: string;
      statusText: string;
      comparisons: { levels: Record<string, string>; prompts: number; difference: number; p: number | null; pAdj: number | null }[];
      pBest: number | null;
      pNone: number;
      unmetFloors: string[];
    }[];
    candidates: { group: Record<string, string>; levels: Record<string, string>; pBest: number; feasible: boolean }[];
  };
  variance: { metrics: { metric: string; note?: string; terms?: { term: string; p: number; partialEta2: number; partialEta2High: number }[] }[] };
}

export interface CertainTheoryRun {
  run: string;
  /** What `analyze` printed. */
  analyzeOut: string;
  summary: CertainTheorySummary;
}

/** Scoring ~2,200 images takes 1.5 min of CPU; on a loaded machine the wall clock may be several times that. */
const CLI_TIMEOUT_MS = 600_000;

export async function runCertainTheory(options: { null?: boolean } = {}): Promise<CertainTheoryRun> {
  const dir = tempDir();
  const sweep = join(dir, 'sweep');
  expect(await writeCertainTheoryWorld(sweep, { seeds: [1], null: options.null })).toBe(CERTAIN_THEORY_IMAGES);
  const run = join(dir, 'run');
  const score = runCli(['score', join(sweep, 'sweep.yaml'), '--clip', 'fixtures/models/clip', '--tagger', 'fixtures/models/tagger-v3', '--out', run], {
    timeoutMs: CLI_TIMEOUT_MS,
  });
  expect(score.code, score.stderr).toBe(0);
  const analyze = runCli(['analyze', run, '--hypotheses', CERTAIN_THEORY_HYPOTHESES], { timeoutMs: CLI_TIMEOUT_MS });
  expect(analyze.code, analyze.stderr).toBe(0);
  const report = runCli(['report', run], { timeoutMs: CLI_TIMEOUT_MS });
  expect(report.code, report.stderr).toBe(0);
  return { run, analyzeOut: analyze.stdout + analyze.stderr, summary: JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')) as CertainTheorySummary };
}

/** The variance terms of one metric, by name. */
export function varianceTerms(summary: CertainTheorySummary, metric: string) {
  const m = summary.variance.metrics.find((x) => x.metric === metric);
  if (!m?.terms) throw new Error(`no variance decomposition of ${metric}: ${JSON.stringify(m)}`);
  return Object.fromEntries(m.terms.map((t) => [t.term, t]));
}
