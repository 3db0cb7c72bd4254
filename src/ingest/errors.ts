/** A file that could not be read as asked: names the file and says what was expected. */
export class IngestFileError extends Error {
  constructor(
    public readonly file: string,
    public readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'IngestFileError';
  }
}

/** A grid image that cannot be divided into cells as asked. */
export class GridLayoutError extends Error {
  constructor(
    public readonly file: string,
    public readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'GridLayoutError';
  }
}

/** A file skipped or refused during ingest, with the reason. */
export interface IngestProblem {
  file: string;
  reason: string;
}

export function errorMessage(e: unknown): string {
  if (e instanceof IngestFileError || e instanceof GridLayoutError) return e.reason;
  return e instanceof Error ? e.message : String(e);
}
