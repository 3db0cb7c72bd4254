import { ImageDecodeError } from '../imaging/decode.js';
import { ModelLoadError } from '../runtime/errors.js';
import { SweepError } from '../sweep/types.js';

/** Exit codes: 0 all good, 1 the work ran but something failed or a check did not pass, 2 bad input or usage. */
export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;

/** An error whose message is already written for the user. */
export class UserError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT.badInput) {
    super(message);
    this.name = 'UserError';
  }
}

const userFacing = [SweepError, ModelLoadError, ImageDecodeError, UserError];

/** Runs a command body, printing known errors as clean lines and setting the exit code. */
export async function runCommand(body: () => Promise<number | void>): Promise<void> {
  try {
    const code = await body();
    process.exitCode = code ?? EXIT.ok;
  } catch (e) {
    if (userFacing.some((cls) => e instanceof cls)) {
      process.stderr.write(`error: ${(e as Error).message.split('\n').join('\nerror: ')}\n`);
      process.exitCode = e instanceof UserError ? e.exitCode : EXIT.badInput;
      return;
    }
    process.stderr.write(`error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = EXIT.failed;
  }
}
