import { ImageDecodeError } from '../imaging/decode.js';
import { ModelLoadError } from '../runtime/errors.js';
import { SweepError } from '../sweep/types.js';

import { EXIT, UserError } from '../errors.js';

export { EXIT, UserError };

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
