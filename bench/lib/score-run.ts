/**
 * `lora-eval score` run as a user runs it (node bin/lora-eval.js, the compiled CLI) over a synthetic sweep, with its
 * own run.json checked so that a run that scored less than it should cannot pass for a fast one.
 */
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SyntheticSweep } from '../sweep/synthetic-sweep.js';
import { ChildFailed, runNode, type Measured } from './processes.js';

export interface ScoreDirs {
  out: string;
  lock: string;
  /** default: <out>/store.sqlite */
  store?: string;
}

export interface ScoreRun {
  /** sweep images */
  sweepImages: number;
  /** sweep images and references: what a cold run encodes */
  images: number;
  /** images (sweep and references) that went through decoding and inference */
  encoded: number;
  wallSeconds: number;
  imagesPerSecond: number;
  peakRssMiB: number;
  cpuMsPerImage: number;
  /** run.json's own phase timings and work counters, as the version measured writes them */
  timings?: Record<string, number>;
  work?: Record<string, number>;
}

interface RunJsonCounts {
  images: number;
  scored: number;
  encoded: number;
  cached: number;
  failures: number;
}

/**
 * `expectEncoded`: how many images must have been encoded ('all': every sweep image and reference; a number: exactly
 * that many, e.g. 0 for a cached re-score).
 */
export async function runScore(
  cli: string,
  clipDir: string,
  sweep: SyntheticSweep,
  dirs: ScoreDirs,
  options: { batch: number; scratch: string; expectEncoded: 'all' | number; threads?: number },
): Promise<ScoreRun> {
  mkdirSync(dirs.out, { recursive: true });
  mkdirSync(dirname(dirs.lock), { recursive: true });
  const args = [cli, 'score', sweep.file, '--clip', clipDir, '--out', dirs.out, '--lock', dirs.lock, '--batch-size', String(options.batch)];
  if (dirs.store) args.push('--store', dirs.store);
  if (options.threads) args.push('--threads', String(options.threads));
  const m: Measured = await runNode(args, { scratch: options.scratch });
  const what = `lora-eval ${args.slice(1).join(' ')}`;
  if (m.exitCode !== 0) throw new ChildFailed(what, m);
  const runJsonFile = join(dirs.out, 'run.json');
  if (!existsSync(runJsonFile)) throw new Error(`${what}: exited 0 but wrote no ${runJsonFile}`);
  const run = JSON.parse(readFileSync(runJsonFile, 'utf8')) as { counts?: RunJsonCounts; timings?: Record<string, number>; work?: Record<string, number> };
  const counts = run.counts;
  if (!counts || typeof counts.encoded !== 'number') throw new Error(`${runJsonFile}: no counts.encoded; cannot tell what this run computed`);
  const n = sweep.images.length;
  if (counts.images !== n || counts.scored !== n || counts.failures !== 0)
    throw new Error(`${runJsonFile}: scored ${counts.scored} of ${counts.images} images with ${counts.failures} failures; the sweep has ${n} images`);
  const expected = options.expectEncoded === 'all' ? n + sweep.references.length : options.expectEncoded;
  if (counts.encoded !== expected)
    throw new Error(`${runJsonFile}: encoded ${counts.encoded} images, expected ${expected}${expected === 0 ? ' (a re-score of an unchanged sweep)' : ''}`);
  const images = n + sweep.references.length;
  return {
    sweepImages: n,
    images,
    encoded: counts.encoded,
    wallSeconds: m.wallSeconds,
    imagesPerSecond: images / m.wallSeconds,
    peakRssMiB: m.peakRssMiB,
    cpuMsPerImage: m.cpuMs / images,
    timings: run.timings,
    work: run.work,
  };
}

/** A lock folder to start from: a copy of `from` (the pins and whatever the CLI keeps beside them), or a new one. */
export function lockIn(dir: string, from?: string): string {
  if (from) cpSync(from, dir, { recursive: true });
  else mkdirSync(dir, { recursive: true });
  return join(dir, 'models.lock.json');
}
