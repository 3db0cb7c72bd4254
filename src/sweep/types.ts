import type { Sweep, SweepPrompt } from './schema.js';
import type { Seed } from './seed.js';

/** One image of a sweep, resolved to a file and to its cell. */
export interface SweepImage {
  /** Path relative to the sweep root, with "/" separators: the image's stable key. */
  key: string;
  /** Absolute path on disk. */
  path: string;
  /** Factor name → level as written in the sweep; LoRA-only factors are "" on weight-0 images. */
  levels: Record<string, string>;
  prompt: string;
  /** Canonical decimal seed (exact beyond 2^53). */
  seed: Seed;
  /** Numeric LoRA weight. */
  weight: number;
  /** True for weight-0 images: the target's native output, shared by every base. */
  native: boolean;
}

/** A problem found while loading a sweep: names the file and, where known, the field and line. */
export interface SweepProblem {
  file: string;
  field?: string;
  line?: number;
  message: string;
}

export interface LoadedSweep {
  /** Absolute path of the sweep file. */
  file: string;
  /** Absolute folder image paths are relative to. */
  root: string;
  sweep: Sweep;
  factorNames: string[];
  /** Factors that only matter when the LoRA is applied (blank on weight-0 images). */
  loraFactors: string[];
  prompts: Map<string, SweepPrompt>;
  /** Images that exist, in design order. */
  images: SweepImage[];
  /** Images the design expects but that are not on disk (or otherwise unusable before decoding). */
  missing: { image: Omit<SweepImage, 'path'> & { path: string }; reason: string }[];
  /** Reference (training) images for the concept and style. */
  references: string[];
  styleReferences: string[];
  /** sha256 of the sweep file bytes. */
  sha256: string;
}

export class SweepError extends Error {
  constructor(public readonly problems: SweepProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'SweepError';
  }
}

export function formatProblem(p: SweepProblem): string {
  const where = p.line !== undefined ? `${p.file}:${p.line}` : p.file;
  return p.field ? `${where}: ${p.field}: ${p.message}` : `${where}: ${p.message}`;
}
