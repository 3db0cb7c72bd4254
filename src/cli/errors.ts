import { CsvError } from 'csv-parse';
import { ImageDecodeError } from '../imaging/decode-error.js';
import { ModelLoadError } from '../runtime/errors.js';
import { SweepError } from '../sweep/types.js';
import { fileError, isSystemError } from '../file-error.js';

import { EXIT, UserError } from '../errors.js';

export { EXIT, UserError };

const userFacing = [SweepError, ModelLoadError, ImageDecodeError, UserError];

/** The message and exit code for an error a user can act on, or undefined for a bug. */
export function describeError(e: unknown): { message: string; exitCode: number } | undefined {
  if (userFacing.some((cls) => e instanceof cls)) return { message: (e as Error).message, exitCode: e instanceof UserError ? e.exitCode : EXIT.badInput };
  if (isSystemError(e)) {
    const err = fileError(e);
    return { message: err.message, exitCode: err.exitCode };
  }
  if (e instanceof CsvError) {
    // csv-parse names the line but not the file; readers that know the file wrap the error themselves.
    return { message: `malformed CSV (truncated or damaged file?): ${e.message}`, exitCode: EXIT.badInput };
  }
  return undefined;
}

/** Runs a command body, printing known errors as clean lines and setting the exit code. */
export async function runCommand(body: () => Promise<number | void>): Promise<void> {
  try {
    const code = await body();
    process.exitCode = code ?? EXIT.ok;
  } catch (e) {
    const known = describeError(e);
    if (known) {
      process.stderr.write(`error: ${known.message.split('\n').join('\nerror: ')}\n`);
      process.exitCode = known.exitCode;
      return;
    }
    process.stderr.write(`error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = EXIT.failed;
  }
}
