/** Exit codes: 0 all good, 1 the work ran but something failed or a check did not pass, 2 bad input or usage. */
export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;

/** An error whose message is already written for the user (names the file, field or model and what was expected). */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.badInput,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
