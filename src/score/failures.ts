import { EXIT, UserError } from '../errors.js';

/** Something that could not be scored, with the file and the reason; the run goes on without it. */
export interface Failure {
  /** Path as the user wrote it or as found on disk. */
  file: string;
  /** Image key within the sweep, when the failure belongs to a sweep image. */
  image?: string;
  stage: 'missing' | 'read' | 'decode' | 'model' | 'metric';
  reason: string;
}

export function formatFailure(f: Failure): string {
  return `${f.file}: ${f.reason}`;
}

/** The error --strict stops with: the first image that could not be scored, as one line; exit 1. */
export function strictStop(f: Failure): UserError {
  return new UserError(`${formatFailure(f)} (--strict stops at the first image that cannot be scored)`, EXIT.failed);
}
